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
