import datetime as dt

from django.conf import settings
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import timezone

from .services import touch_activity

ALLOWED_PREFIXES = ("/static/", "/healthz", "/api/", "/i18n/", "/favicon")
ACTIVITY_WRITE_EVERY = dt.timedelta(minutes=5)


class SecondFactorRequiredMiddleware:
    """A user who has given only a password may reach nothing but enrolment and logout.
    Also keeps `last_activity_at` fresh (at most one write per five minutes) for the
    dormant-account rule."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = request.user
        if user.is_authenticated:
            if not user.is_verified():
                allowed = {reverse("access:enrol"), reverse("access:logout")}
                if request.path not in allowed and not request.path.startswith(ALLOWED_PREFIXES):
                    return redirect("access:enrol")
            else:
                last = user.last_activity_at
                if last is None or timezone.now() - last > ACTIVITY_WRITE_EVERY:
                    touch_activity(user)
        return self.get_response(request)


class SessionIdleTouchMiddleware:
    """Sliding idle timeout without a session write on every request: the session is marked
    modified (saved, which pushes its expiry `SESSION_COOKIE_AGE` ahead) at most once per
    `LYFTA_SESSION_RENEW_SECONDS` (default 60). Replaces SESSION_SAVE_EVERY_REQUEST, which cost a
    database write per page view."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        session = getattr(request, "session", None)
        if session is not None and not session.is_empty() and request.user.is_authenticated:
            bucket = int(timezone.now().timestamp() // settings.LYFTA_SESSION_RENEW_SECONDS)
            if session.get("_idle_bucket") != bucket:
                session["_idle_bucket"] = bucket
        return response
