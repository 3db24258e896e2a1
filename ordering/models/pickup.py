"""Pickup orders (HO) and return receipts (återlämningskvitton): devices leaving the patient."""
from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from core.models import TimeStampedModel


class PickupReason(models.TextChoices):
    NOT_NEEDED = "not_needed", _("Behövs inte längre")
    DECEASED = "deceased", _("Patienten avliden")
    REPLACED = "replaced", _("Ersatt av annat hjälpmedel")
    WRONG_SIZE = "wrong_size", _("Fel storlek")
    TRIAL_ENDED = "trial_ended", _("Utprovningen är avslutad")
    LOAN_PERIOD_ENDED = "loan_period_ended", _("Lånetiden har gått ut")

class PickupLineOutcome(models.TextChoices):
    """What became of a line at the door. A line still to collect has none."""
    OPEN = "", _("Att hämta")
    COLLECTED = "collected", _("Hämtad")
    KEPT = "kept", _("Patienten behåller")  # closed without collection: the loan goes on


class NotCollectedReason(models.TextChoices):
    """Why the driver did not collect a device (a partial pickup)."""
    NOT_THERE = "not_there", _("Finns inte på plats")
    KEPT = "kept", _("Patienten behåller")
    OTHER = "other", _("Annat")


class PickupLine(models.Model):
    """A device to collect from the patient, with the reason; `outcome` once collected or kept,
    `not_collected_reason` when the driver left it (the last time)."""

    order = models.ForeignKey("ordering.Order", on_delete=models.CASCADE, related_name="pickup_lines")
    device = models.ForeignKey("stock.Device", on_delete=models.PROTECT, related_name="pickup_lines",
                               verbose_name=_("individ"))
    loan = models.ForeignKey("stock.Loan", null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    reason = models.CharField(_("orsak"), max_length=20, choices=PickupReason.choices)
    loan_ended_on = models.DateField(null=True, blank=True)
    received_at = models.DateTimeField(null=True, blank=True)
    outcome = models.CharField(_("utfall"), max_length=10, choices=PickupLineOutcome.choices, blank=True, default="")
    picked_up_on = models.DateField(null=True, blank=True)
    not_collected_reason = models.CharField(_("orsak att den inte hämtades"), max_length=10,
                                            choices=NotCollectedReason.choices, blank=True, default="")

    class Meta:
        ordering = ["id"]
        indexes = [models.Index(fields=["device"], name="ord_pickup_device")]

class ReturnReceipt(TimeStampedModel):
    """Return receipt (återlämningskvitto): devices handed back at the patient, for signature."""

    number = models.CharField(max_length=20, unique=True)
    patient = models.ForeignKey("patients.Patient", on_delete=models.PROTECT, related_name="return_receipts")
    customer = models.ForeignKey("access.Organisation", on_delete=models.PROTECT, related_name="+")
    prescriber = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                   related_name="+")
    created_by_label = models.CharField(max_length=200, blank=True)
    returned_on = models.DateField()
    # A receipt the driver's pickup made at the door (drivers' runs): the pickup order, who
    # handed the devices over and their signature drawn on the phone (PNG).
    pickup_order = models.ForeignKey("ordering.Order", null=True, blank=True, on_delete=models.PROTECT,
                                     related_name="return_receipts")
    signed_by_name = models.CharField(_("överlämnat av"), max_length=120, blank=True)
    signature_png = models.BinaryField(null=True, blank=True, editable=False)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return self.number

class ReturnReceiptLine(models.Model):
    receipt = models.ForeignKey(ReturnReceipt, on_delete=models.CASCADE, related_name="lines")
    device = models.ForeignKey("stock.Device", on_delete=models.PROTECT, related_name="+")
    loan = models.ForeignKey("stock.Loan", on_delete=models.PROTECT, related_name="+")

    class Meta:
        ordering = ["id"]
