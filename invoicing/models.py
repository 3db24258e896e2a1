"""The invoice basis (fakturaunderlag, DESIGN.md §6): one `InvoiceMonth` per calendar month
(for all customers) and its `InvoiceLine`s, one per charge.

Written only by `invoicing.services`. An open month's lines are replaced by every computation
(`invoice_month_compute`); a closed month's lines never change: the services refuse it, and on
PostgreSQL a trigger (migration 0002) refuses UPDATE and DELETE of its lines and INSERT into it.
Money is in öre (integers); see `catalogue.pricing` for the rules and the rounding."""
from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from core.models import TimeStampedModel


class InvoiceMonth(TimeStampedModel):
    class Status(models.TextChoices):
        OPEN = "open", _("Öppen (preliminär)")
        CLOSED = "closed", _("Stängd (slutlig)")

    class Compute(models.TextChoices):
        IDLE = "idle", _("Ej beräknad")
        QUEUED = "queued", _("I kö")
        RUNNING = "running", _("Beräknas")
        DONE = "done", _("Klar")
        FAILED = "failed", _("Misslyckades")

    month = models.DateField(_("månad"), unique=True)  # the first day of the month
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.OPEN)
    closed_at = models.DateTimeField(_("stängd"), null=True, blank=True)
    closed_by_label = models.CharField(_("stängd av"), max_length=200, blank=True)
    compute_status = models.CharField(_("beräkning"), max_length=10, choices=Compute.choices,
                                      default=Compute.IDLE)
    compute_progress = models.PositiveSmallIntegerField(_("förlopp (%)"), default=0)
    computed_at = models.DateTimeField(_("beräknad"), null=True, blank=True)
    compute_error = models.CharField(max_length=500, blank=True)

    class Meta:
        ordering = ["-month"]
        verbose_name = _("fakturamånad")
        verbose_name_plural = _("fakturamånader")

    def __str__(self) -> str:
        return f"{self.month:%Y-%m}"

    @property
    def is_closed(self) -> bool:
        return self.status == self.Status.CLOSED

    @property
    def label(self) -> str:
        return f"{self.month:%Y-%m}"


class Rule(models.TextChoices):
    RENT = "rent", _("Hyra")
    SPECIAL_RENT = "special_rent", _("Hyra, särskilt beslut")
    BUFFER_RENT = "buffer_rent", _("Hyra, buffertförråd")
    PURCHASE = "purchase", _("Köp")
    SERVICE_HOURS = "service_hours", _("Tjänst, timmar")
    SERVICE_PART = "service_part", _("Tjänst, reservdel")
    URGENT_FEE = "urgent_fee", _("Avgift akut leverans")
    FAILED_DELIVERY_FEE = "failed_delivery_fee", _("Avgift bomkörning")
    BUFFER_STORE_FEE = "buffer_store_fee", _("Månadsavgift buffertförråd")


