"""Details of the service order types that share `Order` (DESIGN.md §4): work orders (AO),
pickup orders (HO) and fault reports (AV), plus attachments and return receipts.

The common header (number, customer, unit, orderer, prescriber, patient, status, dates, note)
stays on `Order`; `Order.kind` holds the sub-kind (work kind, fault kind). The rows here hold
what is specific to each type and needs its own columns (foreign keys, indexes)."""
from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from core.models import TimeStampedModel


class WorkKind(models.TextChoices):
    REPAIR_PATIENT = "repair_patient", _("Reparation hos patient")
    REPAIR_CENTRE = "repair_centre", _("Reparation på HMC")
    ADAPTATION = "adaptation", _("Anpassning")
    SPECIAL_ADAPTATION = "special_adaptation", _("Specialanpassning")
    MOUNTING = "mounting", _("Montering")
    INSTALLATION = "installation", _("Installation")
    CONSULTATION = "consultation", _("Konsultation")
    INSPECTION = "inspection", _("Förebyggande underhåll/besiktning")


# Kinds a customer may order; inspections are created by the supply centre on schedule.
CUSTOMER_WORK_KINDS = [k for k in WorkKind if k != WorkKind.INSPECTION]


class PickupReason(models.TextChoices):
    NOT_NEEDED = "not_needed", _("Behövs inte längre")
    DECEASED = "deceased", _("Patienten avliden")
    REPLACED = "replaced", _("Ersatt av annat hjälpmedel")
    WRONG_SIZE = "wrong_size", _("Fel storlek")


class FaultKind(models.TextChoices):
    NEGATIVE_EVENT = "negative_event", _("Negativ händelse")
    NEAR_MISS = "near_miss", _("Tillbud")
    COMPLAINT = "complaint", _("Reklamation")


class FaultConcerns(models.TextChoices):
    ARTICLE = "article", _("Produkt (artikel)")
    DEVICE = "device", _("Individ")
    SERVICE = "service", _("Tjänst (arbetsorder/leverans)")


class FaultRemedy(models.TextChoices):
    REPLACEMENT = "replacement", _("Ersättningsprodukt")
    SAME_BACK = "same_back", _("Samma individ tillbaka")
    NONE = "none", _("Ingen")


class FaultReturnMethod(models.TextChoices):
    SHIPPING = "shipping", _("Frakt")
    TECHNICIAN = "technician", _("Teknikerbesök")
    NONE = "none", _("Inget")


class WorkOrderDetail(models.Model):
    """Work order (AO): the device or order line it concerns, the technician and the result."""

    order = models.OneToOneField("ordering.Order", on_delete=models.CASCADE, primary_key=True,
                                 related_name="work_detail")
    device = models.ForeignKey("stock.Device", null=True, blank=True, on_delete=models.PROTECT,
                               related_name="work_orders", verbose_name=_("individ"))
    order_line = models.ForeignKey("ordering.OrderLine", null=True, blank=True, on_delete=models.PROTECT,
                                   related_name="work_orders", verbose_name=_("orderrad"))
    technician = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                   related_name="work_orders", verbose_name=_("tekniker"))
    started_at = models.DateTimeField(null=True, blank=True)
    completed_at = models.DateTimeField(null=True, blank=True)
    report = models.TextField(_("rapport"), max_length=4000, blank=True)
    hours = models.DecimalField(_("timmar"), max_digits=6, decimal_places=2, null=True, blank=True)

    class Meta:
        indexes = [models.Index(fields=["technician"], name="ord_wo_technician")]

    def __str__(self) -> str:
        return f"AO {self.order_id}"


class WorkOrderPart(models.Model):
    """A part used on a work order; it left stock through the ledger (`stock.services.issue`)."""

    order = models.ForeignKey("ordering.Order", on_delete=models.CASCADE, related_name="work_parts")
    article = models.ForeignKey("catalogue.Article", on_delete=models.PROTECT, related_name="+")
    quantity = models.PositiveIntegerField()

    class Meta:
        ordering = ["id"]


