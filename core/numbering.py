"""Numbers with a prefix and a zero-padded running number, e.g. KO0000123 (orders AO, HO, AV,
return receipts RK …).

PostgreSQL: one database SEQUENCE per prefix, created on first use. `nextval` never blocks, so
concurrent transactions that each need a number do not wait for each other; a rolled-back
transaction leaves a gap, which is acceptable for these numbers. (A counter row would hold its
lock until the whole order transaction commits and serialise every submission: measured ~14
orders/s over HTTP at any concurrency, against 135–148/s with the sequence.)

The order prefixes' sequences are created by a migration (`ordering/migrations/0005_…`); another
prefix gets its sequence on first use.

SQLite serialises writers anyway (IMMEDIATE transactions): a counter row per prefix, taken in
one statement (`INSERT … ON CONFLICT DO UPDATE … RETURNING`, SQLite 3.35+): the first number of
a prefix inserts its row, every later one increments it; no savepoint, no second read. Inside
the caller's transaction a rollback takes the increment back with it (no gap on SQLite).

So a number costs one statement on both databases (issue 12: the withdrawal's p95)."""
from __future__ import annotations

import re

from django.db import DatabaseError, connection, transaction

from .models import NumberSequence

_PREFIX_RE = re.compile(r"^[A-Z]{1,8}$")


def _check_prefix(prefix: str) -> None:
    if not _PREFIX_RE.match(prefix or ""):
        raise ValueError("number prefix must be 1–8 capital letters A–Z")


def sequence_name(prefix: str) -> str:
    _check_prefix(prefix)
    return f"lyfta_number_{prefix.lower()}"


def next_number(prefix: str, width: int = 7) -> str:
    _check_prefix(prefix)
    value = _from_sequence(prefix) if connection.vendor == "postgresql" else _from_counter(prefix)
    return f"{prefix}{value:0{width}d}"


def _from_counter(prefix: str) -> int:
    table = NumberSequence._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(f'INSERT INTO "{table}" ("prefix", "last_value") VALUES (%s, 1) '
                       f'ON CONFLICT ("prefix") DO UPDATE SET "last_value" = "{table}"."last_value" + 1 '
                       'RETURNING "last_value"', [prefix])
        return cursor.fetchone()[0]


def _create_sequence(prefix: str) -> None:
    # Continue after the counter, for a database that numbered with it before.
    start = (NumberSequence.objects.filter(prefix=prefix).values_list("last_value", flat=True).first() or 0) + 1
    with connection.cursor() as cursor:
        cursor.execute(f"CREATE SEQUENCE IF NOT EXISTS {sequence_name(prefix)} START WITH {int(start)}")


def _from_sequence(prefix: str) -> int:
    """One statement, no savepoint: `to_regclass` guards `nextval`, so a missing sequence answers
    NULL instead of aborting the caller's transaction; only then is it created (in a savepoint,
    since a concurrent transaction may create it at the same moment) and asked again."""
    name = sequence_name(prefix)
    with connection.cursor() as cursor:
        cursor.execute("SELECT CASE WHEN to_regclass(%s) IS NOT NULL THEN nextval(%s::text::regclass) END",
                       [name, name])
        value = cursor.fetchone()[0]
    if value is not None:
        return value
    try:
        with transaction.atomic():
            _create_sequence(prefix)
    except DatabaseError:
        pass  # created by a concurrent transaction
    with connection.cursor() as cursor:
        cursor.execute("SELECT nextval(%s::text::regclass)", [name])
        return cursor.fetchone()[0]
