"""Order numbers: unique, prefixed, continuing after numbers already used."""
import pytest
from django.db import connection

from ordering.models import Order
from ordering.numbering import next_order_number


def test_numbers_are_unique_and_prefixed(db):
    numbers = [next_order_number("KO") for _ in range(5)]
    assert len(set(numbers)) == 5 and all(n.startswith("KO") and len(n) == 9 for n in numbers)
    assert next_order_number("AO").startswith("AO")


def test_numbers_already_stored_are_never_reused(world):
    if connection.vendor == "postgresql":
        with connection.cursor() as cur:
            cur.execute("DROP SEQUENCE IF EXISTS ordering_number_ho")
    stored = {"HO0000001", "HO0000041"}
    for number in stored:
        Order.objects.create(number=number, order_type="pickup", customer=world["region"])
    fresh = [next_order_number("HO") for _ in range(3)]
    assert not stored & set(fresh) and len(set(fresh)) == 3


def test_bad_prefix_is_refused(db):
    if connection.vendor == "postgresql":
        with pytest.raises(ValueError):
            next_order_number("K'O")
    else:
        assert next_order_number("XY").startswith("XY")
