"""Order numbers: unique, prefixed, continuing after numbers already used."""
import pytest
from django.db import connection

from ordering.models import Order
from ordering.numbering import next_order_number


def test_numbers_are_unique_and_prefixed(db):
    numbers = [next_order_number("KO") for _ in range(5)]
    assert len(set(numbers)) == 5 and all(n.startswith("KO") and len(n) == 9 for n in numbers)
    assert next_order_number("AO").startswith("AO")


def test_sequence_starts_after_stored_numbers(world):
    if connection.vendor == "postgresql":
        with connection.cursor() as cur:
            cur.execute("DROP SEQUENCE IF EXISTS ordering_number_ho")
    Order.objects.create(number="HO0000041", order_type="pickup", customer=world["region"])
    assert next_order_number("HO") > "HO0000041"


def test_bad_prefix_is_refused(db):
    if connection.vendor == "postgresql":
        with pytest.raises(ValueError):
            next_order_number("K'O")
    else:
        assert next_order_number("XY").startswith("XY")
