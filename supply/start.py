"""The supply handler's start-page panel (core.startpage): counts of submitted, urgent, overdue
and back-ordered customer orders, each a link to the inbox filtered to them."""
from __future__ import annotations

from django.urls import reverse
from django.utils.translation import gettext as _


def handler_panel(principal, request) -> dict | None:
    from ordering.selectors import supply_inbox_counts

    if not principal.is_supply:
        return None
    counts = supply_inbox_counts()
    inbox = reverse("supply:inbox")
    rows = [("submitted", _("Nya beställningar att bekräfta"), "?status=submitted"),
            ("urgent", _("Akuta, ej bekräftade"), "?status=submitted&priority=urgent"),
            ("overdue", _("Försenade (planerat datum passerat)"), "?status=&flag=overdue"),
            ("backordered", _("Restnoterade"), "?status=&flag=backordered")]
    return {"key": "supply-inbox", "title": _("Att göra i orderinkorgen"),
            "items": [{"label": label, "count": counts[k], "url": inbox + q, "note": ""} for k, label, q in rows]}
