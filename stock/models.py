"""Stock (DESIGN.md §5): locations, individually tracked devices, loans, the append-only stock
ledger and its projection.

The ledger (`StockMovement`) is the truth. Each movement carries, for one (location, article,
condition), a delta of units on hand (`quantity`) and a delta of units reserved
(`reserved_delta`). `StockLevel` is the projection: per (location, article) the sums of those
deltas, split by condition. `manage.py rebuild_stock` recomputes it from the ledger.
`catalogue.ArticleAvailability` mirrors the available (on hand − reserved) units at central
locations. Everything is written only by `stock.services`, in one transaction per operation.

Invariant kept by the services: devices at central locations are `in_stock` or `reserved`;
devices at buffer stores are `in_buffer_store` (or `reserved`); devices being refurbished or
repaired sit at a refurbishment location; devices on loan or scrapped have no location.
"""
from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from audit.models import AppendOnlyModel
from catalogue.models import LoanType
from core.models import TimeStampedModel


class Condition(models.TextChoices):
    NEW = "new", _("Ny")
    REFURBISHED = "refurbished", _("Återanvänd")


class Location(TimeStampedModel):
    class Kind(models.TextChoices):
        CENTRAL = "central", _("Centrallager")
        BUFFER_STORE = "buffer_store", _("Buffertförråd")
        REFURBISHMENT = "refurbishment", _("Rekonditionering")
        IN_TRANSIT = "in_transit", _("Under transport")

    code = models.CharField(_("kod"), max_length=30, unique=True)
    name = models.CharField(_("namn"), max_length=200)
    kind = models.CharField(_("typ"), max_length=20, choices=Kind.choices)
    # For buffer stores: the customer unit where the store is kept.
    unit = models.ForeignKey("access.Unit", null=True, blank=True, on_delete=models.PROTECT,
                             related_name="stock_locations", verbose_name=_("enhet"))
    is_active = models.BooleanField(_("aktiv"), default=True)

    class Meta:
        ordering = ["kind", "name"]
        verbose_name = _("lagerplats")
        verbose_name_plural = _("lagerplatser")

    def __str__(self) -> str:
        return self.name


class Device(TimeStampedModel):
    """One physical, individually tracked unit (individ) with a serial number."""

    Condition = Condition

    class Status(models.TextChoices):
        IN_STOCK = "in_stock", _("I lager")
        RESERVED = "reserved", _("Reserverad")
        IN_TRANSIT = "in_transit", _("Under transport")
        IN_BUFFER_STORE = "in_buffer_store", _("I buffertförråd")
        ON_LOAN = "on_loan", _("Utlånad")
        AWAITING_REFURBISHMENT = "awaiting_refurbishment", _("Väntar på rekonditionering")
        IN_REPAIR = "in_repair", _("Under reparation")
        SCRAPPED = "scrapped", _("Kasserad")
        # Expected in a buffer store but not found at its stock count (`store_count_devices`):
        # out of the store through an adjustment, no location; found again by a later count.
        MISSING = "missing", _("Saknas vid inventering")

    serial = models.CharField(_("individnummer"), max_length=60, unique=True)
    article = models.ForeignKey("catalogue.Article", on_delete=models.PROTECT, related_name="devices",
                                verbose_name=_("artikel"))
    condition = models.CharField(_("skick"), max_length=12, choices=Condition.choices, default=Condition.NEW)
    status = models.CharField(_("status"), max_length=30, choices=Status.choices, default=Status.IN_STOCK)
    location = models.ForeignKey(Location, null=True, blank=True, on_delete=models.PROTECT, related_name="devices",
                                 verbose_name=_("lagerplats"))
    holder_patient = models.ForeignKey("patients.Patient", null=True, blank=True, on_delete=models.PROTECT,
                                       related_name="devices", verbose_name=_("innehas av"))
    # When the device entered stock in its current condition: "longest waiting first".
    available_since = models.DateTimeField(_("i lager sedan"), null=True, blank=True)
    purchase_date = models.DateField(_("inköpsdatum"), null=True, blank=True)
    purchase_price = models.DecimalField(_("inköpspris"), max_digits=12, decimal_places=2, null=True, blank=True)
    next_inspection_date = models.DateField(_("nästa besiktning"), null=True, blank=True)
    reserved_ref = models.CharField(_("reserverad för"), max_length=100, blank=True)
    scrapped_reason = models.CharField(_("orsak till kassation"), max_length=300, blank=True)

    class Meta:
        ordering = ["serial"]
        verbose_name = _("individ")
        verbose_name_plural = _("individer")
        indexes = [
            models.Index(fields=["article", "status", "condition", "available_since"], name="stock_dev_alloc"),
            models.Index(fields=["holder_patient"], name="stock_dev_holder"),
        ]

    def __str__(self) -> str:
        return self.serial


