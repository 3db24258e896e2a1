"""The batched dispatcher: a batch reads its orders together (a constant number of statements,
however many deliveries), sends the same body the per-delivery path would, holds at most one
delivery per order and subscription, and records an answer only for its own claim."""
import json

from django.db import connection
from django.test.utils import CaptureQueriesContext

from access.principal import principal_for_client
from integration import dispatch, services
from integration.models import Delivery
from integration.outbox import order_representation, order_representations
from integration.tests.receiver import Receiver
from ordering.tests.conftest import make_order
from tests import factories as f


def _subscribe(shop, url):
    for org, name in ((shop.world["region"], "batch-region"), (shop.world["supply"], "batch-supply")):
        services.subscription_create(principal_for_client(f.api_client(org, f"tok-{name}", name=name)),
                                     target_url=url)


def test_batch_representations_are_the_single_ones(shop):
    _subscribe(shop, "http://127.0.0.1:9/hook")
    orders = [make_order(shop) for _ in range(3)]
    rows = list(Delivery.objects.select_related("event", "subscription__client"))
    reps = order_representations(rows)
    assert set(reps) == {o.pk for o in orders}
    for o in orders:
        assert reps[o.pk] == order_representation(o.pk)
    d = rows[0]
    assert dispatch._body(d, reps) == dispatch._body(d)


def _dispatch_statements(n_orders, shop, rx) -> tuple[int, int]:
    for _ in range(n_orders):
        make_order(shop)
    with CaptureQueriesContext(connection) as q:
        sent = dispatch.dispatch_once(limit=500)
    return sent, len(q.captured_queries)


def test_a_batch_costs_the_same_statements_for_3_or_12_orders_and_sends_one_per_order(shop):
    with Receiver() as rx:
        _subscribe(shop, rx.url)
        sent3, q3 = _dispatch_statements(3, shop, rx)
        dispatch.dispatch_until_idle()
        sent12, q12 = _dispatch_statements(12, shop, rx)
        dispatch.dispatch_until_idle()
    # 2 events per order, 2 subscriptions: a batch holds the first pending event of each order per subscription.
    assert (sent3, sent12) == (6, 24)
    assert q12 <= q3 <= 12, (q3, q12)  # (the first batch also reads the price list once)
    assert Delivery.objects.exclude(status="delivered").count() == 0
    per_order: dict[int, list[str]] = {}
    for _s, _headers, body in rx.requests:
        b = json.loads(body)
        per_order.setdefault(b["data"]["order_id"], []).append(b["type"].rpartition(".")[2])
    # Both subscriptions get the order's first event before either gets its second.
    assert all(types == ["draft", "draft", "submitted", "submitted"] for types in per_order.values()), per_order

def test_a_batch_records_only_its_own_claim(shop):
    with Receiver() as rx:
        _subscribe(shop, rx.url)
        make_order(shop)
        rows = dispatch.claim(limit=10)
        assert len(rows) == 2
        # The lease ended and another dispatcher claimed the first row again: its attempt is newer.
        Delivery.objects.filter(pk=rows[0].pk).update(attempts=rows[0].attempts + 1)
        dispatch.record_batch([(d, 200, "") for d in rows])
    statuses = dict(Delivery.objects.filter(pk__in=[d.pk for d in rows]).values_list("pk", "status"))
    assert statuses == {rows[0].pk: "pending", rows[1].pk: "delivered"}
