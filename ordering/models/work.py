"""Work orders (AO): the device or order line a job concerns, the technician, report and parts."""
from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


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
