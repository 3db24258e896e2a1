"""The rent of a month's loans as one set-based SQL statement per batch of loans (PostgreSQL and
SQLite), for `invoicing.services` to write with INSERT … SELECT, or as `Charge`s.

It gives exactly the lines of the Python rule `charges.rent_charges` (the reference, kept for
tests and clarity; `invoicing/tests/test_rent_sql.py` compares the two on generated data on both
databases). What stays in Python is small and per article or per day, not per loan:

- the price periods of every rent article inside the month, from the reference function
  `catalogue.pricing.periods_in` itself, with the monthly rent and purchase price in öre
  (the article's own price where no period covers a day), written to a temporary table
  `inv_rent_segment` (about one row per article);
- the special-request percentage per day of the month (`TermsCalendar`), as ranges in basis
  points (hundredths of a percent; the price list stores two decimals) in `inv_rent_terms`.

The statement joins the loans overlapping the month with their device, article, patient,
customers, the order named in `source_ref` and the segments, and computes each piece's days,
monthly rent and amount in integer arithmetic (half up, as `catalogue.pricing._round`):
no floating point, no per-row Python."""
from __future__ import annotations

import datetime as dt
import re
from collections import namedtuple
from collections.abc import Callable, Iterator
from decimal import Decimal

from django.db import connection

from catalogue import pricing

from . import charges as ch

# Loans per statement: the progress shown is per batch; per loan, 100,000 took half the time of
# 20,000 at full planning scale (each statement scans the devices once).
BATCH = 100_000
SEGMENTS = "inv_rent_segment"
TERMS = "inv_rent_terms"
_PriceRow = namedtuple("_PriceRow", "valid_from valid_to replaced_at monthly_rent purchase_price")


def _postgres() -> bool:
    return connection.vendor == "postgresql"


def _half_up(numerator: str, denominator: str) -> str:
    """SQL for round-half-up(numerator / denominator) on integers (denominator > 0); integer
    division truncates toward zero on both databases."""
    return (f"(CASE WHEN ({numerator}) < 0 THEN -((2 * -({numerator}) + {denominator}) / (2 * {denominator})) "
            f"ELSE (2 * ({numerator}) + {denominator}) / (2 * {denominator}) END)")


def _dialect() -> dict[str, str]:
    if _postgres():
        return {"days": "(q.pt - q.pf + 1)", "ymd": "to_char(q.pf, 'YYYYMMDD')",
                "ore": "CAST(round(q.device_price * 100) AS bigint)", "greatest": "GREATEST", "least": "LEAST",
                "ref": f"substring(l.source_ref from '{ch.REF_PATTERN}')", "date": "CAST(%s AS date)",
                "text": "text"}
    return {"days": "CAST(julianday(q.pt) - julianday(q.pf) + 1 AS INTEGER)", "ymd": "strftime('%%Y%%m%%d', q.pf)",
            "ore": "CAST(round(q.device_price * 100) AS INTEGER)", "greatest": "max", "least": "min",
            "ref": "lyfta_ref_number(l.source_ref)", "date": "%s", "text": "TEXT"}


