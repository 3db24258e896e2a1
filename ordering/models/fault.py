"""Fault reports (AV): negative events, near-misses and complaints, with their investigation."""
from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


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
