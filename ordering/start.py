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
