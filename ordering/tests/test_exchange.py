"""Exchange (issue 17, docs/prescribing.md "Exchange"): one action makes the linked delivery and
pickup orders; the old loan ends the day before the new one starts, so the invoice's rent rule
(`invoicing.charges`, both ends inclusive) never charges a day twice; the rules refuse what may
not be exchanged."""
import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from access.principal import principal_for_user
from access.roles import Role
from catalogue.models import LoanType
from conftest import login_verified
from core.errors import Conflict, NotFound, ValidationFailed
from invoicing import charges as ch
from ordering.flows import exchange, loans
from ordering.flows import pickup as pickups
from ordering.models import Order, OrderType, PickupLine
from ordering.tests import factories as of
from stock.models import Loan
from supply import services as supply

from .test_loans import chair_line, days

pytestmark = pytest.mark.django_db
L = LoanType
TODAY = timezone.localdate


@pytest.fixture
def swap(stocked):
    """A chair on loan since ten days ago (permanent) and a bigger chair in stock."""
    from .conftest import make_order

    order = make_order(stocked, lines=[chair_line(stocked)])
    supply.order_confirm(stocked.h, order.pk)
    supply.order_dispatch(stocked.h, order.pk)
    supply.order_deliver(stocked.h, order.pk, receiver_name="Astrid", place="stay_address", delivered_on=days(-10))
    stocked.loan = Loan.objects.get(patient=stocked.patient, ended_on__isnull=True)
    stocked.big = of.wheelchair()
    of.stock_devices(stocked.big, new=1)
    return stocked


def _deliver(shop, order, on=None):
    supply.order_confirm(shop.h, order.pk)
    supply.order_dispatch(shop.h, order.pk)
    supply.order_deliver(shop.h, order.pk, receiver_name="Astrid", place="stay_address", delivered_on=on)


def _rent_days(loan_ids, months) -> dict[int, list[dt.date]]:
    """Per loan, every day the invoice's rent rule charges, over the given months."""
    out = {lid: [] for lid in loan_ids}
    terms = ch.TermsCalendar()
    for month in months:
        for charge in ch.rent_charges(month, terms):
            if charge.loan_id in out:
                day = charge.period_from
                while day <= charge.period_to:
                    out[charge.loan_id].append(day)
                    day += dt.timedelta(days=1)
    return out


def test_exchange_makes_linked_orders_and_no_day_is_charged_twice(swap):
    new = exchange.exchange_create(swap.p, swap.loan.pk, article_number=swap.big.article_number,
                                   reason="wrong_size", note="Behöver bredare sits")
    assert new.order_type == OrderType.CUSTOMER and new.status == "submitted"
    pickup = Order.objects.get(pk=new.extra["exchange"]["pickup_id"])
    assert pickup.order_type == OrderType.PICKUP and pickup.extra["exchange"]["order_id"] == new.pk
    assert PickupLine.objects.get(order=pickup).reason == "wrong_size"
    assert new.lines.get().loan_type == L.PERMANENT  # the old loan's terms
    assert new.events.filter(event_type="note", data__linked=pickup.number).exists()
    _deliver(swap, new)
    old = Loan.objects.get(pk=swap.loan.pk)
    fresh = Loan.objects.get(patient=swap.patient, ended_on__isnull=True)
    assert fresh.started_on == TODAY() and old.ended_on == TODAY() - dt.timedelta(days=1)
    assert old.device.status == "in_transit" and old.device.holder_patient is None
    # The pickup then only records the collection.
    pickups.pickup_plan(swap.h, pickup.pk, planned_date=TODAY())
    pickups.pickup_picked_up(swap.h, pickup.pk)
    old.refresh_from_db()
    assert old.ended_on == TODAY() - dt.timedelta(days=1)
    months = sorted({days(-10).replace(day=1), TODAY().replace(day=1)})
    charged = _rent_days([old.pk, fresh.pk], months)
    assert charged[old.pk][0] == days(-10) and charged[old.pk][-1] == days(-1)
    assert charged[fresh.pk][0] == TODAY()
    assert not set(charged[old.pk]) & set(charged[fresh.pk])  # no day twice
    assert len(charged[old.pk]) == 10


