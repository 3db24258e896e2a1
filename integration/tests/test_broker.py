"""The broker sink against the real RabbitMQ on 127.0.0.1 (skipped when it does not answer)."""
import json
import os
import socket

import pytest

from integration import broker
from integration.models import OutboxEvent
from ordering.tests.conftest import make_order

URL = os.environ.get("LYFTA_TEST_AMQP_URL", "amqp://guest:guest@127.0.0.1:5672/%2F")


def _reachable() -> bool:
    try:
        socket.create_connection(("127.0.0.1", 5672), timeout=1).close()
        return True
    except OSError:
        return False


pytestmark = pytest.mark.skipif(not _reachable(), reason="RabbitMQ is not reachable on 127.0.0.1:5672")


def test_events_are_published_persistent_and_confirmed_in_order(shop, settings):
    settings.LYFTA_AMQP_URL = URL
    settings.LYFTA_AMQP_EXCHANGE = f"lyfta.test.{os.getpid()}"
    conn, channel = broker.connect()
    try:
        q = channel.queue_declare(queue="", exclusive=True).method.queue
        channel.queue_bind(queue=q, exchange=settings.LYFTA_AMQP_EXCHANGE, routing_key="order.customer.#")
        make_order(shop)
        make_order(shop)
        assert broker.publish_pending() == 4
        assert broker.publish_pending() == 0  # each event once
        assert not OutboxEvent.objects.filter(published_at__isnull=True).exists()
        got = []
        for _ in range(4):
            method, props, body = channel.basic_get(q, auto_ack=True)
            assert method is not None
            got.append((props, json.loads(body)))
        assert [p.message_id for p, _b in got] == [str(e) for e in
                                                   OutboxEvent.objects.order_by("id").values_list("event_id", flat=True)]
        assert all(p.delivery_mode == 2 and p.content_type == "application/json" for p, _b in got)
        assert got[1][1]["type"] == "order.customer.submitted" and got[1][1]["data"]["order"]["status"] == "submitted"
        channel.exchange_delete(settings.LYFTA_AMQP_EXCHANGE)
    finally:
        conn.close()


def test_broker_is_off_without_settings(shop, settings):
    settings.LYFTA_AMQP_URL = ""
    make_order(shop)
    assert broker.publish_pending() == 0
    assert OutboxEvent.objects.filter(published_at__isnull=True).count() == 2
