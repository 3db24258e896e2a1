"""Entry-point services own their transaction: a caller cannot silently wrap one in its own
(RuntimeError), only say so with `composed()`; inside, nested entry points join that transaction."""
import pytest
from django.db import transaction

from core.transactions import composed, entry_point

calls = []


@entry_point
def inner():
    calls.append(transaction.get_connection().in_atomic_block)
    return "ok"


@entry_point
def outer():
    return inner()


@pytest.mark.django_db(transaction=True)
def test_entry_point_refuses_a_silent_wrapper_but_not_composition():
    assert inner() == "ok"
    with pytest.raises(RuntimeError), transaction.atomic():
        inner()
    with composed():
        assert inner() == "ok" and outer() == "ok"
    assert outer() == "ok"


@pytest.mark.django_db(transaction=True)
def test_a_failing_part_of_a_composition_rolls_back_the_whole():
    from core.models import NumberSequence  # any small table of core's

    @entry_point
    def write(prefix):
        NumberSequence.objects.create(prefix=prefix, last_value=1)

    with pytest.raises(ValueError), composed():
        write("TX")
        raise ValueError("the second part failed")
    assert not NumberSequence.objects.filter(prefix="TX").exists()
