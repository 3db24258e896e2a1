"""Builders for invoicing tests: devices on loan, deliveries and work orders written directly
(the rules read them; how they came about is the other contexts' business)."""
from __future__ import annotations

import datetime as dt
import itertools
from decimal import Decimal

import pytest
from django.utils import timezone

from catalogue.models import ArticlePrice, PriceList
from ordering.tests import factories as of
from stock.models import Device, Loan
from tests import factories as f

D = dt.date
_n = itertools.count(1)


@pytest.fixture
def terms(db):
    return PriceList.objects.create(code="PL2026", name="Prislista 2026", valid_from=D(2020, 1, 1),
                                    markup_percent=Decimal(10), special_rent_percent=Decimal("2.5"),
                                    hourly_rate=Decimal(600), urgent_hourly_rate=Decimal(900),
                                    urgent_delivery_fee=Decimal(450), failed_delivery_fee=Decimal(300))


@pytest.fixture
def cc(world):
    return world["region_unit"].default_cost_centre


def price(article, *, valid_from, rent=None, purchase=None, valid_to=None):
    return ArticlePrice.objects.create(article=article, charging=article.charging,
                                       monthly_rent=Decimal(rent) if rent is not None else None,
                                       purchase_price=Decimal(purchase) if purchase is not None else None,
                                       valid_from=valid_from, valid_to=valid_to)


def loan(*, article, customer, patient, start, end=None, cost_centre=None, purchase_price=None, ref=""):
    device = Device.objects.create(serial=f"INV{next(_n):06d}", article=article, status="on_loan",
                                   holder_patient=patient, purchase_price=purchase_price)
    return Loan.objects.create(device=device, patient=patient, customer=customer, cost_centre=cost_centre,
                               started_on=start, ended_on=end, source_ref=ref)


def order(*, customer, unit=None, cost_centre=None, patient=None, order_type="customer", status="delivered",
          priority="normal", kind="to_patient", urgent_fee=None):
    from ordering.models import Order

    return Order.objects.create(number=f"{'AO' if order_type == 'work' else 'KO'}{next(_n):06d}",
                                order_type=order_type, kind=kind, status=status, customer=customer,
                                unit=unit, cost_centre=cost_centre, patient=patient, priority=priority,
                                urgent_fee=urgent_fee)


def deliver(o, article, qty, on, *, unit_price=None):
    from ordering.models import Delivery, DeliveryLine, OrderLine

    line = OrderLine.objects.create(order=o, line_no=o.lines.count() + 1, article=article, quantity=qty,
                                    delivered_quantity=qty, charging=article.charging,
                                    monthly_rent=article.monthly_rent,
                                    unit_price=Decimal(unit_price) if unit_price else article.purchase_price)
    d = Delivery.objects.create(order=o, delivered_on=on, receiver_name="Mottagare", place="stay_address")
    return DeliveryLine.objects.create(delivery=d, order_line=line, quantity=qty)


def complete_work(o, *, hours, on, parts=()):
    from ordering.models import WorkOrderDetail, WorkOrderPart

    at = timezone.make_aware(dt.datetime.combine(on, dt.time(12, 0)))
    WorkOrderDetail.objects.create(order=o, hours=Decimal(hours), completed_at=at)
    for art, qty in parts:
        WorkOrderPart.objects.create(order=o, article=art, quantity=qty)


@pytest.fixture
def base(world, terms, cc):
    region = world["region"]
    return {
        "region": region, "cc": cc, "unit": world["region_unit"],
        "patient": of.patient(region), "chair": of.wheelchair(), "cushion": of.cushion(),
        "municipality": world["municipality"],
    }


__all__ = ["D", "complete_work", "deliver", "f", "loan", "order", "price"]
