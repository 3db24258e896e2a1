"""The webhook dispatcher: claims due deliveries, posts them signed per Standard Webhooks, and
records the answer. Several dispatchers may run at once (`manage.py dispatch_webhooks`).

- Claim: in a short transaction, pending deliveries that are due and have no earlier pending
  delivery of the same order to the same subscription (in order per order: event n+1 waits
  until n is acknowledged or failed) are locked (`select_for_update(skip_locked)` on
  PostgreSQL), and their `next_attempt_at` moves forward by the lease. A dispatcher that dies
  mid-delivery thus leaves the row to be sent again, with the same event id, after the lease.
- Send: outside any transaction, with a timeout below the lease.
- Record: 2xx is delivered; anything else is retried with exponential backoff and full jitter
  until `LYFTA_WEBHOOK_RETRY_HOURS` (24) after the first attempt, then failed."""
from __future__ import annotations

import datetime as dt
import json
import random

import requests
from django.conf import settings
from django.db import connection, transaction
from django.db.models import Exists, OuterRef
from django.utils import timezone
from standardwebhooks.webhooks import Webhook

from .models import Delivery
from .outbox import envelope, order_representation

P = Delivery.Status


def _setting(name: str, default):
    return getattr(settings, name, default)


def lease() -> dt.timedelta:
    return dt.timedelta(seconds=_setting("LYFTA_WEBHOOK_LEASE_SECONDS", 60))


def backoff(attempts: int) -> dt.timedelta:
    """Exponential backoff with full jitter: uniform in [base·2^(n-1)/2, base·2^(n-1)], capped."""
    base = _setting("LYFTA_WEBHOOK_RETRY_BASE_SECONDS", 10.0)
    cap = _setting("LYFTA_WEBHOOK_RETRY_CAP_SECONDS", 3600.0)
    top = min(cap, base * (2 ** max(0, attempts - 1)))
    return dt.timedelta(seconds=random.uniform(top / 2, top))


def claim(limit: int = 20, now: dt.datetime | None = None) -> list[Delivery]:
    now = now or timezone.now()
    earlier = Delivery.objects.filter(subscription_id=OuterRef("subscription_id"), order_id=OuterRef("order_id"),
                                      status=P.PENDING, id__lt=OuterRef("id"))
    with transaction.atomic():
        qs = (Delivery.objects.filter(status=P.PENDING, next_attempt_at__lte=now, subscription__is_active=True)
              .exclude(Exists(earlier)).order_by("id"))
        if connection.features.has_select_for_update_skip_locked:
            qs = qs.select_for_update(skip_locked=True, of=("self",))
        rows = list(qs[:limit])
        for d in rows:
            d.attempts += 1
            d.last_attempt_at = now
            d.first_attempt_at = d.first_attempt_at or now
            d.next_attempt_at = now + lease()
            Delivery.objects.filter(pk=d.pk).update(attempts=d.attempts, last_attempt_at=now,
                                                    first_attempt_at=d.first_attempt_at,
                                                    next_attempt_at=d.next_attempt_at)
    return rows


def signed_request(delivery: Delivery, now: dt.datetime | None = None) -> tuple[bytes, dict]:
    sub = delivery.subscription
    event = delivery.event
    body = json.dumps(envelope(event, order_representation(event.order_id, sub.client)),
                      separators=(",", ":"), ensure_ascii=False)
    now = now or timezone.now()
    msg_id = str(event.event_id)
    # During a secret rotation's grace period: one signature per secret, space-separated (the
    # Standard Webhooks verifier accepts a request when any of them matches its secret).
    signature = " ".join(Webhook(secret).sign(msg_id, now, body) for secret in sub.signing_secrets(now))
    headers = {"content-type": "application/json", "webhook-id": msg_id,
               "webhook-timestamp": str(int(now.timestamp())), "webhook-signature": signature,
               "user-agent": "Lyfta-Webhooks/1"}
    return body.encode(), headers


def send(delivery: Delivery) -> tuple[int | None, str]:
    body, headers = signed_request(delivery)
    timeout = _setting("LYFTA_WEBHOOK_TIMEOUT_SECONDS", 10)
    try:
        r = requests.post(delivery.subscription.target_url, data=body, headers=headers, timeout=timeout,
                          allow_redirects=False)
        return r.status_code, r.text[:1000]
    except requests.RequestException as exc:
        return None, f"{type(exc).__name__}: {exc}"[:1000]


def record(delivery: Delivery, status_code: int | None, response: str, now: dt.datetime | None = None) -> None:
    now = now or timezone.now()
    fields = {"last_status_code": status_code, "last_response": response, "last_attempt_at": now}
    if status_code is not None and 200 <= status_code < 300:
        fields.update(status=P.DELIVERED, delivered_at=now)
    elif now - delivery.first_attempt_at >= dt.timedelta(hours=_setting("LYFTA_WEBHOOK_RETRY_HOURS", 24)):
        fields.update(status=P.FAILED)
    else:
        fields.update(next_attempt_at=now + backoff(delivery.attempts))
    # Only this claim's attempt records (a row re-claimed after the lease belongs to the newer one).
    Delivery.objects.filter(pk=delivery.pk, attempts=delivery.attempts, status=P.PENDING).update(**fields)


def dispatch_once(limit: int = 20) -> int:
    """Claim one batch and deliver it; the number of deliveries attempted."""
    rows = claim(limit)
    if rows:
        rows = list(Delivery.objects.select_related("subscription__client__organisation", "event")
                    .filter(pk__in=[d.pk for d in rows]).order_by("id"))
        claimed = {d.pk: d for d in rows}
    for d in rows:
        code, text = send(d)
        record(claimed[d.pk], code, text)
    return len(rows)


def dispatch_until_idle(limit: int = 20, max_batches: int = 1000) -> int:
    total = 0
    for _ in range(max_batches):
        n = dispatch_once(limit)
        total += n
        if n == 0:
            break
    return total
