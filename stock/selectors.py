"""Reads of stock data. Patient-related reads here do not write access rows themselves: the
page that shows them (e.g. the patient view in ordering) has already written one via
`patients.selectors.patient_get_for_view`."""
from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Count, F, Q, QuerySet, Sum
from django.db.models.functions import Coalesce

from catalogue.models import Article

from .models import Device, Loan, Location, StockLevel, StockMovement


def loans_for_patient(patient, *, include_ended: bool = True) -> list[Loan]:
    """A patient's loans with device and article; open loans first (newest first), then ended."""
    qs = (Loan.objects.filter(patient=patient)
          .select_related("device", "device__article", "customer", "cost_centre"))
    if not include_ended:
        qs = qs.filter(ended_on__isnull=True)
    return sorted(qs, key=lambda loan: (loan.ended_on is not None, -loan.started_on.toordinal(), -loan.pk))


def open_loans_for_patient(patient) -> list[Loan]:
    return loans_for_patient(patient, include_ended=False)


def loans_due(*, trial_until, return_before) -> list[Loan]:
    """Open loans with a date that needs attention: trials ending on or before `trial_until`,
    loans with a return date before `return_before` (time-limited, short-term). Oldest date first."""
    return list(Loan.objects.filter(ended_on__isnull=True, loan_until__isnull=False, patient__deceased_on__isnull=True)
                .filter(Q(loan_type="trial", loan_until__lte=trial_until)
                        | Q(loan_type__in=("time_limited", "short_term"), loan_until__lt=return_before))
                .select_related("device", "device__article", "customer", "patient")
                .order_by("loan_until", "pk"))


@dataclass(frozen=True)
class Availability:
    article_id: int
    new: int
    refurbished: int

    @property
    def total(self) -> int:
        return self.new + self.refurbished


def availability(article: Article) -> Availability:
    """Available (unreserved) units at central stock, split new/refurbished (from the projection)."""
    agg = StockLevel.objects.filter(article=article, location__kind=Location.Kind.CENTRAL,
                                    location__is_active=True).aggregate(
        on_hand=Coalesce(Sum("on_hand"), 0), reserved=Coalesce(Sum("reserved"), 0),
        on_hand_r=Coalesce(Sum("on_hand_refurbished"), 0), reserved_r=Coalesce(Sum("reserved_refurbished"), 0),
    )
    refurb = agg["on_hand_r"] - agg["reserved_r"]
    new = (agg["on_hand"] - agg["on_hand_r"]) - (agg["reserved"] - agg["reserved_r"])
    return Availability(article.pk, new, refurb)


def stock_overview(*, q: str = "", location_ids: list[int] | None = None, only_in_stock: bool = True,
                   limit: int = 200) -> QuerySet[StockLevel]:
    """Stock levels per article and location (`location_ids` None = all locations)."""
    qs = StockLevel.objects.select_related("article", "location")
    if location_ids is not None:
        qs = qs.filter(location_id__in=location_ids)
    if only_in_stock:
        qs = qs.filter(Q(on_hand__gt=0) | Q(reserved__gt=0))
    q = (q or "").strip()
    if q:
        qs = qs.filter(Q(article__article_number__istartswith=q) | Q(article__name__icontains=q))
    return qs.order_by("article__name", "article__article_number", "location__kind", "location__name")[:limit]


def levels_for_article(article: Article) -> QuerySet[StockLevel]:
    return StockLevel.objects.filter(article=article).select_related("location").order_by("location__kind",
                                                                                            "location__name")


def active_locations() -> list[Location]:
    return list(Location.objects.filter(is_active=True).order_by("kind", "name"))


def device_get(serial: str) -> Device | None:
    return (Device.objects.select_related("article", "location", "holder_patient", "holder_patient__customer")
            .filter(serial=serial).first())


@dataclass
class DeviceCard:
    device: Device
    loans: list[Loan]
    movements: list[StockMovement]
    open_loan: Loan | None


def device_card(device: Device, *, movement_limit: int = 200) -> DeviceCard:
    loans = list(device.loans.select_related("patient", "customer", "cost_centre").order_by("-started_on", "-pk"))
    movements = list(device.movements.select_related("location").order_by("-at", "-pk")[:movement_limit])
    open_loan = next((loan for loan in loans if loan.ended_on is None), None)
    return DeviceCard(device, loans, movements, open_loan)


def devices_for_article(article: Article, *, statuses=None) -> QuerySet[Device]:
    qs = Device.objects.filter(article=article).select_related("location")
    if statuses:
        qs = qs.filter(status__in=statuses)
    return qs.order_by("status", F("available_since").asc(nulls_last=True), "serial")


def device_counts_by_status(article: Article) -> dict[str, int]:
    return dict(Device.objects.filter(article=article).values_list("status").annotate(n=Count("pk"))
                .values_list("status", "n"))


def reuse_figures(*, since=None) -> dict[str, int]:
    """Tracked deliveries (issue movements of devices) split by condition: reuse rate basis."""
    qs = StockMovement.objects.filter(kind=StockMovement.Kind.ISSUE, device__isnull=False)
    if since is not None:
        qs = qs.filter(at__gte=since)
    rows = dict(qs.values_list("condition").annotate(n=Count("pk")).values_list("condition", "n"))
    return {"new": rows.get("new", 0), "refurbished": rows.get("refurbished", 0)}
