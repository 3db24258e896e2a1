"""Customer orders (KO): article lines, deliveries and order templates."""
from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from catalogue.models import LoanType
from core.models import TimeStampedModel

from .order import Order


class OrderLine(TimeStampedModel):
    """One article line. A tracked article (device with serial) is always one line per device:
    quantity 1 and the allocated `device`."""

    order = models.ForeignKey(Order, on_delete=models.CASCADE, related_name="lines")
    line_no = models.PositiveSmallIntegerField()
    article = models.ForeignKey("catalogue.Article", on_delete=models.PROTECT, related_name="+",
                                verbose_name=_("artikel"))
    quantity = models.PositiveIntegerField(_("antal"))
    delivered_quantity = models.PositiveIntegerField(default=0)
    allocated_quantity = models.PositiveIntegerField(default=0)
    backordered_quantity = models.PositiveIntegerField(default=0)
    device = models.ForeignKey("stock.Device", null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    main_line = models.ForeignKey("self", null=True, blank=True, on_delete=models.SET_NULL,
                                  related_name="accessory_lines")
    # Prices copied when the line is created (what the customer was shown).
    charging = models.CharField(max_length=10, blank=True)
    monthly_rent = models.DecimalField(max_digits=12, decimal_places=2, null=True, blank=True)
    unit_price = models.DecimalField(max_digits=12, decimal_places=2, null=True, blank=True)
    note = models.CharField(max_length=500, blank=True)
    # The loan the delivered device gets (ordering.flows.loans): a tracked article's line only
    # ("" otherwise); `loan_until` is the return date (time-limited, short-term) or the trial's end.
    loan_type = models.CharField(_("låneform"), max_length=20, choices=LoanType.choices, blank=True,
                                 default="", db_default="")
    loan_until = models.DateField(_("återlämnas / utprovning till"), null=True, blank=True)

    class Meta:
        ordering = ["order_id", "line_no"]
        constraints = [
            models.UniqueConstraint(fields=["order", "line_no"], name="uniq_order_line_no"),
            models.CheckConstraint(condition=models.Q(quantity__gt=0), name="order_line_qty_positive"),
            models.CheckConstraint(condition=models.Q(delivered_quantity__lte=models.F("quantity")),
                                   name="order_line_delivered_lte_qty"),
        ]

    def __str__(self) -> str:
        return f"{self.order_id}:{self.line_no}"

    @property
    def remaining_quantity(self) -> int:
        return self.quantity - self.delivered_quantity

    @property
    def is_delivered(self) -> bool:
        return self.delivered_quantity >= self.quantity

class Delivery(TimeStampedModel):
    """One delivery (all or part of an order's lines) acknowledged by a receiver. A delivery
    note (PDF) is generated from this row and its lines."""

    class Place(models.TextChoices):
        STAY_ADDRESS = "stay_address", _("Patientens vistelseadress")
        HOSPITAL_OR_UNIT = "hospital_or_unit", _("Sjukhus eller enhet")

    order = models.ForeignKey(Order, on_delete=models.CASCADE, related_name="deliveries")
    delivered_on = models.DateField()
    receiver_name = models.CharField(_("mottagare"), max_length=120)
    place = models.CharField(_("leveransplats"), max_length=20, choices=Place.choices)
    actor_label = models.CharField(max_length=200, blank=True)
    # The receiver's signature drawn on the driver's phone (PNG, checked by supply.runs.signature);
    # printed on the delivery note. Empty for deliveries acknowledged on paper.
    signature_png = models.BinaryField(null=True, blank=True, editable=False)

    class Meta:
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return f"{self.order_id} {self.delivered_on}"

class DeliveryLine(models.Model):
    delivery = models.ForeignKey(Delivery, on_delete=models.CASCADE, related_name="lines")
    order_line = models.ForeignKey(OrderLine, on_delete=models.PROTECT, related_name="delivery_lines")
    quantity = models.PositiveIntegerField()
    device = models.ForeignKey("stock.Device", null=True, blank=True, on_delete=models.PROTECT, related_name="+")

class OrderTemplate(TimeStampedModel):
    """A saved set of lines (e.g. 'Säng med madrass') to start a draft from."""

    customer = models.ForeignKey("access.Organisation", on_delete=models.CASCADE, related_name="+")
    unit = models.ForeignKey("access.Unit", null=True, blank=True, on_delete=models.CASCADE, related_name="+")
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                              related_name="+")
    name = models.CharField(_("namn"), max_length=120)
    shared = models.BooleanField(_("delad med kunden"), default=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

class OrderTemplateLine(models.Model):
    template = models.ForeignKey(OrderTemplate, on_delete=models.CASCADE, related_name="lines")
    article = models.ForeignKey("catalogue.Article", on_delete=models.CASCADE, related_name="+")
    quantity = models.PositiveIntegerField(default=1)

    class Meta:
        ordering = ["id"]
