"""Tracked devices in a buffer store count in its stock: the store's on hand, the rules' figures,
the below-safety panel and the nightly sweep (docs/buffer-stores.md "Stock on hand")."""
from ordering.flows import buffer
from ordering.models import Order
from ordering.tests import factories as of
from ordering.tests.test_buffer import store, withdraw  # noqa: F401  (the fixture)
from stock import services as stock_services
from stock.buffer import selectors as store_selectors
from stock.buffer import services as buffer_stock
from stock.models import Device


def test_devices_moved_into_the_store_count(store):  # noqa: F811
    assert store_selectors.on_hand(store.store, [store.walker.pk]) == {store.walker.pk: 3}
    extra = of.stock_devices(store.walker, new=2)
    for d in extra:
        stock_services.device_transfer(device=d, to_location=store.store, ref="flytt")
    assert Device.objects.filter(location=store.store, status="in_buffer_store").count() == 5
    assert store_selectors.on_hand(store.store, [store.walker.pk]) == {store.walker.pk: 5}
    buffer_stock.reorder_rule_set(store=store.store, article_number=store.walker.article_number, safety_level=5,
                                  refill_level=8, actor=store.admin)
    assert not store_selectors.rules_below_safety(store_ids=[store.store.pk]).filter(article=store.walker).exists()
    withdraw(store, serial="W0")  # 4 < 5: an order for 8 − 4
    rep = Order.objects.get(kind="replenishment")
    assert sum(ln.quantity for ln in rep.lines.all()) == 4
    assert buffer.replenishment_sweep()["created"] == []


# --------------------------------------------------------------------------- statements (issue 12's p95)


def _statements(fn):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as c:
        fn()
    return [q["sql"] for q in c.captured_queries]


# Pinned statement counts (same on SQLite and PostgreSQL; docs/performance.md "Buffer stores").
# A regression — a look-up added to the withdrawal or its replenishment check — fails here; if a
# new statement is really needed, raise the pin and say why in docs/performance.md.
PLAIN_WITHDRAWAL = 20
CROSSING_WITHDRAWAL = 30  # + the replenishment order: 1 read of open orders, 1 of the store header, 8 writes


def test_a_counted_withdrawal_reuses_the_locked_row(store):  # noqa: F811
    """The store's projection row locked by `buffer_lock` is the one the issue updates and the one
    the check computes the free units from: no get-or-create in a savepoint per ledger row, no
    second read of the level (28 statements, then 25, now 20)."""
    pads = {"article_number": store.pads.article_number, "serial": "", "quantity": 1}
    withdraw(store, **pads)  # the first creates the number sequence and reads the subscriptions
    sql = _statements(lambda: withdraw(store, **pads))
    assert len(sql) == PLAIN_WITHDRAWAL, "\n".join(sql)
    assert sum("FROM \"stock_stocklevel\"" in q for q in sql) == 1  # the lock only
    assert store_selectors.on_hand(store.store, [store.pads.pk]) == {store.pads.pk: 8}
    assert stock_services.rebuild_levels() == []


def test_a_crossing_withdrawal_has_a_pinned_statement_count(store):  # noqa: F811
    """The withdrawal that takes the store below safety creates the replenishment order in 10
    more statements: one read of the store's open buffer orders (on order and open rules at
    once), one of the store header (customer, cost centre, orderer, delivery point), then the
    savepoint, the number (one statement), order, event, outbox, audit, lines, release."""
    from access.models import DeliveryPoint

    point = DeliveryPoint.objects.create(unit=store.world["municipality_unit"], name="Godsmottagning",
                                         street="Lastkajen 1", postal_code="11122", city="Åby")
    pads = {"article_number": store.pads.article_number, "serial": ""}
    withdraw(store, quantity=1, **pads)  # warm: the number sequence, the subscriptions
    sql = _statements(lambda: withdraw(store, quantity=5, **pads))  # 9 − 5 = 4: not below 4
    assert len(sql) == PLAIN_WITHDRAWAL, "\n".join(sql)
    assert not Order.objects.filter(kind="replenishment").exists()
    sql = _statements(lambda: withdraw(store, quantity=1, **pads))  # 3 < 4: an order for 20 − 3
    assert len(sql) == CROSSING_WITHDRAWAL, "\n".join(sql)
    rep = Order.objects.get(kind="replenishment")
    assert [ln.quantity for ln in rep.lines.all()] == [17]
    assert (rep.orderer_id, rep.delivery_point_id, rep.delivery_street) == (store.keeper.pk, point.pk, "Lastkajen 1")
    assert rep.customer_id == store.world["municipality"].pk and rep.buffer_store_id == store.store.pk
    # the open order counts: the next withdrawal orders nothing and makes no order statements
    sql = _statements(lambda: withdraw(store, quantity=1, **pads))
    assert len(sql) == PLAIN_WITHDRAWAL + 1  # the read of the open orders, nothing written
    assert Order.objects.filter(kind="replenishment").count() == 1
    assert stock_services.rebuild_levels() == []


def test_a_tracked_withdrawal_reuses_the_locked_row(store):  # noqa: F811
    withdraw(store, serial="W0")
    sql = _statements(lambda: withdraw(store, serial="W1"))  # 1 < 2: crosses, an order for 5 − 1
    # the level is the locked row (no get-or-create in a savepoint); savepoints: the entry point,
    # `deliver_to_patient`, the loan insert (its unique constraint answers a conflict), the order
    assert sum("FROM \"stock_stocklevel\"" in q for q in sql) == 1, "\n".join(sql)
    assert len([q for q in sql if q.startswith("SAVEPOINT")]) == 4, "\n".join(sql)
    assert Order.objects.get(kind="replenishment").lines.count() == 4
    assert stock_services.rebuild_levels() == []


def test_central_issue_does_not_read_every_location(store):  # noqa: F811
    """`stock.services.issue` at central stock locks the article's central rows only and reads no
    list of every location: the same statements whether the article is in one buffer store or six."""
    stock_services.receive(article=store.pads, quantity=50, ref="in")

    def issue():
        return _statements(lambda: stock_services.issue(article=store.pads, quantity=2, ref="KO1:1"))

    few = issue()
    for i in range(5):
        extra = buffer_stock.store_create(name=f"Förråd {i}", unit_id=store.world["municipality_unit"].pk,
                                          actor=store.admin)
        stock_services.receive(article=store.pads, location=extra, quantity=3, ref="in")
    many = issue()
    assert len(many) == len(few)
    assert not any("FROM \"stock_location\"" in q and "WHERE" not in q for q in many)  # no read of all locations
    assert store_selectors.on_hand(store.store, [store.pads.pk]) == {store.pads.pk: 10}  # the store untouched
    assert stock_services.rebuild_levels() == []
