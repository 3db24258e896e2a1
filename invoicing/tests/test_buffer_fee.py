"""The buffer-store monthly fee by tier (issue 12): the tier from the store's size (its number of
reorder rules), table-driven; and the charge in a month's invoice basis."""
import datetime as dt

import pytest
from django.test import override_settings

from invoicing import services
from invoicing.charges import buffer_store_tier
from invoicing.models import InvoiceLine
from ordering.tests import factories as of
from stock.buffer import services as buffer_stock
from stock.models import ReorderRule

D = dt.date


@pytest.mark.parametrize("rules, expected", [
    (0, None),
    (1, ("Liten", 50000)),
    (10, ("Liten", 50000)),
    (11, ("Mellan", 90000)),
    (40, ("Mellan", 90000)),
    (41, ("Stor", 150000)),
    (4000, ("Stor", 150000)),
])
def test_tier_by_store_size(rules, expected):
    assert buffer_store_tier(rules) == expected


@pytest.mark.parametrize("rules, expected", [(2, ("A", 10000)), (3, ("B", 25050)), (99, ("B", 25050))])
def test_tiers_from_settings(rules, expected):
    with override_settings(LYFTA_BUFFER_STORE_FEE_TIERS=((2, "A", 100), (None, "B", "250.50"))):
        assert buffer_store_tier(rules) == expected


@pytest.mark.django_db
@pytest.mark.parametrize("n_rules, fee_ore", [(0, None), (3, 50000), (12, 90000)])
def test_monthly_fee_in_the_invoice_basis(world, n_rules, fee_ore):
    today = dt.date.today()
    unit = world["municipality_unit"]
    store = buffer_stock.store_create(name="Förråd Testby", unit_id=unit.pk)
    for _ in range(n_rules):
        buffer_stock.reorder_rule_set(store=store, article_number=of.article(price="5.00").article_number,
                                      safety_level=1, refill_level=5)
    assert ReorderRule.objects.filter(store=store).count() == n_rules
    month = services.invoice_month_open(month=today)
    services.invoice_month_compute(month_id=month.pk)
    lines = list(InvoiceLine.objects.filter(month=month, rule="buffer_store_fee"))
    if fee_ore is None:
        assert lines == []
        return
    (line,) = lines
    assert (line.customer_id, line.unit_id, line.amount_ore) == (world["municipality"].pk, unit.pk, fee_ore)
    assert line.cost_centre_id == unit.default_cost_centre_id and store.code in line.text
    # The month before the store existed pays nothing.
    earlier = services.invoice_month_open(month=(today.replace(day=1) - dt.timedelta(days=1)))
    services.invoice_month_compute(month_id=earlier.pk)
    assert not InvoiceLine.objects.filter(month=earlier, rule="buffer_store_fee").exists()