def test_old_device_collected_first_still_no_day_twice(swap):
    new = exchange.exchange_create(swap.p, swap.loan.pk, article_number=swap.big.article_number,
                                   reason="worn_out")
    pickup = Order.objects.get(pk=new.extra["exchange"]["pickup_id"])
    pickups.pickup_plan(swap.h, pickup.pk, planned_date=TODAY())
    pickups.pickup_picked_up(swap.h, pickup.pk)
    old = Loan.objects.get(pk=swap.loan.pk)
    assert old.ended_on == days(-1)  # at the latest the day before the pickup
    _deliver(swap, new)
    fresh = Loan.objects.get(patient=swap.patient, ended_on__isnull=True)
    months = sorted({days(-10).replace(day=1), TODAY().replace(day=1)})
    charged = _rent_days([old.pk, fresh.pk], months)
    assert not set(charged[old.pk]) & set(charged[fresh.pk])


def test_trial_and_time_limited_before_the_return_date_may_be_exchanged(swap):
    from stock import services as stock_services

    swap.loan = stock_services.loan_terms_change(loan=swap.loan, loan_type=L.TIME_LIMITED, loan_until=days(20))
    assert exchange.exchangeable(swap.loan) == ""
    assert exchange.exchangeable(swap.loan, today=days(20)) == ""
    assert "skulle ha lämnats tillbaka" in exchange.exchangeable(swap.loan, today=days(21))
    new = exchange.exchange_create(swap.p, swap.loan.pk, article_number=swap.big.article_number,
                                   reason="needs_changed")
    line = new.lines.get()
    assert (line.loan_type, line.loan_until) == (L.TIME_LIMITED, days(20))


@pytest.mark.parametrize(("terms", "words"), [
    ((L.SHORT_TERM, None), "korttidslån"),
    ((L.TIME_LIMITED, -1), "skulle ha lämnats tillbaka"),
])
def test_refused_loans(swap, terms, words):
    Loan.objects.filter(pk=swap.loan.pk).update(loan_type=terms[0],
                                                loan_until=None if terms[1] is None else days(terms[1]))
    before = Order.objects.count()
    with pytest.raises(Conflict) as exc:
        exchange.exchange_create(swap.p, swap.loan.pk, article_number=swap.big.article_number, reason="worn_out")
    assert words in exc.value.message.lower() or words in exc.value.message
    assert Order.objects.count() == before


def test_refused_input_and_states(swap, make_user):
    with pytest.raises(ValidationFailed) as exc:
        exchange.exchange_create(swap.p, swap.loan.pk, article_number=swap.big.article_number, reason="bored")
    assert "reason" in exc.value.errors
    with pytest.raises(ValidationFailed) as exc:
        exchange.exchange_create(swap.p, swap.loan.pk, article_number=swap.cushion.article_number,
                                 reason="worn_out")
    assert "individmärkt" in exc.value.errors["article_number"][0]
    other = principal_for_user(make_user(Role.PRESCRIBER, "municipality"))
    with pytest.raises(NotFound):
        exchange.exchange_create(other, swap.loan.pk, article_number=swap.big.article_number, reason="worn_out")
    exchange.exchange_create(swap.p, swap.loan.pk, article_number=swap.big.article_number, reason="worn_out")
    with pytest.raises(Conflict) as exc:  # the pickup of the first exchange is open
        exchange.exchange_create(swap.p, swap.loan.pk, article_number=swap.big.article_number, reason="worn_out")
    assert exc.value.code in ("pickup_exists", "exchange_exists")


def test_a_loan_that_started_today_waits_until_tomorrow(stocked):
    from .test_loans import lent

    _order, loan = lent(stocked, L.PERMANENT, None)
    with pytest.raises(Conflict) as exc:
        exchange.exchange_create(stocked.p, loan.pk, article_number=stocked.chair.article_number, reason="worn_out")
    assert "i morgon" in exc.value.message


def test_exchange_page(swap):
    from django.test import Client

    c = login_verified(Client(), swap.prescriber)
    url = reverse("ordering:loan_exchange", args=[swap.loan.pk])
    page = c.get(url)
    assert page.status_code == 200 and "Fel storlek" in page.content.decode()
    r = c.post(url, {"article_number": swap.big.article_number})
    assert r.status_code == 422
    r = c.post(url, {"article_number": swap.big.article_number, "reason": "wrong_size"})
    assert r.status_code == 302
    new = Order.objects.filter(extra__exchange__loan_id=swap.loan.pk, order_type="customer").get()
    assert r["Location"] == reverse("ordering:order_detail", args=[new.pk])
    assert loans.loan_for_customer(swap.p, swap.loan.pk).ended_on is None
