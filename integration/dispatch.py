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
import threading
import time
from concurrent.futures import ThreadPoolExecutor

import requests
from django.conf import settings
from django.db import connection, transaction
from django.db.models import Exists, F, OuterRef, Q, Value
from django.db.models.functions import Coalesce
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


def claim(limit: int = 50, now: dt.datetime | None = None) -> list[Delivery]:
    """Lock up to `limit` due deliveries, each the earliest pending one of its order for its
    subscription, and move them forward by the lease: one SELECT … FOR UPDATE SKIP LOCKED (with
    the subscription, client and event joined) and one UPDATE, in one short transaction."""
    now = now or timezone.now()
    until = now + lease()
    earlier = Delivery.objects.filter(subscription_id=OuterRef("subscription_id"), order_id=OuterRef("order_id"),
                                      status=P.PENDING, id__lt=OuterRef("id"))
    with transaction.atomic():
        qs = (Delivery.objects.filter(status=P.PENDING, next_attempt_at__lte=now, subscription__is_active=True)
              .exclude(Exists(earlier)).select_related("subscription__client", "event").order_by("id"))
        if connection.features.has_select_for_update_skip_locked:
            qs = qs.select_for_update(skip_locked=True, of=("self",))
        rows = list(qs[:limit])
        if rows:
            Delivery.objects.filter(pk__in=[d.pk for d in rows]).update(
                attempts=F("attempts") + 1, last_attempt_at=now,
                first_attempt_at=Coalesce("first_attempt_at", Value(now)), next_attempt_at=until)
        for d in rows:
            d.attempts += 1
            d.last_attempt_at = now
            d.first_attempt_at = d.first_attempt_at or now
            d.next_attempt_at = until
    return rows


def _body(delivery: Delivery, representations: dict | None = None) -> str:
    """The JSON body: the envelope with the order's current representation. `representations`
    (order id → representation, from `outbox.order_representations` for a batch) saves the
    per-delivery reads; without it the order is read here."""
    event = delivery.event
    if representations is not None and event.order_id in representations:
        order = representations[event.order_id]
    else:
        order = order_representation(event.order_id, delivery.subscription.client)
    return json.dumps(envelope(event, order), separators=(",", ":"), ensure_ascii=False)


def signed_request(delivery: Delivery, now: dt.datetime | None = None, *, body: str | None = None) -> tuple[bytes, dict]:
    sub = delivery.subscription
    body = body if body is not None else _body(delivery)
    now = now or timezone.now()
    msg_id = str(delivery.event.event_id)
    # During a secret rotation's grace period: one signature per secret, space-separated (the
    # Standard Webhooks verifier accepts a request when any of them matches its secret).
    signature = " ".join(Webhook(secret).sign(msg_id, now, body) for secret in sub.signing_secrets(now))
    headers = {"content-type": "application/json", "webhook-id": msg_id,
               "webhook-timestamp": str(int(now.timestamp())), "webhook-signature": signature,
               "user-agent": "Lyfta-Webhooks/1"}
    return body.encode(), headers


_local = threading.local()


def http_session() -> requests.Session:
    """One keep-alive connection pool per dispatcher thread (requests.Session is not documented
    as thread-safe, so each sending thread has its own)."""
    session = getattr(_local, "session", None)
    if session is None:
        session = _local.session = requests.Session()
    return session


def send(delivery: Delivery, *, body: str | None = None) -> tuple[int | None, str]:
    body, headers = signed_request(delivery, body=body)
    timeout = _setting("LYFTA_WEBHOOK_TIMEOUT_SECONDS", 10)
    try:
        r = http_session().post(delivery.subscription.target_url, data=body, headers=headers, timeout=timeout,
                                allow_redirects=False)
        return r.status_code, r.text[:1000]
    except requests.RequestException as exc:
        return None, f"{type(exc).__name__}: {exc}"[:1000]


def _ok(status_code: int | None) -> bool:
    return status_code is not None and 200 <= status_code < 300


