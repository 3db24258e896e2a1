"""benchmarks/planning.py: the generated rows are consistent by construction (ids, references,
the one-open-loan rule, valid identity numbers), and on PostgreSQL a tiny load goes through the
real tables with every foreign key validated."""
import datetime as dt
import os

import pytest

from benchmarks import planning as pl

TODAY = dt.date(2026, 12, 3)


def ids(gen, scale=0.001, col=0):
    return [r[col] for r in pl.rows_of(gen, scale, TODAY)]


def test_ids_are_unique_and_references_exist():
    for _label, gen in pl.TABLES:
        got = ids(gen)
        assert len(got) == len(set(got)), gen.__name__
    orders, lines = set(ids(pl.g_orders)), set(ids(pl.g_orderlines))
    devices, loans, patients = set(ids(pl.g_devices)), set(ids(pl.g_loans)), set(ids(pl.g_patients))
    assert {r[1] for r in pl.rows_of(pl.g_orderlines, 0.001, TODAY)} <= orders
    assert {r[2] for r in pl.rows_of(pl.g_deliverylines, 0.001, TODAY)} <= lines
    assert {r[1] for r in pl.rows_of(pl.g_events, 0.001, TODAY)} <= orders
    assert {r[1] for r in pl.rows_of(pl.g_loans, 0.001, TODAY)} <= devices
    assert {r[2] for r in pl.rows_of(pl.g_loans, 0.001, TODAY)} <= patients
    assert {r[3] for r in pl.rows_of(pl.g_pickuplines, 0.001, TODAY)} <= loans


def test_one_open_loan_per_device_and_loans_end_after_they_start():
    rows = list(pl.rows_of(pl.g_loans, 0.001, TODAY))
    open_devices = [r[1] for r in rows if r[6] is None]
    assert len(open_devices) == len(set(open_devices)) == pl.counts(0.001)["on_loan"]
    assert all(r[6] is None or r[6] >= r[5] for r in rows)


def test_identity_numbers_are_valid_and_unique():
    numbers = [r[1] for r in pl.rows_of(pl.g_patients, 0.01, TODAY)]
    assert len(numbers) == len(set(numbers))
    assert all(len(n) == 12 and pl._luhn(n[2:11]) == int(n[11]) for n in numbers)


def test_the_benchmark_month_is_the_month_before_today():
    assert pl.Plan(0.001, TODAY).month == dt.date(2026, 11, 1)
    assert pl.Plan(0.001, dt.date(2026, 1, 10)).month == dt.date(2025, 12, 1)


@pytest.mark.skipif(not os.environ.get("DATABASE_URL", "").startswith("postgres"), reason="COPY: PostgreSQL")
def test_a_tiny_load_honours_the_constraints_and_bills_a_month():
    import psycopg

    base = os.environ["DATABASE_URL"].rsplit("/", 1)[0]
    url = f"{base}/lyfta_scale_loader_test"
    try:
        info = pl.load(0.0005, url, today=TODAY, verbose=False)
        assert info["tables"]["stock_loan"][0] == info["counts"]["on_loan"] + info["counts"]["ended_loans"]
        with psycopg.connect(url) as conn:
            # every foreign key was re-added (and so validated) after the load
            assert conn.execute("SELECT count(*) FROM pg_constraint WHERE contype = 'f' "
                                "AND conrelid = 'stock_loan'::regclass").fetchone()[0] >= 4
            assert conn.execute("SELECT last_value FROM lyfta_number_ko").fetchone()[0] == info["counts"]["orders"]
        assert pl.load(0.0005, url, today=TODAY, reuse=True, verbose=False)["reused"]
    finally:
        with psycopg.connect(f"{base}/postgres", autocommit=True) as conn:
            conn.execute("DROP DATABASE IF EXISTS lyfta_scale_loader_test WITH (FORCE)")
