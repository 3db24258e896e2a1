"""The prescriber's start-page panel (core.startpage): a patient search box with focus, my open
orders by status, unread messages per patient and the patients opened most recently."""
from __future__ import annotations

from django.urls import reverse
from django.utils.translation import gettext as _

from .models import OrderStatus


def prescriber_panel(principal, request) -> dict | None:
    from . import selectors

    if principal.is_supply or principal.user is None or "prescriber" not in principal.roles:
        return None
    data = selectors.prescriber_start(principal)
    search = reverse("ordering:order_search")
    labels = dict(OrderStatus.choices)
    return {
        "orders": [{"label": str(labels[s]), "count": n, "url": f"{search}?status={s}"} for s, n in data["by_status"]],
        "unread": [{"label": f"{p.first_name} {p.last_name}" if p else _("Utan patient"), "count": n,
                    "url": reverse("ordering:inbox")} for p, n in data["unread"]],
        "recent": [{"label": f"{p.last_name}, {p.first_name}", "note": p.identity_display,
                    "url": reverse("ordering:patient_view", args=[p.pk])} for p in data["recent"]],
    }


def store_keeper_panel(principal, request) -> dict | None:
    """Buffer stores below their safety level (every rule, automatic or not: the automatic ones
    show what is on its way, the manual ones need an order)."""
    from stock.buffer.selectors import rules_below_safety, stores_visible

    if principal.is_supply or principal.user is None or "store_keeper" not in principal.roles:
        return None
    stores = {s.pk: s for s in stores_visible(principal).filter(is_active=True)}
    if not stores:
        return None
    below: dict[int, list[str]] = {}
    for rule in rules_below_safety(store_ids=list(stores), automatic_only=False):
        below.setdefault(rule.store_id, []).append(f"{rule.article.name} ({rule.held}/{rule.safety_level})")
    items = [{"label": stores[sid].name, "count": len(names), "note": ", ".join(names[:3]) + (" …" if len(names) > 3
                                                                                               else ""),
              "url": reverse("ordering:store_detail", args=[sid])} for sid, names in sorted(below.items())]
    return {"key": "buffer-below-safety", "title": _("Under säkerhetsnivån i förråden"), "items": items,
            "empty": _("Alla förråd ligger över säkerhetsnivån.")}


def approver_panel(principal, request) -> dict | None:
    """The customer's approver: special requests waiting for their decision, and how many are late."""
    from django.utils import timezone

    from .flows import approval

    if principal.is_supply or principal.user is None:
        return None
    today = timezone.localdate()
    waiting = list(approval.customer_approval_queue(principal).only("id", "extra", "submitted_at")
                   .prefetch_related(None).select_related(None))
    late = sum(1 for o in waiting if approval.is_late(o, today))
    items = [{"label": _("Väntar på ditt godkännande"), "count": len(waiting),
              "note": _("%(n)s försenade") % {"n": late} if late else "",
              "url": reverse("ordering:approval_queue")}] if waiting else []
    return {"key": "customer-approvals", "title": _("Särskilda beslut att godkänna"), "items": items,
            "empty": _("Inga särskilda beslut väntar på ditt godkännande.")}