def record(delivery: Delivery, status_code: int | None, response: str, now: dt.datetime | None = None) -> None:
    now = now or timezone.now()
    fields = {"last_status_code": status_code, "last_response": response, "last_attempt_at": now}
    if _ok(status_code):
        fields.update(status=P.DELIVERED, delivered_at=now)
    elif now - delivery.first_attempt_at >= dt.timedelta(hours=_setting("LYFTA_WEBHOOK_RETRY_HOURS", 24)):
        fields.update(status=P.FAILED)
    else:
        fields.update(next_attempt_at=now + backoff(delivery.attempts))
    # Only this claim's attempt records (a row re-claimed after the lease belongs to the newer one).
    Delivery.objects.filter(pk=delivery.pk, attempts=delivery.attempts, status=P.PENDING).update(**fields)


def record_batch(results: list[tuple[Delivery, int | None, str]], now: dt.datetime | None = None) -> None:
    """Record a batch's answers: the acknowledged ones (2xx with an empty or equal answer, the
    usual case) in one UPDATE, each still only for this claim's attempt; the rest one by one."""
    now = now or timezone.now()
    acked: dict[tuple[int | None, str], list[Delivery]] = {}
    for d, code, text in results:
        if _ok(code):
            acked.setdefault((code, text), []).append(d)
        else:
            record(d, code, text, now)
    for (code, text), rows in acked.items():
        mine = Q()
        for d in rows:
            mine |= Q(pk=d.pk, attempts=d.attempts)
        Delivery.objects.filter(mine, status=P.PENDING).update(
            status=P.DELIVERED, delivered_at=now, last_status_code=code, last_response=text, last_attempt_at=now)


def release(rows: list[Delivery]) -> None:
    """Give back claimed deliveries that were not sent (the batch ran out of lease): due now,
    the claim's attempt not counted."""
    for d in rows:
        Delivery.objects.filter(pk=d.pk, attempts=d.attempts, status=P.PENDING).update(
            attempts=F("attempts") - 1, next_attempt_at=timezone.now())


def _threads() -> int:
    return max(1, int(_setting("LYFTA_WEBHOOK_SEND_THREADS", 4)))


_pool: ThreadPoolExecutor | None = None


def _executor() -> ThreadPoolExecutor:
    global _pool
    if _pool is None:
        _pool = ThreadPoolExecutor(max_workers=_threads(), thread_name_prefix="webhook-send")
    return _pool


def dispatch_once(limit: int = 50) -> int:
    """Claim one batch and deliver it; the number of deliveries attempted. A batch holds at most
    one delivery per order and subscription (the earliest pending), so its deliveries are sent
    concurrently (`LYFTA_WEBHOOK_SEND_THREADS`, 4) without breaking the order per order. The
    orders' representations are read once per batch; each distinct body is serialised once and
    signed per subscription. Acknowledgements are recorded in one UPDATE when the batch is done:
    a dispatcher killed within a batch sends its unrecorded deliveries again (same event id)."""
    rows = claim(limit)
    if not rows:
        return 0
    from .outbox import order_representations

    started = time.monotonic()
    span = lease().total_seconds()
    budget = max(span / 2, span - _setting("LYFTA_WEBHOOK_TIMEOUT_SECONDS", 10))
    reps = order_representations(rows)

    def key(d: Delivery) -> tuple:  # a customer order reads the same for every client
        return (d.event_id, None if d.event.order_id in reps else d.subscription.client_id)

    bodies: dict[tuple, str] = {}
    for d in rows:
        if key(d) not in bodies:
            bodies[key(d)] = _body(d, reps)
    unsent: list[Delivery] = []

    def one(d: Delivery):
        if time.monotonic() - started > budget:  # the claim's lease would end before an answer
            unsent.append(d)
            return None
        return d, *send(d, body=bodies[key(d)])

    if _threads() > 1 and len(rows) > 1:
        results = [r for r in _executor().map(one, rows) if r is not None]
    else:
        results = [r for r in map(one, rows) if r is not None]
    record_batch(results)
    if unsent:
        release(unsent)
    return len(results)


def dispatch_until_idle(limit: int = 50, max_batches: int = 1000) -> int:
    total = 0
    for _ in range(max_batches):
        n = dispatch_once(limit)
        total += n
        if n == 0:
            break
    return total
