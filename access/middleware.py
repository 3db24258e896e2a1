import datetime as dt

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
