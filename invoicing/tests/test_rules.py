"""Table-driven tests of the charge rules (pure functions first, then the rules on data)."""
import datetime as dt
from decimal import Decimal

import pytest

from catalogue import pricing
from catalogue.models import ArticlePrice
from invoicing import charges as ch

D = dt.date
T = pricing.Terms(markup_percent=Decimal(10), special_rent_percent=Decimal("2.5"), hourly_rate=60000,
                  urgent_hourly_rate=90000, urgent_delivery_fee=45000, failed_delivery_fee=30000)


@pytest.mark.parametrize("kronor, ore", [
    ("0", 0), ("1", 100), ("12.345", 1235), ("12.344", 1234), ("0.005", 1), (None, 0), (Decimal("350.00"), 35000),
])
def test_to_ore_rounds_half_up(kronor, ore):
    assert pricing.to_ore(kronor) == ore


@pytest.mark.parametrize("monthly, days, dim, expected", [
    (35000, 31, 31, 35000),      # whole month
    (35000, 1, 31, 1129),        # one day: 1129.03 → 1129
    (35000, 15, 30, 17500),
    (35000, 29, 29, 35000),      # February of a leap year
    (35000, 1, 29, 1207),        # 1206.9 → 1207
    (35000, 1, 28, 1250),
    (10001, 1, 2, 5001),         # 5000.5 → 5001 (half up)
])
def test_rent_for_days(monthly, days, dim, expected):
    assert pricing.rent_for_days(monthly, days, dim) == expected


@pytest.mark.parametrize("price, markup, expected", [
    (120000, "10", 132000), (120000, "0", 120000), (999, "12.5", 1124), (1, "50", 2),
])
def test_purchase_unit_price(price, markup, expected):
    assert pricing.purchase_unit_price(price, pricing.Terms(markup_percent=Decimal(markup))) == expected


@pytest.mark.parametrize("purchase, pct, expected", [(2000000, "2.5", 50000), (199, "2.5", 5), (0, "3", 0)])
def test_special_request_monthly_rent(purchase, pct, expected):
    terms = pricing.Terms(special_rent_percent=Decimal(pct))
    assert pricing.special_request_monthly_rent(purchase, terms) == expected


@pytest.mark.parametrize("hours, urgent, expected", [
    ("1.5", False, 90000), ("1.5", True, 135000), ("0.25", False, 15000), ("2", True, 180000),
])
def test_service_amount(hours, urgent, expected):
    assert pricing.service_amount(Decimal(hours), pricing.service_rate(T, urgent=urgent)) == expected


@pytest.mark.parametrize("start, end, month, expected", [
    (D(2026, 3, 10), None, D(2026, 3, 1), (D(2026, 3, 10), D(2026, 3, 31))),
    (D(2026, 1, 10), None, D(2026, 3, 1), (D(2026, 3, 1), D(2026, 3, 31))),
    (D(2026, 3, 10), D(2026, 3, 10), D(2026, 3, 1), (D(2026, 3, 10), D(2026, 3, 10))),  # one day
    (D(2026, 2, 20), D(2026, 3, 1), D(2026, 3, 1), (D(2026, 3, 1), D(2026, 3, 1))),     # ends on the 1st
    (D(2026, 2, 20), D(2026, 2, 28), D(2026, 3, 1), None),
    (D(2026, 4, 1), None, D(2026, 3, 1), None),
    (D(2024, 2, 1), None, D(2024, 2, 1), (D(2024, 2, 1), D(2024, 2, 29))),              # leap year
])
def test_loan_days(start, end, month, expected):
    assert ch.loan_days(start, end, month) == expected


def _row(valid_from, valid_to, rent=None, purchase=None):
    return ArticlePrice(valid_from=valid_from, valid_to=valid_to, charging="rent",
                        monthly_rent=Decimal(rent) if rent else None,
                        purchase_price=Decimal(purchase) if purchase else None)


def _loan(**kw):
    base = dict(id=1, started_on=D(2026, 3, 1), ended_on=None, customer_id=10, customer_kind="region",
                cost_centre_id=5, patient_id=7, patient_customer_id=10, patient_customer_kind="region",
                patient_identity="195001011234", device_id=3, serial="SN1", device_purchase_price=None,
                article_id=9, article_number="A1", article_name="Rullstol", charging="rent", in_assortment=True,
                article_monthly_rent=Decimal(350), article_purchase_price=None)
    base.update(kw)
    return base


class _Terms:
    def on(self, day):
        return T


