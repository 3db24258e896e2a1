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


def today_panel(principal, request) -> dict | None:
    """Driver and technician: today's runs (stops done / all), each a link to the phone page;
    a technician also sees today's accepted work orders."""
    from django.utils import timezone

    from access.roles import Perm
    from ordering.kind_selectors import technician_work

    from .runs.selectors import driver_runs

    if principal.user is None:
        return None
    items = [{"label": _("Körning %(n)s%(vehicle)s: %(done)s av %(all)s stopp klara") % {
                  "n": run.pk, "vehicle": f" ({run.vehicle})" if run.vehicle else "", "done": run.n_done,
                  "all": run.n_stops},
              "url": reverse("supply:driver_today"), "count": None, "note": run.get_status_display()}
             for run in driver_runs(principal.user)]
    if principal.has_perm(Perm.TECHNICIAN_WORK):
        today = timezone.localdate()
        n = sum(1 for o in technician_work(principal.user) if o.planned_date == today)
        if n:
            items.append({"label": _("Arbetsordrar planerade i dag"), "url": reverse("supply:technician"),
                          "count": n, "note": ""})
    return {"key": "supply-today", "title": _("I dag"), "items": items,
            "empty": _("Ingen körning planerad i dag.")}
