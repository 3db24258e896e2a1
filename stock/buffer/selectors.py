"""Reads of buffer stores: which stores a principal sees, a store's stock (counted articles and
devices with serial), its rules with the figures the replenishment check uses, recent movements."""
from __future__ import annotations

from dataclasses import dataclass

from django.db.models import F, IntegerField, OuterRef, Q, QuerySet, Subquery
from django.db.models.functions import Coalesce

from ..models import Device, Location, ReorderRule, StockLevel, StockMovement


def stores_visible(principal) -> QuerySet[Location]:
    """The supply centre sees every buffer store; a customer's users see the stores kept at their
    own units, a customer's system client every store of its customer."""
    qs = Location.objects.filter(kind=Location.Kind.BUFFER_STORE).select_related("unit", "unit__organisation")
    if principal.is_supply:
        return qs
    if principal.user is not None:
        return qs.filter(unit_id__in=principal.unit_ids)
    return qs.filter(unit__organisation_id__in=principal.customer_ids)


def store_get(principal, store_id) -> Location | None:
    try:
        return stores_visible(principal).filter(pk=int(store_id)).first()
    except (TypeError, ValueError):
        return None


def on_hand(store: Location, article_ids) -> dict[int, int]:
    """Units on hand and not reserved per article in the store (projection)."""
    return dict(StockLevel.objects.filter(location=store, article_id__in=list(article_ids))
                .annotate(free=F("on_hand") - F("reserved")).values_list("article_id", "free"))


def store_levels(store: Location) -> list[StockLevel]:
    return list(StockLevel.objects.filter(location=store).filter(Q(on_hand__gt=0) | Q(reserved__gt=0))
                .select_related("article").order_by("article__name", "article__article_number"))


def store_devices(store: Location, *, article=None) -> list[Device]:
    qs = Device.objects.filter(location=store, status=Device.Status.IN_BUFFER_STORE).select_related("article")
    if article is not None:
        qs = qs.filter(article=article)
    return list(qs.order_by("article__name", "serial"))


def store_rules(store: Location) -> list[ReorderRule]:
    return list(ReorderRule.objects.filter(store=store).select_related("article")
                .order_by("article__name", "article__article_number"))


def store_movements(store: Location, *, limit: int = 50) -> list[StockMovement]:
    return list(StockMovement.objects.filter(location=store).select_related("article", "device")
                .order_by("-at", "-pk")[:limit])


def store_articles(store: Location) -> list:
    """Articles that can be withdrawn: on hand in the store."""
    return [lv.article for lv in store_levels(store) if lv.on_hand - lv.reserved > 0]


@dataclass
class RuleFigures:
    rule: ReorderRule
    on_hand: int
    on_order: int

    @property
    def below_safety(self) -> bool:
        return self.on_hand < self.rule.safety_level


def rules_below_safety(*, store_ids=None, automatic_only: bool = True) -> QuerySet[ReorderRule]:
    """Rules (automatic ones only, unless `automatic_only` is off) whose store holds fewer free
    units than the safety level, annotated with `held` (one query over the rules and the
    projection; on order is ordering's figure)."""
    qs = ReorderRule.objects.filter(store__is_active=True)
    if automatic_only:
        qs = qs.filter(automatic=True)
    if store_ids is not None:
        qs = qs.filter(store_id__in=list(store_ids))
    free = Subquery(StockLevel.objects.filter(location_id=OuterRef("store_id"), article_id=OuterRef("article_id"))
                    .annotate(free=F("on_hand") - F("reserved")).values("free")[:1], output_field=IntegerField())
    return (qs.annotate(held=Coalesce(free, 0)).filter(held__lt=F("safety_level"))
            .select_related("store", "article").order_by("store_id", "pk"))
