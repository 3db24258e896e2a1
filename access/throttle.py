"""Login throttling with django-axes (settings: AXES_*, docs/security.md).

Failures are counted per (client IP, user name) pair, so an attacker who guesses passwords for
a user locks out only that user *from the attacker's address*: the user still logs in from
anywhere else, and nobody can lock a user out for good. The cool-off doubles with each further
run of `LYFTA_LOGIN_MAX_FAILURES` failures in a row (15 min, 30 min, 1 h, …) up to
`LYFTA_LOGIN_COOLOFF_MAX_SECONDS`, and always expires: failures older than the cool-off are
forgotten. A locked-out login answers 429 with a Swedish page; lock-outs are audited."""
from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.shortcuts import render
from django.utils import timezone


def failure_limit(request=None, credentials=None) -> int:
    return settings.LYFTA_LOGIN_MAX_FAILURES


def username_key(request, credentials: dict | None) -> str:
    """The user name as throttled: trimmed and case-folded, so `Anna` and ` anna` share a count."""
    raw = (credentials or {}).get("username")
    if raw is None and request is not None:
        raw = request.POST.get("username", "")
    return (raw or "").strip().lower()[:150]


def client_ip(request) -> str | None:
    """REMOTE_ADDR, or with `LYFTA_TRUSTED_PROXY_COUNT` = n > 0 the address the n-th proxy from
    the right put in X-Forwarded-For (the one added by the outermost trusted proxy)."""
    proxies = settings.LYFTA_TRUSTED_PROXY_COUNT
    if proxies > 0:
        forwarded = [p.strip() for p in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if p.strip()]
        if len(forwarded) >= proxies:
            return forwarded[-proxies]
    return request.META.get("REMOTE_ADDR")


def _failures(request) -> int:
    from axes.models import AccessAttempt
    from django.db.models import Sum

    ip = getattr(request, "axes_ip_address", None) or client_ip(request)
    username = username_key(request, getattr(request, "axes_credentials", None))
    total = AccessAttempt.objects.filter(ip_address=ip, username=username).aggregate(n=Sum("failures_since_start"))
    return total["n"] or 0


def cool_off(request=None) -> dt.timedelta:
    base = settings.LYFTA_LOGIN_LOCKOUT_SECONDS
    if request is None or not hasattr(request, "META"):
        return dt.timedelta(seconds=base)
    runs = max(0, _failures(request) // max(1, failure_limit()) - 1)
    seconds = min(base * 2 ** min(runs, 20), settings.LYFTA_LOGIN_COOLOFF_MAX_SECONDS)
    return dt.timedelta(seconds=seconds)


def lockout_response(request, response=None, credentials=None, *args, **kwargs):
    minutes = max(1, int(cool_off(request).total_seconds() // 60))
    return render(request, "access/locked_out.html", {"minutes": minutes},
                  status=settings.AXES_HTTP_RESPONSE_CODE)


def on_locked_out(sender, request=None, username=None, ip_address=None, **kwargs):
    """django-axes' `user_locked_out` signal: an audit row when the limit is reached (and one per
    refused attempt during the lock-out)."""
    from audit.services import audit_record

    from .models import User

    failures = getattr(request, "axes_failures_since_start", None)
    first = failures is not None and failures == failure_limit()
    user = User.objects.filter(username__iexact=username or "").first() if username else None
    data = {"username": (username or "")[:150], "ip": ip_address, "failures": failures,
            "cool_off_seconds": int(cool_off(request).total_seconds()), "at": timezone.now().isoformat()}
    audit_record(None, "login.locked" if first else "login.refused_locked", user, data,
                 object_type="" if user else "access.user")
