"""Order numbers (KO, AO, HO, AV …) without a long-held lock.

`core.numbering.next_number` increments a counter row; its row lock is held until the order's
whole transaction commits, which serialises every order submission (measured: ~14 orders/s
over HTTP at any concurrency). On PostgreSQL this module takes the number from a database
SEQUENCE per prefix instead: `nextval` never blocks, and a rolled-back order leaves a gap in
the numbering (acceptable for order numbers). The sequence is created on first use, starting
after both the core counter and the highest number already stored. SQLite serialises writers
anyway and keeps using the counter. Use this for every order number so the two never mix for
one prefix."""
from __future__ import annotations

from django.db import DatabaseError, connection, transaction

from core.numbering import next_number

WIDTH = 7


def sequence_name(prefix: str) -> str:
    if not prefix.isalpha() or len(prefix) > 4:
        raise ValueError("order number prefix must be 1–4 letters")
    return f"ordering_number_{prefix.lower()}"


def _create_sequence(prefix: str) -> None:
    from core.models import NumberSequence

    from .models import Order

    counter = NumberSequence.objects.filter(prefix=prefix).values_list("last_value", flat=True).first() or 0
    # The highest stored number with this prefix (numbers are fixed width: the unique index serves this).
    last = (Order.objects.filter(number__startswith=prefix, number__regex=rf"^{prefix}[0-9]+$")
            .order_by("-number").values_list("number", flat=True).first())
    used = int(last[len(prefix):]) if last else 0
    start = max(counter, used) + 1
    with connection.cursor() as cur:
        cur.execute(f"CREATE SEQUENCE IF NOT EXISTS {sequence_name(prefix)} START WITH {int(start)}")


def next_order_number(prefix: str) -> str:
    if connection.vendor != "postgresql":
        from .models import Order

        number = next_number(prefix, WIDTH)
        while Order.objects.filter(number=number).exists():  # numbers stored by imports/fallback entry
            number = next_number(prefix, WIDTH)
        return number
    name = sequence_name(prefix)
    for attempt in range(3):
        try:
            with transaction.atomic(), connection.cursor() as cur:
                cur.execute("SELECT nextval(%s)", [name])
                value = cur.fetchone()[0]
            return f"{prefix}{value:0{WIDTH}d}"
        except DatabaseError:
            if attempt == 2:
                raise
            try:
                with transaction.atomic():
                    _create_sequence(prefix)
            except DatabaseError:
                pass  # created concurrently by another transaction: retry nextval
    raise RuntimeError("unreachable")
