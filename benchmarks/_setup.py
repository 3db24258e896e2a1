"""Shared helpers for benchmarks: a separate database (never the demo DB), Django setup, stats."""
from __future__ import annotations

import os
import platform
import statistics
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent
BENCH_DIR = BASE_DIR / "var" / "bench"


def choose_database(db: str | None, name: str) -> str:
    """Point Django at a benchmark database. `db`: 'sqlite', 'postgres' or a postgres URL; default
    from DATABASE_URL (PostgreSQL when set, else SQLite). The database is recreated empty.
    Returns the vendor ('sqlite' or 'postgresql')."""
    BENCH_DIR.mkdir(parents=True, exist_ok=True)
    db = db or ("postgres" if os.environ.get("DATABASE_URL", "").startswith("postgres") else "sqlite")
    if db == "sqlite":
        path = BENCH_DIR / f"{name}.sqlite3"
        for suffix in ("", "-wal", "-shm"):
            Path(f"{path}{suffix}").unlink(missing_ok=True)
        os.environ.pop("DATABASE_URL", None)
        os.environ["LYFTA_SQLITE_PATH"] = str(path)
        return "sqlite"
    url = db if "://" in db else os.environ.get("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/postgres")
    base, _, _old = url.rpartition("/")
    bench_db = f"lyfta_bench_{name}"
    import psycopg

    with psycopg.connect(f"{base}/postgres", autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{bench_db}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{bench_db}"')
    os.environ["DATABASE_URL"] = f"{base}/{bench_db}"
    return "postgresql"


def setup_django() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "benchmarks.settings")
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)


def machine() -> str:
    cpu = "unknown CPU"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return f"{os.cpu_count()} CPU ({cpu}), Python {platform.python_version()}"


def pct(values: list[float], p: float) -> float:
    ordered = sorted(values)
    if not ordered:
        return float("nan")
    k = max(0, min(len(ordered) - 1, int(round(p / 100 * (len(ordered) - 1)))))
    return ordered[k]


def summary(values_s: list[float]) -> dict:
    ms = [v * 1000 for v in values_s]
    return {"p50": pct(ms, 50), "p95": pct(ms, 95), "mean": statistics.fmean(ms) if ms else float("nan"),
            "n": len(ms)}
