"""The second sink: the outbox's events published to an AMQP broker (RabbitMQ) for systems that
prefer a queue. Off unless `LYFTA_AMQP_URL` is set (docs/integration.md, "Broker").

Each event goes to the topic exchange `LYFTA_AMQP_EXCHANGE` (durable) with the event type as
routing key, as a persistent message (delivery mode 2) whose `message_id` is the event id, under
publisher confirms: the row's `published_at` is set only after the broker confirmed it, in the
transaction that locked the row (`select_for_update(skip_locked)` on PostgreSQL), so a crash
between confirm and commit publishes the event again (same `message_id`: consumers dedupe)."""
from __future__ import annotations

import json

import pika
from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone

from .models import OutboxEvent
from .outbox import envelope, order_representation


def enabled() -> bool:
    return bool(getattr(settings, "LYFTA_AMQP_URL", ""))


def connect():
    params = pika.URLParameters(settings.LYFTA_AMQP_URL)
    params.socket_timeout = params.blocked_connection_timeout = 10
    conn = pika.BlockingConnection(params)
    channel = conn.channel()
    channel.exchange_declare(exchange=settings.LYFTA_AMQP_EXCHANGE, exchange_type="topic", durable=True)
    channel.confirm_delivery()
    return conn, channel


def publish_pending(limit: int = 200) -> int:
    """Publish up to `limit` unpublished events, oldest first; the number published."""
    if not enabled():
        return 0
    conn, channel = connect()
    try:
        with transaction.atomic():
            qs = OutboxEvent.objects.filter(published_at__isnull=True).order_by("id")
            if connection.features.has_select_for_update_skip_locked:
                qs = qs.select_for_update(skip_locked=True)
            rows = list(qs[:limit])
            for e in rows:
                body = json.dumps(envelope(e, order_representation(e.order_id)), separators=(",", ":"),
                                  ensure_ascii=False).encode()
                # Raises (rolling back, so nothing is marked) when the broker nacks.
                channel.basic_publish(
                    exchange=settings.LYFTA_AMQP_EXCHANGE, routing_key=e.event_type, body=body,
                    properties=pika.BasicProperties(
                        delivery_mode=pika.DeliveryMode.Persistent, content_type="application/json",
                        message_id=str(e.event_id), type=e.event_type,
                        timestamp=int(e.occurred_at.timestamp()), headers={"order_id": e.order_id}))
            if rows:
                OutboxEvent.objects.filter(pk__in=[e.pk for e in rows]).update(published_at=timezone.now())
        return len(rows)
    finally:
        conn.close()
