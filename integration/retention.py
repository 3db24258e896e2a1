"""Outbox retention: delete old outbox events that every sink is done with (docs/integration.md).

An event older than `LYFTA_OUTBOX_RETENTION_DAYS` (by `occurred_at`) is deleted, with its
deliveries, when none of its deliveries to an active subscription is still pending or failed
(a failed one waits for the supply admin's replay) and, when the broker sink is on
(`LYFTA_AMQP_URL`), the broker has confirmed it (`published_at`). The pull feed therefore reaches
back that many days. Runs daily (`integration.prune_outbox`, core.scheduler), in batches of short
transactions, and is safe to run again or concurrently (a second run finds less to delete)."""
from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.db import transaction
from django.db.models import Exists, OuterRef
from django.utils import timezone

from audit.services import audit_record

from .models import Delivery, OutboxEvent

BATCH = 500


def prunable(now: dt.datetime | None = None):
    days = int(getattr(settings, "LYFTA_OUTBOX_RETENTION_DAYS", 30))
    if days <= 0:
        return OutboxEvent.objects.none()
    cutoff = (now or timezone.now()) - dt.timedelta(days=days)
    open_delivery = Delivery.objects.filter(event_id=OuterRef("pk"), subscription__is_active=True,
                                            status__in=[Delivery.Status.PENDING, Delivery.Status.FAILED])
    qs = OutboxEvent.objects.filter(occurred_at__lt=cutoff).exclude(Exists(open_delivery))
    if getattr(settings, "LYFTA_AMQP_URL", ""):
        qs = qs.filter(published_at__isnull=False)
    return qs


def outbox_prune(now: dt.datetime | None = None, batch: int = BATCH) -> int:
    """Delete what the retention rule allows; returns the number of events deleted (audited once
    per run that deleted anything)."""
    total = 0
    while True:
        with transaction.atomic(durable=True):
            ids = list(prunable(now).order_by("id").values_list("pk", flat=True)[:batch])
            if not ids:
                break
            # The rule again in the DELETE itself: a delivery replayed meanwhile keeps its event.
            _n, per_model = prunable(now).filter(pk__in=ids).delete()
            deleted = per_model.get(OutboxEvent._meta.label, 0)
            total += deleted
            if deleted == 0:
                break
    if total:
        audit_record(None, "integration.outbox.pruned", None, {"events": total,
                                                               "days": settings.LYFTA_OUTBOX_RETENTION_DAYS},
                     object_type="integration.outboxevent")
    return total
