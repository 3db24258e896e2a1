"""Buffer stores under real concurrent transactions (PostgreSQL only; SQLite serialises writers):
the last unit withdrawn twice at once, and 20 withdrawals crossing the safety level at once."""
import threading

import pytest
from django.db import connection

from access.principal import principal_for_user
from access.roles import Role
from core.errors import Conflict
from ordering.flows import buffer
from ordering.models import Order
from ordering.tests import factories as of
from stock import services as stock_services
from stock.buffer import services as buffer_stock
from stock.models import Device, Loan, StockLevel
from stock.services import DeviceIn
from tests import factories as f


def _race(n, work):
    """Run `work(i)` in n threads started together; each call is its own entry point (its own
    transaction). Returns (results, errors)."""
    barrier = threading.Barrier(n)
    results, errors = [None] * n, [None] * n

    def run(i):
        try:
            barrier.wait(timeout=10)
            results[i] = work(i)
        except Exception as exc:  # noqa: BLE001 - inspected by the test
            errors[i] = exc
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    return results, errors


def _store(n_keepers: int):
    muni = f.OrganisationFactory(name="Testby kommun", kind="municipality")
    unit = f.UnitFactory(organisation=muni, name="Hemsjukvård Testby")
    keepers = []
    for _ in range(n_keepers):
        user = f.UserFactory()
        f.RoleAssignmentFactory(user=user, unit=unit, role=Role.STORE_KEEPER)
        keepers.append(principal_for_user(user))
    of.central()
    store = buffer_stock.store_create(name="Förråd Testby", unit_id=unit.pk)
    patient = of.patient(muni)
    return store, keepers, patient


@pytest.mark.postgres_only
@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("tracked", [True, False], ids=["device", "counted"])
def test_last_unit_withdrawn_by_two_store_keepers_at_once(tracked):
    store, keepers, patient = _store(2)
    article = of.article(name="Rollator", tracked=tracked, rent="100.00" if tracked else None)
    if tracked:
        stock_services.receive(article=article, location=store, devices=[DeviceIn(serial="LAST")])
    else:
        stock_services.receive(article=article, location=store, quantity=1)

    def work(i):
        return buffer.withdrawal_create(keepers[i], buffer.WithdrawalInput(
            store_id=store.pk, article_number=article.article_number, patient_id=patient.pk,
            serial="LAST" if tracked else "", quantity=1))

    results, errors = _race(2, work)
    winners = [r for r in results if r is not None]
    assert len(winners) == 1, errors
    loser = next(e for e in errors if e is not None)
    assert isinstance(loser, Conflict) and ("inte längre" in loser.message or "bara 0" in loser.message)
    assert Order.objects.filter(kind="withdrawal").count() == 1
    assert StockLevel.objects.get(location=store, article=article).on_hand == 0
    if tracked:
        assert Loan.objects.filter(device__serial="LAST").count() == 1
        assert Device.objects.get(serial="LAST").status == "on_loan"
    assert stock_services.rebuild_levels() == []


@pytest.mark.postgres_only
@pytest.mark.django_db(transaction=True)
def test_twenty_concurrent_withdrawals_crossing_safety_make_one_replenishment():
    store, keepers, patient = _store(20)
    pads = of.article(name="Inkontinensskydd", price="5.00")
    stock_services.receive(article=pads, location=store, quantity=25)
    buffer_stock.reorder_rule_set(store=store, article_number=pads.article_number, safety_level=10,
                                  refill_level=30)

    def work(i):
        return buffer.withdrawal_create(keepers[i], buffer.WithdrawalInput(
            store_id=store.pk, article_number=pads.article_number, patient_id=patient.pk, quantity=1))

    results, errors = _race(20, work)
    assert all(e is None for e in errors), [e for e in errors if e]
    assert StockLevel.objects.get(location=store, article=pads).on_hand == 5
    open_reps = list(Order.objects.filter(kind="replenishment", status__in=buffer.ON_ORDER_STATUSES))
    assert len(open_reps) == 1
    # Created by the withdrawal that left 9 (< 10): refill 30 − (9 on hand + 0 on order).
    assert open_reps[0].lines.get().quantity == 21
    assert stock_services.rebuild_levels() == []
