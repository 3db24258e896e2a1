"""Real concurrent transactions (PostgreSQL): two handlers confirming the same order, two
orders racing for the last refurbished device."""
import threading

import pytest
from django.db import connection

from core.errors import DomainError
from ordering.flows import customer as osvc
from ordering.models import Order, OrderEvent
from ordering.tests import factories as of
from ordering.tests.conftest import make_order
from stock.models import Device, StockLevel, StockMovement
from supply import services

pytestmark = [pytest.mark.postgres_only]


def run_concurrently(*calls):
    """Run the callables in threads released together; → list of (result | exception)."""
    barrier = threading.Barrier(len(calls))
    results = [None] * len(calls)

    def worker(i, fn):
        try:
            barrier.wait(timeout=10)
            results[i] = fn()
        except Exception as exc:  # noqa: BLE001 - collected for the assertions
            results[i] = exc
        finally:
            connection.close()

    threads = [threading.Thread(target=worker, args=(i, fn)) for i, fn in enumerate(calls)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=30)
    return results


@pytest.mark.django_db(transaction=True)
def test_two_handlers_confirm_the_same_order(stocked, make_user):
    from access.principal import principal_for_user
    from access.roles import Role

    order = make_order(stocked)
    other = principal_for_user(make_user(Role.SUPPLY_HANDLER, first_name="Bo", last_name="Berg"))
    results = run_concurrently(lambda: services.order_confirm(stocked.h, order.pk),
                               lambda: services.order_confirm(other, order.pk))
    wins = [r for r in results if isinstance(r, Order)]
    losses = [r for r in results if isinstance(r, DomainError)]
    assert len(wins) == 1 and len(losses) == 1, results
    assert losses[0].status == 409 and "Ordern har redan bekräftats av" in losses[0].message
    assert OrderEvent.objects.filter(order=order, to_status="confirmed").count() == 1
    assert Device.objects.filter(status="reserved").count() == 1
    assert StockMovement.objects.filter(kind="reservation", device__isnull=False).count() == 1


@pytest.mark.django_db(transaction=True)
def test_two_orders_race_for_the_last_refurbished_device(shop, make_user):
    from access.principal import principal_for_user
    from access.roles import Role
    from stock.services import rebuild_levels

    of.stock_devices(shop.chair, refurbished=1)
    lines = [osvc.LineInput(shop.chair.article_number, 1)]
    a, b = make_order(shop, lines=lines), make_order(shop, lines=lines)
    other = principal_for_user(make_user(Role.SUPPLY_HANDLER))
    results = run_concurrently(lambda: services.order_confirm(shop.h, a.pk),
                               lambda: services.order_confirm(other, b.pk))
    assert all(isinstance(r, Order) for r in results), results
    la, lb = (Order.objects.get(pk=o.pk).lines.get() for o in (a, b))
    assert sorted([la.device_id is not None, lb.device_id is not None]) == [False, True]
    assert sorted([la.backordered_quantity, lb.backordered_quantity]) == [0, 1]
    device = Device.objects.get()
    assert device.status == "reserved" and device.condition == "refurbished"
    assert StockMovement.objects.filter(kind="reservation", device=device).count() == 1
    level = StockLevel.objects.get(article=shop.chair)
    assert (level.on_hand, level.reserved) == (1, 1)
    assert rebuild_levels(fix=False) == []


@pytest.mark.django_db(transaction=True)
def test_a_confirm_sent_twice_at_once_with_one_key_answers_both_with_the_same_result(stocked, api):
    """A double click (or a retry racing the first try) on the API's confirm: the second request
    waits for the order's row lock, finds the order already confirmed — and, since the key has a
    stored result by then, replays it instead of answering 409."""
    from django.test import Client

    from core.idempotency import IdempotencyRecord

    order = make_order(stocked)

    def confirm():
        client = Client(HTTP_AUTHORIZATION="Bearer test-supply-token")
        return client.post(f"/api/v1/supply/orders/{order.pk}/confirm", data="{}",
                           content_type="application/json", HTTP_IDEMPOTENCY_KEY="double-click")

    results = run_concurrently(confirm, confirm)
    assert [getattr(r, "status_code", r) for r in results] == [200, 200], [getattr(r, "content", r) for r in results]
    assert results[0].json() == results[1].json() and results[0].json()["status"] == "confirmed"
    assert OrderEvent.objects.filter(order=order, to_status="confirmed").count() == 1
    assert Device.objects.filter(status="reserved").count() == 1
    assert IdempotencyRecord.objects.filter(key="double-click").count() == 1
    # Without a key the second confirm is still a clear conflict.
    r = Client(HTTP_AUTHORIZATION="Bearer test-supply-token").post(
        f"/api/v1/supply/orders/{order.pk}/confirm", data="{}", content_type="application/json")
    assert r.status_code == 409


@pytest.mark.django_db(transaction=True)
def test_confirms_in_opposite_line_order_neither_deadlock_nor_lose_allocations(shop, make_user, monkeypatch):
    """Two orders hold the same two articles in opposite line order and are confirmed at the same
    moment, many times. Confirm locks every stock row of the order's articles at once, in a fixed
    order, before allocating: so one waits for the other instead of a deadlock (PostgreSQL would
    abort one with DeadlockDetected), and every unit is reserved exactly once.

    A pause after each line's allocation widens the window: without the up-front lock each
    transaction holds its first article's rows while it wants the other's."""
    import time

    from access.principal import principal_for_user
    from access.roles import Role
    from stock.services import rebuild_levels
    from supply import stockport

    real_allocate = stockport.allocate

    def slow_allocate(**kwargs):
        result = real_allocate(**kwargs)
        time.sleep(0.05)
        return result

    monkeypatch.setattr(stockport, "allocate", slow_allocate)
    pad, bag = of.article(name="Dyna A"), of.article(name="Påse B")
    of.stock_units(pad, 500)
    of.stock_units(bag, 500)
    other = principal_for_user(make_user(Role.SUPPLY_HANDLER))
    rounds = 12
    for _ in range(rounds):
        a = make_order(shop, lines=[osvc.LineInput(pad.article_number, 2), osvc.LineInput(bag.article_number, 3)])
        b = make_order(shop, lines=[osvc.LineInput(bag.article_number, 3), osvc.LineInput(pad.article_number, 2)])
        results = run_concurrently(lambda a=a: services.order_confirm(shop.h, a.pk),
                                   lambda b=b: services.order_confirm(other, b.pk))
        assert all(isinstance(r, Order) for r in results), results
    assert Order.objects.filter(status="confirmed").count() == 2 * rounds
    assert StockLevel.objects.get(article=pad).reserved == 2 * 2 * rounds
    assert StockLevel.objects.get(article=bag).reserved == 2 * 3 * rounds
    assert StockMovement.objects.filter(kind="reservation").count() == 2 * 2 * rounds
    assert rebuild_levels(fix=False) == []
