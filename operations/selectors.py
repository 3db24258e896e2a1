"""Reads of operations for its pages and the start/login pages."""
from __future__ import annotations

from django.core.cache import cache
from django.db.models import Q
from django.utils import timezone

from access.models import Unit
from access.roles import CUSTOMER_ROLES, Role

from .models import AccessRequest, NoticeSubscription, ServiceNotice, SupportCase
from .services.access_requests import overdue_cutoff
from .services.notices import CURRENT_CACHE_KEY


def current_notices(now=None) -> list[ServiceNotice]:
    """Notices not ended (current, and planned ones ahead); cached for a minute and dropped from
    the cache when a notice is published or ended."""
    now = now or timezone.now()
    rows = cache.get(CURRENT_CACHE_KEY)
    if rows is None:
        rows = list(ServiceNotice.objects.filter(ended_at__isnull=True).filter(
            Q(ends_at__isnull=True) | Q(ends_at__gt=now)).order_by("starts_at", "id")[:20])
        cache.set(CURRENT_CACHE_KEY, rows, 60)
    return [n for n in rows if n.ends_at is None or n.ends_at > now]


def notice_history():
    return ServiceNotice.objects.select_related("published_by").order_by("-starts_at", "-id")


def is_subscribed(user) -> bool:
    return NoticeSubscription.objects.filter(user=user).exists()


def unit_search(query: str, *, limit: int = 20) -> list[Unit]:
    """Active units whose name or HSA-id contains the query (at least 3 characters): only what the
    public HSA directory shows (name, HSA-id, organisation)."""
    q = (query or "").strip()[:100]
    if len(q) < 3:
        return []
    return list(Unit.objects.filter(is_active=True, organisation__is_active=True)
                .filter(Q(name__icontains=q) | Q(hsa_id__icontains=q))
                .select_related("organisation").order_by("organisation__name", "name")[:limit])


def access_requests_for_decider(principal, *, status: str | None = AccessRequest.Status.PENDING):
    """The requests this principal decides: customer roles at the units of customers where they are
    access admin; supply roles for a supply admin. Oldest first, overdue flagged."""
    user = principal.user
    conds = Q(pk__in=[])
    admin_orgs = list(user.role_assignments.filter(role=Role.CUSTOMER_ACCESS_ADMIN).values_list(
        "unit__organisation_id", flat=True)) if user else []
    if admin_orgs:
        conds |= Q(role__in=list(CUSTOMER_ROLES), unit__organisation_id__in=admin_orgs)
    if Role.SUPPLY_ADMIN in principal.roles:
        conds |= ~Q(role__in=list(CUSTOMER_ROLES))
    qs = AccessRequest.objects.filter(conds).select_related("unit__organisation", "decided_by")
    if status:
        qs = qs.filter(status=status)
    cutoff = overdue_cutoff()
    rows = list(qs.order_by("created_at", "id")[:500])
    for r in rows:
        r.overdue = r.status == AccessRequest.Status.PENDING and r.created_at < cutoff
    return rows


def support_cases_for(principal, *, status: str = "", mine: bool = False):
    from .services.support import is_support

    qs = SupportCase.objects.select_related("opened_by", "order", "customer")
    if mine or not is_support(principal):
        qs = qs.filter(opened_by=principal.user)
    if status:
        qs = qs.filter(status=status)
    return qs.order_by("-opened_at", "-id")
