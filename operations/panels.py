"""Start-page panels and the login-page banner of operations (registered in apps.py)."""
from __future__ import annotations

from django.urls import reverse
from django.utils.translation import gettext as _


def notices_panel(principal, request):
    from .selectors import current_notices

    notices = current_notices()
    if not notices:
        return None
    return {"notices": notices, "fallback_url": reverse("operations:fallback_forms")}


def login_banner(request):
    from .selectors import current_notices

    return ("operations/_login_banner.html", {"notices": current_notices(),
                                              "fallback_url": reverse("operations:fallback_forms"),
                                              "apply_url": reverse("operations:access_request_new")})


def my_support_panel(principal, request):
    from .models import SupportCase

    if principal.user is None:
        return None
    unread = SupportCase.objects.filter(opened_by=principal.user, unread_by_opener=True).count()
    if not unread:
        return None
    return {"key": "operations-my-support", "title": _("Svar på dina supportärenden"),
            "items": [{"label": _("Olästa svar"), "url": reverse("operations:support_mine"), "count": unread,
                       "note": ""}]}


def access_requests_panel(principal, request):
    from .selectors import access_requests_for_decider

    rows = access_requests_for_decider(principal)
    overdue = sum(1 for r in rows if r.overdue)
    return {"key": "operations-access-requests", "title": _("Behörighetsansökningar"),
            "items": [{"label": _("Väntar på beslut"), "url": reverse("operations:access_request_list"),
                       "count": len(rows), "note": _("%(n)s försenade (över en vecka)") % {"n": overdue}
                       if overdue else ""}] if rows else [],
            "empty": _("Inga ansökningar väntar.")}


def support_queue_panel(principal, request):
    from .models import SupportCase

    n = SupportCase.objects.filter(status=SupportCase.Status.OPEN).count()
    return {"key": "operations-support", "title": _("Supportärenden"),
            "items": [{"label": _("Öppna ärenden att besvara"), "url": reverse("operations:support_queue"),
                       "count": n, "note": ""}] if n else [],
            "empty": _("Inga öppna ärenden.")}
