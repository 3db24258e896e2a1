"""Writes of integration: webhook subscriptions and replays (docs/integration.md)."""
from __future__ import annotations

import base64
import datetime as dt
import secrets
from urllib.parse import urlsplit

from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext as _

from audit.services import audit_record
from core.errors import NotFound, ValidationFailed
from core.transactions import entry_point

from .models import Delivery, Subscription

MAX_EVENT_TYPES = 50


def new_secret() -> str:
    return "whsec_" + base64.b64encode(secrets.token_bytes(32)).decode()


def clean_target_url(url) -> str:
    url = (url or "").strip() if isinstance(url, str) else ""
    try:
        parts = urlsplit(url)
        host = parts.hostname
        parts.port  # noqa: B018  (raises on a bad port)
    except ValueError:
        parts, host = None, None
    allowed = ("https",) if settings.LYFTA_WEBHOOK_REQUIRE_HTTPS else ("https", "http")
    if (parts is None or parts.scheme not in allowed or not host or len(url) > 500
            or any(c.isspace() or ord(c) < 32 for c in url)):
        raise ValidationFailed(_("Ange en giltig https-adress för mottagaren."),
                               errors={"target_url": [_("Ange en giltig https-adress för mottagaren.")]})
    return url


def clean_event_types(types) -> list[str]:
    types = list(types or [])
    if len(types) > MAX_EVENT_TYPES or not all(isinstance(t, str) and t.startswith("order.") and len(t) <= 60
                                               for t in types):
        raise ValidationFailed(_("Händelsetyper börjar med ”order.” (till exempel order.customer.* )."),
                               errors={"event_types": [_("Okänd händelsetyp.")]})
    return types


def _own_client(principal):
    client = getattr(principal, "client", None)
    if client is None:
        raise ValidationFailed(_("Bara systemklienter (bearer-token) kan ha webhook-prenumerationer."))
    return client


@entry_point
def subscription_create(principal, *, target_url: str, event_types=()) -> Subscription:
    client = _own_client(principal)
    sub = Subscription.objects.create(client=client, target_url=clean_target_url(target_url),
                                      event_types=clean_event_types(event_types), secret=new_secret())
    audit_record(principal, "integration.subscription.created", sub, {"target_url": sub.target_url})
    return sub


def subscription_for(principal, subscription_id: int, *, lock: bool = False) -> Subscription:
    client = _own_client(principal)
    qs = Subscription.objects.filter(client=client)
    if lock:
        qs = qs.select_for_update()
    sub = qs.filter(pk=subscription_id).first()
    if sub is None:
        raise NotFound(_("Prenumerationen finns inte."))
    return sub


@entry_point
def subscription_delete(principal, subscription_id: int) -> None:
    sub = subscription_for(principal, subscription_id, lock=True)
    audit_record(principal, "integration.subscription.deleted", sub, {"target_url": sub.target_url})
    sub.is_active = False
    sub.save(update_fields=["is_active"])


MAX_GRACE_HOURS = 24 * 7


@entry_point
def subscription_secret_rotate(principal, subscription_id: int, *, grace_hours: float | None = None) -> Subscription:
    """A new signing secret (returned once, like at creation). The old one keeps signing as well
    for `grace_hours` (default LYFTA_WEBHOOK_SECRET_GRACE_HOURS, at most a week; 0 ends it now):
    each request then carries two signatures, so the receiver can switch to the new secret at any
    time in that window. A secret replaced earlier stops signing at once."""
    if grace_hours is None:
        grace_hours = settings.LYFTA_WEBHOOK_SECRET_GRACE_HOURS
    if isinstance(grace_hours, bool) or not isinstance(grace_hours, int | float) or not (
            0 <= grace_hours <= MAX_GRACE_HOURS):
        raise ValidationFailed(_("Övergångstiden anges i timmar, 0–%(max_grace_hours)s.") % {"max_grace_hours": MAX_GRACE_HOURS},
                               errors={"grace_hours": [_("0–%(max)s timmar.") % {"max": MAX_GRACE_HOURS}]})
    sub = subscription_for(principal, subscription_id, lock=True)
    now = timezone.now()
    if grace_hours > 0:
        sub.previous_secret, sub.previous_secret_until = sub.secret, now + dt.timedelta(hours=grace_hours)
    else:
        sub.previous_secret, sub.previous_secret_until = "", None
    sub.secret = new_secret()
    sub.save(update_fields=["secret", "previous_secret", "previous_secret_until"])
    audit_record(principal, "integration.subscription.secret_rotated", sub,
                 {"previous_valid_until": sub.previous_secret_until.isoformat() if sub.previous_secret_until else None})
    return sub


def _requeue(qs) -> int:
    return qs.update(status=Delivery.Status.PENDING, next_attempt_at=timezone.now(), attempts=0,
                     first_attempt_at=None)


@entry_point
def delivery_replay(actor, delivery_id: int, *, subscription_ids=None) -> int:
    """Send one delivery again (any status)."""
    qs = Delivery.objects.filter(pk=delivery_id)
    if subscription_ids is not None:
        qs = qs.filter(subscription_id__in=subscription_ids)
    if not qs.exists():
        raise NotFound(_("Leveransen finns inte."))
    audit_record(actor, "integration.delivery.replayed", None, {"delivery": delivery_id})
    return _requeue(qs)


@entry_point
def deliveries_replay_since(actor, since: dt.datetime, *, subscription_ids=None) -> int:
    """Send again every delivery of an event that occurred at or after `since`."""
    if since is not None and timezone.is_naive(since):
        since = timezone.make_aware(since)
    if since is None or since > timezone.now():
        raise ValidationFailed(_("Ange en tidpunkt som inte ligger i framtiden."), errors={"since": [_("Ogiltig tid.")]})
    qs = Delivery.objects.filter(event__occurred_at__gte=since)
    if subscription_ids is not None:
        qs = qs.filter(subscription_id__in=subscription_ids)
    n = _requeue(Delivery.objects.filter(pk__in=list(qs.values_list("pk", flat=True))))
    audit_record(actor, "integration.delivery.replayed_since", None, {"since": since.isoformat(), "count": n})
    return n