def _select_sql(days_in_month: int) -> str:
    """The rent pieces of the loans with lo <= id < hi, in `CHARGE_FIELDS` order, ordered by loan
    and first day. Parameters: the month's last and first day, then lo and hi."""
    from access.models import Organisation
    from catalogue.models import Article
    from ordering.models import Order
    from patients.models import Patient
    from stock.models import Device, Loan

    d = _dialect()
    dim = int(days_in_month)
    region = Organisation.Kind.REGION.value
    t = {m.__name__: m._meta.db_table for m in (Organisation, Article, Order, Patient, Device, Loan)}
    # pieces: one row per loan and price segment inside the loan's days of the month
    pieces = f"""
        SELECT l.id AS loan_id, l.device_id, l.patient_id, l.customer_id AS loan_customer_id,
               l.cost_centre_id, {d['ref']} AS ref, d.serial, d.purchase_price AS device_price,
               d.article_id, a.article_number, a.name AS article_name, a.in_assortment,
               lc.kind AS loan_customer_kind, p.customer_id AS patient_customer_id,
               pc.kind AS patient_customer_kind, p.identity_number, s.rent_ore, s.purchase_ore,
               {d['greatest']}(l.started_on, s.seg_from) AS pf,
               {d['least']}(COALESCE(l.ended_on, s.seg_to), s.seg_to) AS pt
        FROM {t['Loan']} l
        JOIN {t['Device']} d ON d.id = l.device_id
        JOIN {t['Article']} a ON a.id = d.article_id
        JOIN {SEGMENTS} s ON s.article_id = d.article_id AND s.seg_to >= l.started_on
                         AND (l.ended_on IS NULL OR s.seg_from <= l.ended_on)
        JOIN {t['Patient']} p ON p.id = l.patient_id
        JOIN {t['Organisation']} lc ON lc.id = l.customer_id
        LEFT JOIN {t['Organisation']} pc ON pc.id = p.customer_id
        WHERE l.started_on <= {d['date']} AND (l.ended_on IS NULL OR l.ended_on >= {d['date']})
          AND (a.charging = 'rent' OR NOT a.in_assortment) AND l.id >= %s AND l.id < %s"""
    charged = (f"(CASE WHEN q.patient_customer_id IS NOT NULL AND q.patient_customer_id <> q.loan_customer_id "
               f"AND q.loan_customer_kind = '{region}' AND q.patient_customer_kind = '{region}' "
               f"THEN q.patient_customer_id ELSE q.loan_customer_id END)")
    moved = f"({charged} <> q.loan_customer_id)"
    special = _half_up(f"COALESCE({d['ore']}, q.purchase_ore) * tm.bp", "10000")
    # priced: who pays, the days and the monthly rent of each piece
    priced = f"""
        SELECT q.*, {charged} AS customer_id, CASE WHEN {moved} THEN NULL ELSE q.cost_centre_id END AS cc_id,
               {d['days']} AS days,
               CASE WHEN q.in_assortment THEN q.rent_ore ELSE {special} END AS monthly,
               {d['ymd']} AS ymd
        FROM ({pieces}) q
        JOIN {TERMS} tm ON q.pf >= tm.day_from AND q.pf <= tm.day_to
        WHERE q.pf <= q.pt"""
    amount = _half_up("r.monthly * r.days", str(dim))
    return f"""
        SELECT 'rent:' || CAST(r.loan_id AS {d['text']}) || ':' || r.ymd AS key,
               CASE WHEN r.in_assortment THEN 'rent' ELSE 'special_rent' END AS rule,
               r.customer_id, r.cc_id, o.unit_id, r.patient_id,
               CASE WHEN r.patient_customer_id = r.customer_id THEN COALESCE(r.identity_number, '') ELSE '' END,
               o.id, COALESCE(o.number, ''), r.device_id, r.serial, r.loan_id, r.article_id, r.article_number,
               substr(r.article_name || ' (' || CAST(r.days AS {d['text']}) || '/{dim} dagar)', 1, 300),
               r.pf, r.pt, r.days, r.monthly, {amount}
        FROM ({priced}) r
        LEFT JOIN {t['Order']} o ON o.number = r.ref
        ORDER BY r.loan_id, r.pf"""


def _create_tables(cursor) -> None:
    for name in (SEGMENTS, TERMS):
        cursor.execute(f"DROP TABLE IF EXISTS {name}")
    cursor.execute(f"CREATE TEMP TABLE {SEGMENTS} (article_id bigint NOT NULL, seg_from date NOT NULL, "
                   "seg_to date NOT NULL, rent_ore bigint NOT NULL, purchase_ore bigint NOT NULL)")
    cursor.execute(f"CREATE TEMP TABLE {TERMS} (day_from date NOT NULL, day_to date NOT NULL, bp bigint NOT NULL)")


def _drop_tables() -> None:
    with connection.cursor() as cursor:
        for name in (SEGMENTS, TERMS):
            cursor.execute(f"DROP TABLE IF EXISTS {name}")


def segments(month: dt.date) -> Iterator[tuple]:
    """(article_id, from, to, monthly rent öre, purchase price öre) for every article that can
    be rented (charged as rent, or outside the assortment), covering the whole month: the
    article's price periods as `pricing.periods_in` splits them, the article's own prices on
    days no period covers."""
    from django.db.models import Q

    from catalogue.models import Article, ArticlePrice

    start, end = ch.month_bounds(month)
    rentable = Q(charging="rent") | Q(in_assortment=False)
    prices: dict[int, list] = {}
    for article_id, *values in (ArticlePrice.objects.filter(replaced_at__isnull=True, valid_from__lte=end)
                                .filter(Q(valid_to__isnull=True) | Q(valid_to__gte=start))
                                .filter(article__in=Article.objects.filter(rentable))
                                .order_by("article_id", "valid_from", "id")
                                .values_list("article_id", "valid_from", "valid_to", "replaced_at", "monthly_rent",
                                             "purchase_price")):
        prices.setdefault(article_id, []).append(_PriceRow(*values))
    to_ore = pricing.to_ore
    for article_id, rent, purchase in (Article.objects.filter(rentable).order_by("id")
                                       .values_list("id", "monthly_rent", "purchase_price")):
        rows = prices.get(article_id)
        if not rows:
            yield (article_id, start, end, to_ore(rent), to_ore(purchase))
            continue
        for first, last, row in pricing.periods_in(rows, start, end):
            if row is None:
                yield (article_id, first, last, to_ore(rent), to_ore(purchase))
            else:
                yield (article_id, first, last, to_ore(row.monthly_rent), to_ore(row.purchase_price))


