"""Real concurrent transactions (PostgreSQL only; SQLite serialises writers)."""
import threading

import pytest
from django.db import connection, transaction
from django.utils import timezone

from catalogue.models import ArticleAvailability
from stock import services
from stock.models import Device, StockLevel, StockMovement
from stock.services import DeviceIn

from .conftest import make_article


def _race(n, work):
    """Run `work(i)` in n threads, each in its own transaction, started together."""
    barrier = threading.Barrier(n)
    results, errors = [None] * n, []

    def run(i):
        try:
            barrier.wait(timeout=10)
            with transaction.atomic():
                results[i] = work(i)
        except Exception as exc:  # noqa: BLE001 - reported below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=30)
    assert not errors, errors
    return results


@pytest.mark.postgres_only
@pytest.mark.django_db(transaction=True)
def test_two_allocations_race_for_the_last_refurbished_device():
    from stock.models import Location

    central = Location.objects.create(code="CENTRAL", name="Centrallager", kind="central")
    article = make_article(tracked=True)
    services.receive(article=article, location=central,
                     devices=[DeviceIn(serial="LAST-1", condition="refurbished", available_since=timezone.now())])

    results = _race(2, lambda i: services.allocate(article=article, quantity=1, ref=f"KO{i}"))

    winners = [r for r in results if r.devices]
    losers = [r for r in results if not r.devices]
    assert len(winners) == 1 and len(losers) == 1
    assert winners[0].devices[0].serial == "LAST-1" and losers[0].back_ordered == 1
    device = Device.objects.get(serial="LAST-1")
    assert device.status == "reserved" and device.reserved_ref == winners[0].ref
    assert StockMovement.objects.filter(kind="reservation").count() == 1
    level = StockLevel.objects.get(article=article, location=central)
    assert (level.on_hand, level.reserved, level.reserved_refurbished) == (1, 1, 1)
    assert ArticleAvailability.objects.get(article=article).qty_refurbished == 0
    assert services.rebuild_levels() == []


@pytest.mark.postgres_only
@pytest.mark.django_db(transaction=True)
def test_many_concurrent_allocations_never_share_a_device():
    from stock.models import Location

    central = Location.objects.create(code="CENTRAL", name="Centrallager", kind="central")
    article = make_article(tracked=True)
    services.receive(article=article, location=central,
                     devices=[DeviceIn(serial=f"D{i}", condition="new") for i in range(5)])

    results = _race(8, lambda i: services.allocate(article=article, quantity=1, ref=f"KO{i}"))

    serials = [d.serial for r in results for d in r.devices]
    assert len(serials) == len(set(serials)) == 5
    assert sum(r.back_ordered for r in results) == 3
    assert services.rebuild_levels() == []
    assert ArticleAvailability.objects.get(article=article).qty_new == 0