class Loan(TimeStampedModel):
    """A device registered on a patient, charged to a customer's cost centre."""

    device = models.ForeignKey(Device, on_delete=models.PROTECT, related_name="loans", verbose_name=_("individ"))
    patient = models.ForeignKey("patients.Patient", on_delete=models.PROTECT, related_name="loans",
                                verbose_name=_("patient"))
    customer = models.ForeignKey("access.Organisation", on_delete=models.PROTECT, related_name="loans",
                                 verbose_name=_("kund"))
    cost_centre = models.ForeignKey("access.CostCentre", null=True, blank=True, on_delete=models.PROTECT,
                                    related_name="loans", verbose_name=_("kostnadsställe"))
    started_on = models.DateField(_("från"))
    ended_on = models.DateField(_("till"), null=True, blank=True)
    source_ref = models.CharField(_("underlag"), max_length=100, blank=True)
    # Loan type (catalogue.LoanType) and its date: the return date of a time-limited or short-term
    # loan, the end of a trial (utprovning). Copied from the order line at delivery; changed by
    # `stock.services.loan_terms_change` (extend, convert a trial to permanent).
    loan_type = models.CharField(_("låneform"), max_length=20, choices=LoanType.choices,
                                 default=LoanType.PERMANENT, db_default=LoanType.PERMANENT)
    loan_until = models.DateField(_("återlämnas / utprovning till"), null=True, blank=True)
    ended_reason = models.CharField(_("orsak till avslut"), max_length=300, blank=True)

    class Meta:
        ordering = ["-started_on", "-id"]
        verbose_name = _("utlåning")
        verbose_name_plural = _("utlåningar")
        constraints = [
            models.UniqueConstraint(fields=["device"], condition=Q(ended_on__isnull=True),
                                    name="uniq_open_loan_per_device"),
            models.CheckConstraint(condition=Q(ended_on__isnull=True) | Q(ended_on__gte=models.F("started_on")),
                                   name="loan_end_after_start"),
        ]
        indexes = [
            models.Index(fields=["patient", "ended_on"], name="stock_loan_patient"),
            models.Index(fields=["customer", "ended_on"], name="stock_loan_customer"),
            # the statistics' overdue version reads the newest write (`operations.statistics.selectors.overdue_version`)
            models.Index(fields=["updated_at"], name="stock_loan_updated"),
            models.Index(fields=["loan_type", "loan_until"], name="stock_loan_until",
                         condition=Q(ended_on__isnull=True)),
        ]

    def __str__(self) -> str:
        return f"{self.device_id} → {self.patient_id} ({self.started_on}–{self.ended_on or ''})"

    @property
    def is_open(self) -> bool:
        return self.ended_on is None



