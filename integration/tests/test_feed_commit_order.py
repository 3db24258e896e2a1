"""The pull feed loses nothing when transactions commit out of id order: an event whose
transaction is still open when a later event is read is still read on after that cursor
(PostgreSQL, where writers run concurrently; SQLite serialises them)."""
import threading

import pytest
from django.db import connection, transaction
from django.utils import timezone

from integration.models import OutboxEvent
from integration.outbox import feed_sequence
from ordering.tests.conftest import make_order


def _event(order, kind):
    return OutboxEvent.objects.create(event_type=f"order.customer.{kind}", occurred_at=timezone.now(),
                                      order=order, customer_id=order.customer_id)


def _read_all(client, after):
    seen = []
    while True:
        body = client.get("/api/v1/events", {"after": after, "limit": 2}).json()
        if not body["events"]:
            return seen, after
        seen += [e["type"] for e in body["events"]]
        after = body["next_cursor"]


@pytest.mark.postgres_only
@pytest.mark.django_db(transaction=True)
def test_an_event_committed_after_a_later_one_was_read_is_still_read(api, shop):
    order = make_order(shop)
    seen, cursor = _read_all(api.region, 0)
    assert seen == ["order.customer.draft", "order.customer.submitted"]
    inserted, release, done = threading.Event(), threading.Event(), threading.Event()
    slow = []

    def slow_transaction():
        try:
            with transaction.atomic():
                slow.append(_event(order, "slow"))  # takes the lower id …
                inserted.set()
                release.wait(10)  # … and commits after the fast one has been read
        finally:
            connection.close()
            done.set()

    t = threading.Thread(target=slow_transaction)
    t.start()
    assert inserted.wait(10)
    fast = _event(order, "fast")
    seen, cursor = _read_all(api.region, cursor)
    assert seen == ["order.customer.fast"]
    release.set()
    assert done.wait(10)
    t.join(10)
    seen, cursor = _read_all(api.region, cursor)
    assert seen == ["order.customer.slow"]  # the old feed (cursor = id) skipped it for good
    assert slow[0].pk < fast.pk


def test_positions_only_grow_and_every_event_gets_one(api, shop):
    make_order(shop)
    assert feed_sequence() >= 0
    positions = list(OutboxEvent.objects.order_by("id").values_list("feed_position", flat=True))
    assert None not in positions and positions == sorted(positions) and len(set(positions)) == len(positions)
    OutboxEvent.objects.all().delete()  # retention may empty the outbox: cursors must still only grow
    make_order(shop)
    assert feed_sequence() == 2
    assert min(OutboxEvent.objects.values_list("feed_position", flat=True)) > max(positions)