def terms_ranges(month: dt.date, terms: ch.TermsCalendar) -> list[tuple[dt.date, dt.date, int]]:
    """(from, to, special-request percentage in basis points) over the month's days."""
    start, end = ch.month_bounds(month)
    out: list[list] = []
    day = start
    while day <= end:
        pct = Decimal(terms.on(day).special_rent_percent) * 100
        if pct != pct.to_integral_value():
            raise ValueError(f"special_rent_percent with more than two decimals: {pct / 100}")
        bp = int(pct)
        if out and out[-1][2] == bp:
            out[-1][1] = day
        else:
            out.append([day, day, bp])
        day += ch.ONE_DAY
    return [tuple(r) for r in out]


def _fill(cursor, table: str, columns: str, rows) -> None:
    if _postgres():
        with cursor.cursor.copy(f"COPY {table} ({columns}) FROM STDIN") as cp:
            for row in rows:
                cp.write_row(row)
        cursor.execute(f"ANALYZE {table}")  # temporary tables are never analysed automatically
    else:
        marks = ", ".join(["%s"] * (columns.count(",") + 1))
        cursor.executemany(f"INSERT INTO {table} ({columns}) VALUES ({marks})", list(rows))


def _register_sqlite_functions() -> None:
    if not _postgres():
        connection.ensure_connection()
        pattern = re.compile(ch.REF_PATTERN)

        def ref_number(value):
            m = pattern.search(value or "")
            return m.group(0) if m else None

        connection.connection.create_function("lyfta_ref_number", 1, ref_number, deterministic=True)


def _batches(month: dt.date) -> tuple[int, list[int]]:
    """(number of loans overlapping the month, the first loan id of every batch of BATCH)."""
    from stock.models import Loan

    start, end = ch.month_bounds(month)
    table = Loan._meta.db_table
    where = "started_on <= %s AND (ended_on IS NULL OR ended_on >= %s)"
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT count(*) FROM {table} WHERE {where}", [end, start])
        total = cursor.fetchone()[0]
        cursor.execute(f"SELECT id FROM (SELECT id, ROW_NUMBER() OVER (ORDER BY id) AS rn FROM {table} "
                       f"WHERE {where}) q WHERE (rn - 1) %% %s = 0 ORDER BY id", [end, start, int(BATCH)])
        firsts = [row[0] for row in cursor.fetchall()]
    return total, firsts


def statements(month: dt.date, terms: ch.TermsCalendar,
               progress: Callable[[int, int], None] | None = None) -> Iterator[tuple[str, list]]:
    """Prepare the temporary tables, then yield (select_sql, params) once per batch of loans, in
    loan id order; the caller executes each before asking for the next. `progress(done, total)`
    after every batch, as `charges.rent_charges` reports it. The tables are dropped at the end."""
    start, end = ch.month_bounds(month)
    _register_sqlite_functions()
    with connection.cursor() as cursor:
        _create_tables(cursor)
        # (a list first: the generator reads the database, which a COPY in progress would block)
        _fill(cursor, SEGMENTS, "article_id, seg_from, seg_to, rent_ore, purchase_ore", list(segments(month)))
        _fill(cursor, TERMS, "day_from, day_to, bp", terms_ranges(month, terms))
    try:
        total, firsts = _batches(month)
        sql = _select_sql(ch.days_in_month(month))
        done = 0
        for lo, hi in zip(firsts, firsts[1:] + [2**62] if firsts else [], strict=True):
            yield sql, [end, start, lo, hi]
            done = min(done + BATCH, total)
            if progress:
                progress(done, total)
        if progress:
            progress(done, max(done, total))
    finally:
        _drop_tables()


def _charge(row) -> ch.Charge:
    values = list(row)
    if not _postgres():  # SQLite returns dates as text
        values[15], values[16] = dt.date.fromisoformat(values[15]), dt.date.fromisoformat(values[16])
    values[17] = Decimal(values[17])
    return ch.Charge(*values)


def rent_charges(month: dt.date, terms: ch.TermsCalendar, progress=None) -> Iterator[ch.Charge]:
    """The month's rent as `Charge`s (what `charges.rent_charges` yields), computed in SQL."""
    for sql, params in statements(month, terms, progress):
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            rows = cursor.fetchall()
        yield from (_charge(r) for r in rows)