RENT_CASES = [
    # (loan overrides, price rows, month, [(from, to, monthly öre, amount öre)])
    ("whole month", {}, [_row(D(2020, 1, 1), None, rent="310")], D(2026, 3, 1),
     [(D(2026, 3, 1), D(2026, 3, 31), 31000, 31000)]),
    ("starts mid-month", {"started_on": D(2026, 3, 17)}, [_row(D(2020, 1, 1), None, rent="310")], D(2026, 3, 1),
     [(D(2026, 3, 17), D(2026, 3, 31), 31000, 15000)]),
    ("one-day loan", {"started_on": D(2026, 3, 5), "ended_on": D(2026, 3, 5)}, [_row(D(2020, 1, 1), None, rent="310")],
     D(2026, 3, 1), [(D(2026, 3, 5), D(2026, 3, 5), 31000, 1000)]),
    ("leap February", {"started_on": D(2024, 1, 1)}, [_row(D(2020, 1, 1), None, rent="290")], D(2024, 2, 1),
     [(D(2024, 2, 1), D(2024, 2, 29), 29000, 29000)]),
    ("leap February, one day", {"started_on": D(2024, 2, 29), "ended_on": D(2024, 3, 2)},
     [_row(D(2020, 1, 1), None, rent="290")], D(2024, 2, 1), [(D(2024, 2, 29), D(2024, 2, 29), 29000, 1000)]),
    ("ends in the month", {"started_on": D(2025, 12, 1), "ended_on": D(2026, 2, 14)},
     [_row(D(2020, 1, 1), None, rent="280")], D(2026, 2, 1), [(D(2026, 2, 1), D(2026, 2, 14), 28000, 14000)]),
    ("price change mid-month splits", {}, [_row(D(2020, 1, 1), D(2026, 3, 15), rent="310"),
                                           _row(D(2026, 3, 16), None, rent="620")], D(2026, 3, 1),
     [(D(2026, 3, 1), D(2026, 3, 15), 31000, 15000), (D(2026, 3, 16), D(2026, 3, 31), 62000, 32000)]),
    ("later row splits even without valid_to", {}, [_row(D(2020, 1, 1), None, rent="310"),
                                                    _row(D(2026, 3, 16), None, rent="620")], D(2026, 3, 1),
     [(D(2026, 3, 1), D(2026, 3, 15), 31000, 15000), (D(2026, 3, 16), D(2026, 3, 31), 62000, 32000)]),
    ("price starts mid-month: article's price before", {}, [_row(D(2026, 3, 11), None, rent="620")],
     D(2026, 3, 1), [(D(2026, 3, 1), D(2026, 3, 10), 35000, 11290), (D(2026, 3, 11), D(2026, 3, 31), 62000, 42000)]),
    ("no price row: article's price", {}, [], D(2026, 3, 1), [(D(2026, 3, 1), D(2026, 3, 31), 35000, 35000)]),
    ("special request: % of device purchase price",
     {"in_assortment": False, "charging": "purchase", "device_purchase_price": Decimal(12400)}, [],
     D(2026, 3, 1), [(D(2026, 3, 1), D(2026, 3, 31), 31000, 31000)]),
    ("purchase article: no rent", {"charging": "purchase"}, [], D(2026, 3, 1), []),
    ("outside the month", {"started_on": D(2026, 4, 1)}, [], D(2026, 3, 1), []),
]


@pytest.mark.parametrize("overrides, rows, month, expected", [c[1:] for c in RENT_CASES],
                         ids=[c[0] for c in RENT_CASES])
def test_rent_pieces(overrides, rows, month, expected):
    pieces = ch.rent_pieces(loan=_loan(**overrides), month=month, price_rows=rows, terms=_Terms())
    assert [(p.period_from, p.period_to, p.unit_price_ore, p.amount_ore) for p in pieces] == expected
    assert len({p.key for p in pieces}) == len(pieces)


@pytest.mark.parametrize("loan_kind, patient_customer, patient_kind, charged, identity, cost_centre", [
    ("region", 10, "region", 10, "195001011234", 5),        # own patient
    ("region", 20, "region", 20, "195001011234", None),     # patient from another region: charged there
    ("municipality", 20, "region", 10, "", 5),              # not a region pair: ordering customer, no identity
    ("region", 30, "municipality", 10, "", 5),
])
def test_customer_and_identity(loan_kind, patient_customer, patient_kind, charged, identity, cost_centre):
    loan = _loan(customer_kind=loan_kind, patient_customer_id=patient_customer, patient_customer_kind=patient_kind)
    (piece,) = ch.rent_pieces(loan=loan, month=D(2026, 3, 1), price_rows=[], terms=_Terms())
    assert (piece.customer_id, piece.patient_identity, piece.cost_centre_id) == (charged, identity, cost_centre)


def test_estimate_uses_the_same_rules():
    items = [("rent", True, Decimal(350), None, 2), ("purchase", True, None, Decimal(1200), 1),
             ("purchase", False, None, Decimal(20000), 1)]
    est = pricing.estimate(items, T, urgent=True)
    assert est == pricing.Estimate(monthly_rent=2 * 35000 + 50000, purchases=132000, urgent_fee=45000)


def _mv(i, device, location, day, qty):
    return {"id": i, "device_id": device, "location_id": location, "day": day, "quantity": qty}


@pytest.mark.parametrize("moves, expected", [
    ([_mv(1, 1, 9, D(2026, 3, 5), 1)], [(D(2026, 3, 5), None)]),
    ([_mv(1, 1, 9, D(2026, 3, 5), 1), _mv(2, 1, 9, D(2026, 3, 20), -1)], [(D(2026, 3, 5), D(2026, 3, 19))]),
    ([_mv(1, 1, 9, D(2026, 3, 5), 1), _mv(2, 1, 9, D(2026, 3, 5), -1)], []),          # in and out the same day
    ([_mv(1, 1, 9, D(2026, 3, 1), 1), _mv(2, 1, 9, D(2026, 3, 3), -1), _mv(3, 1, 9, D(2026, 3, 10), 1)],
     [(D(2026, 3, 1), D(2026, 3, 2)), (D(2026, 3, 10), None)]),
    ([_mv(1, 1, 9, D(2026, 4, 2), 1)], []),                                            # after the month
])
def test_buffer_stays(moves, expected):
    stays = ch.buffer_stays(moves, D(2026, 3, 31))
    assert [(s["started_on"], s["ended_on"]) for s in stays] == expected