class InvoiceLine(models.Model):
    """One charge. `key` names the charge independently of the computation (e.g.
    `rent:loan:12:2026-03-01`), so a later computation can compare what a closed month billed
    with what it should have billed; the difference becomes a correction line in the next open
    month with `corrects_line` (the original, when there was one) and `corrects_month`."""

    # References into other contexts are not database constraints (`db_constraint=False`; Django
    # still refuses to delete a referenced row: PROTECT is enforced by the ORM). A month writes
    # ~700,000 lines, and PostgreSQL checks every foreign key of every inserted row one by one
    # (a query per row and constraint at commit): 11 constraints cost more than the rest of the
    # computation together (docs/performance.md, Invoicing). The values come from the rows they
    # name, read in the same transaction. The month's own references stay constraints.
    month = models.ForeignKey(InvoiceMonth, on_delete=models.PROTECT, related_name="lines", db_index=False)
    customer = models.ForeignKey("access.Organisation", on_delete=models.PROTECT, related_name="+",
                                 verbose_name=_("kund"), db_constraint=False)
    cost_centre = models.ForeignKey("access.CostCentre", null=True, blank=True, on_delete=models.PROTECT,
                                    related_name="+", verbose_name=_("kostnadsställe"), db_constraint=False)
    unit = models.ForeignKey("access.Unit", null=True, blank=True, on_delete=models.PROTECT, related_name="+",
                             verbose_name=_("enhet"), db_constraint=False)
    patient = models.ForeignKey("patients.Patient", null=True, blank=True, on_delete=models.PROTECT,
                                related_name="+", db_constraint=False)
    patient_identity = models.CharField(_("personnummer"), max_length=12, blank=True)
    order = models.ForeignKey("ordering.Order", null=True, blank=True, on_delete=models.PROTECT, related_name="+",
                              db_constraint=False)
    order_number = models.CharField(_("order"), max_length=16, blank=True)
    device = models.ForeignKey("stock.Device", null=True, blank=True, on_delete=models.PROTECT, related_name="+",
                               db_constraint=False)
    serial = models.CharField(_("individnummer"), max_length=60, blank=True)
    loan = models.ForeignKey("stock.Loan", null=True, blank=True, on_delete=models.PROTECT, related_name="+",
                             db_constraint=False)
    article = models.ForeignKey("catalogue.Article", null=True, blank=True, on_delete=models.PROTECT,
                                related_name="+", db_constraint=False)
    article_number = models.CharField(_("artikelnummer"), max_length=35, blank=True)
    text = models.CharField(_("benämning"), max_length=300, blank=True)
    period_from = models.DateField(_("från"))
    period_to = models.DateField(_("till"))
    quantity = models.DecimalField(_("antal"), max_digits=12, decimal_places=2)
    unit_price_ore = models.BigIntegerField(_("à-pris (öre)"))
    amount_ore = models.BigIntegerField(_("belopp (öre)"))
    rule = models.CharField(_("regel"), max_length=30, choices=Rule.choices)
    key = models.CharField(max_length=120)
    # Not a constraint either: deleting an open month's lines would otherwise look up, per line,
    # whether a correction refers to it (corrections refer to closed months' lines only, and
    # those cannot be deleted: the trigger of migration 0002).
    corrects_line = models.ForeignKey("self", null=True, blank=True, on_delete=models.PROTECT,
                                      related_name="corrections", verbose_name=_("rättar rad"),
                                      db_constraint=False)
    corrects_month = models.ForeignKey(InvoiceMonth, null=True, blank=True, on_delete=models.PROTECT,
                                       related_name="+", verbose_name=_("rättar månad"), db_index=False)

    class Meta:
        ordering = ["month", "customer_id", "cost_centre_id", "id"]
        verbose_name = _("fakturarad")
        verbose_name_plural = _("fakturarader")
        indexes = [
            models.Index(fields=["month", "customer", "cost_centre"], name="inv_line_month_cust"),
            models.Index(fields=["month", "key"], name="inv_line_month_key"),
            models.Index(fields=["corrects_month", "key"], name="inv_line_corrects"),
        ]

    def __str__(self) -> str:
        return f"{self.month_id} {self.key} {self.amount_ore}"

    @property
    def is_correction(self) -> bool:
        return self.corrects_month_id is not None


class MonthProgress(models.Model):
    """How far the running computation of a month is (percent and stage), for the month page.

    Kept apart from `InvoiceMonth` on purpose: the computation holds a row lock on its month for
    its whole transaction, and writes these rows over a second connection in autocommit
    (PostgreSQL), so the page sees them while that transaction is still open. `month_pk` is the
    month's id without a foreign key, since a foreign-key check would wait for that lock."""

    month_pk = models.BigIntegerField(primary_key=True)
    percent = models.PositiveSmallIntegerField(default=0)
    stage = models.CharField(max_length=30, blank=True)
    updated_at = models.DateTimeField()

    class Meta:
        verbose_name = _("beräkningsförlopp")
        verbose_name_plural = _("beräkningsförlopp")

    def __str__(self) -> str:
        return f"{self.month_pk}: {self.percent} % {self.stage}"
