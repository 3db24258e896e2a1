"""Devices coming back (stock.returns): loan end in transit, arrival at refurbishment,
refurbished back to stock or scrapped, parts out for work orders — and a device is never on
two loans at once, also under real concurrent requests (PostgreSQL)."""
import threading

import pytest
from django.db import connection
from django.utils import timezone

from catalogue.models import ArticleAvailability
from core.errors import Conflict, ValidationFailed
from core.transactions import composed
from ordering.flows import pickup as pickups
from ordering.models import PickupLine, ReturnReceipt
from ordering.tests import factories as of
from ordering.tests.service_fixtures import *  # noqa: F401,F403
from stock import returns
from stock import services as stock_services
from stock.models import Device, Loan, StockLevel, StockMovement


def test_loan_end_in_transit_then_refurbished(svc):
    loan = returns.open_loan(svc.device)
    returns.loan_end_in_transit(loan=loan, on=timezone.localdate(), reason="Hämtad")
    d = Device.objects.get(pk=svc.device.pk)
    assert (d.status, d.location.kind, d.holder_patient) == ("in_transit", "in_transit", None)
    returns.receive_for_refurbishment(device=d, ref="HO1")
    returns.receive_for_refurbishment(device=d, ref="HO1")  # a second scan is harmless
    d.refresh_from_db()
    assert (d.status, d.location.kind) == ("awaiting_refurbishment", "refurbishment")
    returns.refurbish_to_stock(device=d, ref="rekond")
    d.refresh_from_db()
    assert (d.status, d.condition, d.location.kind) == ("in_stock", "refurbished", "central")
    assert ArticleAvailability.objects.get(article=svc.chair).qty_refurbished == 1
    assert StockLevel.objects.get(article=svc.chair, location=d.location).on_hand_refurbished == 1
    assert stock_services.rebuild_levels() == []


def test_cannot_refurbish_or_receive_out_of_order(svc):
    with pytest.raises(Conflict):
        returns.receive_for_refurbishment(device=svc.device)
    with pytest.raises(Conflict):
        returns.refurbish_to_stock(device=svc.device)
    with pytest.raises(ValidationFailed):
        returns.scrap_after_inspection(device=svc.device, reason="")


def test_parts_issue_posts_ledger(svc):
    returns.parts_issue(parts=[(svc.part, 3)], ref="AO1")
    assert StockMovement.objects.filter(kind="issue", article=svc.part, ref="AO1").count() >= 1
    assert StockLevel.objects.get(article=svc.part).on_hand == 7


def _race(n, work):
    barrier = threading.Barrier(n)
    results, errors = [None] * n, [None] * n

    def run(i):
        try:
            barrier.wait(timeout=10)
            with composed():  # each thread: one transaction (the entry points inside are savepoints)
                results[i] = work(i)
        except Exception as exc:  # noqa: BLE001 - inspected by the test
            errors[i] = exc
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=30)
    return results, errors


@pytest.mark.postgres_only
@pytest.mark.django_db(transaction=True)
def test_device_never_on_two_loans_under_concurrent_deliveries(svc):
    """A refurbished device back in stock is delivered to two patients at the same moment."""
    loan = returns.open_loan(svc.device)
    returns.loan_end_in_transit(loan=loan, on=timezone.localdate(), reason="Hämtad")
    returns.receive_for_refurbishment(device=svc.device)
    returns.refurbish_to_stock(device=svc.device)
    patients = [of.patient(svc.world["region"]), of.patient(svc.world["region"])]

    results, errors = _race(2, lambda i: stock_services.deliver_to_patient(
        device=Device.objects.get(pk=svc.device.pk), patient=patients[i], customer=svc.world["region"],
        ref=f"KO{i}:1"))

    assert sum(r is not None for r in results) == 1
    assert sum(isinstance(e, Conflict) for e in errors) == 1
    assert Loan.objects.filter(device=svc.device, ended_on__isnull=True).count() == 1


@pytest.mark.postgres_only
@pytest.mark.django_db(transaction=True)
def test_concurrent_return_receipts_end_the_loan_once(svc):
    results, errors = _race(2, lambda i: pickups.return_receipt_create(svc.p, svc.patient.pk,
                                                                       [svc.walker_device.serial]))
    assert sum(r is not None for r in results) == 1
    assert sum(isinstance(e, ValidationFailed) for e in errors) == 1
    assert ReturnReceipt.objects.count() == 1
    loans = Loan.objects.filter(device=svc.walker_device)
    assert loans.count() == 1 and loans.get().ended_on is not None
    assert StockMovement.objects.filter(device=svc.walker_device, kind="return").count() == 1


@pytest.mark.postgres_only
@pytest.mark.django_db(transaction=True)
def test_concurrent_pickup_orders_for_one_device(svc):
    def work(i):
        return pickups.pickup_create(svc.p, pickups.PickupInput(
            patient_id=svc.patient.pk, lines=[pickups.PickupLineInput(svc.device.serial, "not_needed")]))

    results, errors = _race(2, work)
    assert sum(r is not None for r in results) == 1
    assert sum(isinstance(e, Conflict) for e in errors) == 1
    assert PickupLine.objects.filter(device=svc.device).count() == 1
