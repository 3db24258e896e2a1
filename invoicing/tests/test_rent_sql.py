"""The set-based rent (`invoicing.rentsql`, what the month computation writes) gives exactly the
charges of the Python reference rule (`charges.rent_charges`), on a generated data set with the
awkward cases mixed in: price changes and gaps mid-month, articles without price rows, articles
outside the assortment (with and without the device's purchase price), loans of one day, loans
that start before / end inside / end after the month, patients from another region, loans with
and without an order in `source_ref`, a leap-year February. Runs on SQLite and PostgreSQL."""
import datetime as dt
import random
from decimal import Decimal

import pytest

from catalogue.models import PriceList
from invoicing import charges as ch
from invoicing import rentsql, services
from invoicing.models import InvoiceLine
from ordering.tests import factories as of
from tests import factories as f

from .conftest import D, loan, order, price

pytestmark = pytest.mark.django_db

MONTHS = [D(2028, 2, 1), D(2026, 3, 1), D(2026, 4, 1), D(2026, 12, 1)]


@pytest.fixture
def generated(base):
    rnd = random.Random(13)
    b = base
    other_region = f.OrganisationFactory(name="Region Annan", kind="region")
    other_cc = f.CostCentreFactory(organisation=b["municipality"])
    patients = ([of.patient(b["region"]) for _ in range(4)] + [of.patient(other_region) for _ in range(2)]
                + [of.patient(b["municipality"])])
    # a second price list from 2026-03-20 (another special-request percentage, mid-month)
    PriceList.objects.create(code="PL-B", name="Prislista B", valid_from=D(2026, 3, 20),
                             special_rent_percent=Decimal("3.25"), markup_percent=Decimal(5))
    articles = []
    for i in range(8):
        a = of.article(name=f"Hyrartikel {i}", rent=f"{rnd.randint(100, 1500)}.{rnd.randint(0, 99):02d}",
                       price=f"{rnd.randint(3000, 40000)}.50", tracked=True)
        articles.append(a)
        if i % 4 == 0:
            continue  # no price rows: the article's own price
        price(a, valid_from=D(2020, 1, 1), valid_to=D(2026, 3, 14), rent="310.55", purchase="9999.99")
        if i % 4 == 1:
            price(a, valid_from=D(2026, 3, 15), rent="333.33")                      # change mid-month
        elif i % 4 == 2:
            price(a, valid_from=D(2026, 3, 20), valid_to=D(2026, 4, 9), rent="1.01")  # gap 15-19 March
            price(a, valid_from=D(2026, 4, 20), rent="777.77", purchase=None)       # gap 10-19 April
        else:
            price(a, valid_from=D(2026, 3, 1), rent="0.00")                         # free from March
    for i in range(3):  # outside the assortment (special request): a percentage of the purchase price
        a = of.article(name=f"Särskild {i}", rent="100.00" if i else None, price=f"{12345 + i * 1000}.45",
                       tracked=True)
        a.in_assortment = False
        a.save(update_fields=["in_assortment"])
        if i == 1:
            price(a, valid_from=D(2026, 3, 10), rent="100.00", purchase="20000.00")
        articles.append(a)
    articles.append(of.cushion())  # a purchase article on loan: no rent
    orders = [order(customer=b["region"], unit=b["unit"], cost_centre=b["cc"]) for _ in range(3)]
    days = [D(2025, 12, 30), D(2026, 2, 28), D(2026, 3, 1), D(2026, 3, 14), D(2026, 3, 15), D(2026, 3, 19),
            D(2026, 3, 31), D(2026, 4, 10), D(2026, 4, 30), D(2026, 12, 31), D(2028, 2, 28), D(2028, 2, 29)]
    for _ in range(90):
        start = rnd.choice(days)
        end = rnd.choice([None, None, start, start + dt.timedelta(days=rnd.randint(0, 80))])
        customer, cc = rnd.choice([(b["region"], b["cc"]), (b["region"], None), (b["municipality"], other_cc)])
        ref = rnd.choice(["", f"{rnd.choice(orders).number} rad 1", "KO999999", "utan nummer"])
        loan(article=rnd.choice(articles), customer=customer, patient=rnd.choice(patients), start=start, end=end,
             cost_centre=cc, ref=ref, purchase_price=rnd.choice([None, Decimal("25000.05")]))
    return b


@pytest.mark.parametrize("month", MONTHS, ids=lambda m: f"{m:%Y-%m}")
@pytest.mark.parametrize("batch", [7, 100_000])
def test_sql_rent_equals_the_reference(generated, month, batch, monkeypatch):
    monkeypatch.setattr(rentsql, "BATCH", batch)
    monkeypatch.setattr(ch, "LOAN_BATCH", batch)
    terms = ch.TermsCalendar()
    reference = list(ch.rent_charges(month, terms))
    assert list(rentsql.rent_charges(month, terms)) == reference
    assert len(reference) > 10
    if month == D(2026, 3, 1):  # the cases are all there
        rules = {c.rule for c in reference}
        assert rules == {"rent", "special_rent"}
        assert any(c.cost_centre_id is None and c.patient_identity for c in reference)  # moved to the patient's region
        assert any(c.order_id for c in reference) and any(not c.order_id for c in reference)
        assert any(c.quantity == 1 for c in reference)
        assert len({c.unit_price_ore for c in reference if c.rule == "special_rent"}) > 2


def test_the_computed_month_has_the_reference_lines(generated):
    """The month written by the service (rent with INSERT … SELECT, the rest as before) holds, in
    the same order, exactly the charges of the Python reference."""
    month = services.invoice_month_open(month=D(2026, 3, 1))
    services.invoice_month_compute(month_id=month.pk)
    written = [tuple(row) for row in InvoiceLine.objects.filter(month=month).order_by("id")
               .values_list(*ch.CHARGE_FIELDS)]
    reference = [c.as_row() for c in ch.month_charges(month.month, rent="python")]
    assert written == reference
    assert sum(1 for r in written if r[1] in ("rent", "special_rent")) > 10