class StockMovement(AppendOnlyModel):
    """Append-only stock ledger row. Never updated or deleted (refused here and, on
    PostgreSQL, by a trigger)."""

    class Kind(models.TextChoices):
        RECEIPT = "receipt", _("Inleverans")
        RESERVATION = "reservation", _("Reservation")
        RELEASE = "release", _("Avreservation")
        ISSUE = "issue", _("Uttag/utleverans")
        RETURN = "return", _("Retur")
        ADJUSTMENT = "adjustment", _("Inventeringsjustering")
        TRANSFER_OUT = "transfer_out", _("Flytt ut")
        TRANSFER_IN = "transfer_in", _("Flytt in")
        SCRAP = "scrap", _("Kassation")

    at = models.DateTimeField(_("tidpunkt"), auto_now_add=True, db_index=True)
    kind = models.CharField(_("typ"), max_length=20, choices=Kind.choices)
    article = models.ForeignKey("catalogue.Article", on_delete=models.PROTECT, related_name="+")
    location = models.ForeignKey(Location, on_delete=models.PROTECT, related_name="movements")
    device = models.ForeignKey(Device, null=True, blank=True, on_delete=models.PROTECT, related_name="movements")
    condition = models.CharField(_("skick"), max_length=12, choices=Condition.choices, default=Condition.NEW)
    quantity = models.IntegerField(_("förändring i lager"), default=0)
    reserved_delta = models.IntegerField(_("förändring reserverat"), default=0)
    ref = models.CharField(_("referens"), max_length=100, blank=True, db_index=True)
    actor_label = models.CharField(_("utförd av"), max_length=200, blank=True)
    note = models.CharField(_("anteckning"), max_length=300, blank=True)

    class Meta:
        ordering = ["-at", "-id"]
        verbose_name = _("lagerrörelse")
        verbose_name_plural = _("lagerrörelser")
        indexes = [
            models.Index(fields=["location", "article"], name="stock_mov_loc_article"),
            models.Index(fields=["device", "at"], name="stock_mov_device"),
        ]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.kind} {self.article_id}@{self.location_id} {self.quantity:+d}"


class StockLevel(models.Model):
    """Projection of the ledger per (location, article). For tracked articles these count devices."""

    location = models.ForeignKey(Location, on_delete=models.PROTECT, related_name="levels")
    article = models.ForeignKey("catalogue.Article", on_delete=models.PROTECT, related_name="stock_levels")
    # Totals (all conditions) and the refurbished part; the new part is the difference.
    on_hand = models.IntegerField(_("i lager"), default=0)
    reserved = models.IntegerField(_("reserverat"), default=0)
    on_hand_refurbished = models.IntegerField(_("i lager, återanvända"), default=0)
    reserved_refurbished = models.IntegerField(_("reserverat, återanvända"), default=0)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("lagersaldo")
        verbose_name_plural = _("lagersaldon")
        constraints = [models.UniqueConstraint(fields=["location", "article"], name="uniq_stock_level")]
        indexes = [models.Index(fields=["article", "location"], name="stock_level_article")]

    def __str__(self) -> str:
        return f"{self.article_id}@{self.location_id}: {self.on_hand} ({self.reserved} res.)"

    @property
    def on_hand_new(self) -> int:
        return self.on_hand - self.on_hand_refurbished

    @property
    def reserved_new(self) -> int:
        return self.reserved - self.reserved_refurbished

    @property
    def available_new(self) -> int:
        return self.on_hand_new - self.reserved_new

    @property
    def available_refurbished(self) -> int:
        return self.on_hand_refurbished - self.reserved_refurbished

    @property
    def available(self) -> int:
        return self.on_hand - self.reserved


class ReorderRule(TimeStampedModel):
    """Per (buffer store, article): below `safety_level` on hand, a replenishment order up to
    `refill_level` is created when `automatic` is on (DESIGN.md §4 "Automatic replenishment").
    Written only by `stock.buffer`; ordering locks the row (`stock.buffer.rules_lock`) while it
    decides whether a replenishment order is due, and a partial unique index on
    `ordering.Order.replenishes_rule` keeps at most one open replenishment order per rule."""

    store = models.ForeignKey(Location, on_delete=models.PROTECT, related_name="reorder_rules",
                              verbose_name=_("förråd"))
    article = models.ForeignKey("catalogue.Article", on_delete=models.PROTECT, related_name="+",
                                verbose_name=_("artikel"))
    safety_level = models.PositiveIntegerField(_("säkerhetsnivå"))
    refill_level = models.PositiveIntegerField(_("påfyllnadsnivå"))
    automatic = models.BooleanField(_("automatisk påfyllnad"), default=True)

    class Meta:
        ordering = ["store_id", "article_id"]
        verbose_name = _("beställningspunkt")
        verbose_name_plural = _("beställningspunkter")
        constraints = [
            models.UniqueConstraint(fields=["store", "article"], name="uniq_reorder_rule"),
            models.CheckConstraint(condition=Q(refill_level__gt=models.F("safety_level")),
                                   name="reorder_refill_above_safety"),
        ]
        indexes = [models.Index(fields=["automatic", "store"], name="stock_rule_auto")]

    def __str__(self) -> str:
        return f"{self.store_id}/{self.article_id}: {self.safety_level}→{self.refill_level}"