class PickupLine(models.Model):
    """A device to collect from the patient, with the reason."""

    order = models.ForeignKey("ordering.Order", on_delete=models.CASCADE, related_name="pickup_lines")
    device = models.ForeignKey("stock.Device", on_delete=models.PROTECT, related_name="pickup_lines",
                               verbose_name=_("individ"))
    loan = models.ForeignKey("stock.Loan", null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    reason = models.CharField(_("orsak"), max_length=20, choices=PickupReason.choices)
    loan_ended_on = models.DateField(null=True, blank=True)
    received_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["id"]
        indexes = [models.Index(fields=["device"], name="ord_pickup_device")]


class FaultReportDetail(models.Model):
    """Fault report (AV): what it concerns and how the supply centre handled it."""

    order = models.OneToOneField("ordering.Order", on_delete=models.CASCADE, primary_key=True,
                                 related_name="fault_detail")
    concerns = models.CharField(_("avser"), max_length=10, choices=FaultConcerns.choices)
    article = models.ForeignKey("catalogue.Article", null=True, blank=True, on_delete=models.PROTECT,
                                related_name="+", verbose_name=_("artikel"))
    device = models.ForeignKey("stock.Device", null=True, blank=True, on_delete=models.PROTECT,
                               related_name="fault_reports", verbose_name=_("individ"))
    related_order = models.ForeignKey("ordering.Order", null=True, blank=True, on_delete=models.PROTECT,
                                      related_name="fault_reports", verbose_name=_("gäller order"))
    description = models.TextField(_("beskrivning"), max_length=4000)
    occurred_on = models.DateField(_("när"))
    injury = models.BooleanField(_("personskada"), default=False)
    remedy = models.CharField(_("önskas"), max_length=12, choices=FaultRemedy.choices, default=FaultRemedy.NONE)
    return_method = models.CharField(_("retur"), max_length=12, choices=FaultReturnMethod.choices,
                                     default=FaultReturnMethod.NONE)
    reply_to_reporter = models.BooleanField(_("vill ha svar"), default=False)
    reported_to_manufacturer_on = models.DateField(_("anmäld till tillverkare"), null=True, blank=True)
    reported_to_authority_on = models.DateField(_("anmäld till Läkemedelsverket"), null=True, blank=True)
    answer = models.TextField(_("svar"), max_length=4000, blank=True)
    answered_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"AV {self.order_id}"


def attachment_path(instance, filename: str) -> str:
    return f"order_attachments/{instance.order_id}/{filename}"


class OrderAttachment(TimeStampedModel):
    order = models.ForeignKey("ordering.Order", on_delete=models.CASCADE, related_name="attachments")
    file = models.FileField(upload_to=attachment_path, max_length=300)
    name = models.CharField(_("filnamn"), max_length=200)
    content_type = models.CharField(max_length=100)
    size = models.PositiveIntegerField()
    uploaded_by_label = models.CharField(max_length=200, blank=True)

    class Meta:
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return self.name


class ReturnReceipt(TimeStampedModel):
    """Return receipt (återlämningskvitto): devices handed back at the patient, for signature."""

    number = models.CharField(max_length=20, unique=True)
    patient = models.ForeignKey("patients.Patient", on_delete=models.PROTECT, related_name="return_receipts")
    customer = models.ForeignKey("access.Organisation", on_delete=models.PROTECT, related_name="+")
    prescriber = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                   related_name="+")
    created_by_label = models.CharField(max_length=200, blank=True)
    returned_on = models.DateField()

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


__all__ = [
    "WorkKind", "CUSTOMER_WORK_KINDS", "PickupReason", "FaultKind", "FaultConcerns", "FaultRemedy",
    "FaultReturnMethod", "WorkOrderDetail", "WorkOrderPart", "PickupLine", "FaultReportDetail", "OrderAttachment",
    "ReturnReceipt", "ReturnReceiptLine",
]
