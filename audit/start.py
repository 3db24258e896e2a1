"""The auditor's start-page panel (core.startpage): the most recent log extracts."""
from __future__ import annotations

from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _


def auditor_panel(principal, request) -> dict | None:
    from .models import AuditEvent

    rows = list(AuditEvent.objects.filter(action="patient_access_log.extract").order_by("-at")[:5])
    items = [{"label": f"{timezone.localtime(r.at):%Y-%m-%d %H:%M} {r.actor_label}", "url": f"{reverse('audit:events')}?action="
              "patient_access_log.extract", "note": _("%(n)s rader") % {"n": (r.data or {}).get("rows", "?")},
              "count": None} for r in rows]
    return {"key": "audit-extracts", "title": _("Senaste logguttag"), "items": items,
            "empty": _("Inga logguttag ännu.")}
