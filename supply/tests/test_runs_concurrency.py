"""Real concurrent transactions (PostgreSQL): two handlers adding the same order to two runs; the
same partial pickup recorded twice at once."""
import pytest
from django.utils import timezone

from core.errors import DomainError
from supply.models import RunStop
from supply.runs import services as rs
from supply.tests.runs_fixtures import *  # noqa: F401,F403
from supply.tests.test_concurrency import run_concurrently

pytestmark = [pytest.mark.postgres_only]


@pytest.mark.django_db(transaction=True)
def test_two_handlers_add_the_same_order_to_two_runs(runs):
    today = timezone.localdate()
    first = rs.run_create(runs.h, date=today, driver_id=runs.driver.pk)
    second = rs.run_create(runs.h2, date=today, driver_id=runs.driver.pk)
    for order in (runs.delivery, runs.pickup):
        results = run_concurrently(lambda o=order: rs.run_stop_add(runs.h, first.pk, order_id=o.pk),
                                   lambda o=order: rs.run_stop_add(runs.h2, second.pk, order_id=o.pk))
        wins = [r for r in results if isinstance(r, RunStop)]
        losses = [r for r in results if isinstance(r, DomainError)]
        assert len(wins) == 1 and len(losses) == 1, results
        assert losses[0].status == 409 and "finns redan på körning" in losses[0].message
        assert RunStop.objects.filter(order=order).count() == 1


@pytest.mark.django_db(transaction=True)
def test_the_same_partial_pickup_recorded_twice_at_once(runs):
    """Two taps (two phones of the run's driver, or a retry) record the same pickup stop in part
    at the same moment: the run's row lock lets one through; the other is told the stop is done.
    The loan ends once, one return receipt, one message per recipient."""
    from ordering.models import Message, PickupLine, ReturnReceipt
    from stock.models import Loan
    from supply.runs import outcomes
    from supply.tests.runs_fixtures import signature_url

    s = runs
    walker_loan = Loan.objects.get(device=s.walker_device, ended_on=None)
    PickupLine.objects.create(order=s.pickup, device=s.walker_device, loan=walker_loan, reason="not_needed")
    run = rs.run_create(s.h, date=timezone.localdate(), driver_id=s.driver.pk)
    stop = rs.run_stop_add(s.h, run.pk, order_id=s.pickup.pk)

    def record():
        return outcomes.run_stop_complete(s.d, stop.pk, receiver_name="Anna", signature=signature_url(),
                                          not_collected={s.walker_device.serial: "not_there"})

    results = run_concurrently(record, record)
    wins = [r for r in results if isinstance(r, RunStop)]
    losses = [r for r in results if isinstance(r, DomainError)]
    assert len(wins) == 1 and len(losses) == 1, results
    assert losses[0].status == 409 and "redan registrerat" in losses[0].message
    assert ReturnReceipt.objects.filter(pickup_order=s.pickup).count() == 1
    assert Loan.objects.filter(device=s.device).exclude(ended_on=None).count() == 1
    assert Loan.objects.filter(device=s.walker_device, ended_on=None).count() == 1
    assert Message.objects.filter(order=s.pickup, recipient=s.prescriber).count() == 1
