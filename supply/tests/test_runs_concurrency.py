"""Real concurrent transactions (PostgreSQL): two handlers adding the same order to two runs."""
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
