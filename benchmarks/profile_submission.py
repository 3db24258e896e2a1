"""Where the Python CPU of one order submission goes (issue 9: profile before changing anything).

    python -m benchmarks profile [--requests 300] [--database postgres://…/lyfta_profile]

Builds a fresh database with the demo data (migrate + seed_demo, demo settings), then sends
`POST /api/v1/orders` (create + submit in one call, Idempotency-Key, the demo region's bearer
token) through Django's full request stack in this process (middleware, django-ninja, services,
ORM, database driver — no HTTP server), under cProfile. Prints CPU per request (process time) and
wall time, then where the CPU goes: own time grouped by package (Django, django-ninja, pydantic,
the database driver, Lyfta's contexts …) and the 25 functions with the most own time, and the
cumulative time of the Lyfta steps (authentication, idempotency, services, response).
Not a test: it prints figures."""
from __future__ import annotations

import argparse
import cProfile
import os
import pstats
import statistics
import sys
import time
import uuid
from collections import defaultdict

DEFAULT_DB = "postgres://postgres@127.0.0.1:5432/lyfta_profile"


def _recreate(url: str) -> None:
    if not url.startswith("postgres"):
        return
    import psycopg

    base, name = url.rsplit("/", 1)
    with psycopg.connect(base + "/postgres", autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')


def _group(filename: str) -> str:
    f = filename.replace("\\", "/")
    if "site-packages/" in f:
        pkg = f.split("site-packages/", 1)[1].split("/", 1)[0]
        return {"django": "Django", "ninja": "django-ninja", "pydantic": "pydantic", "pydantic_core": "pydantic",
                "psycopg": "psycopg (driver)", "psycopg_binary": "psycopg (driver)"}.get(pkg, pkg)
    for app in ("core", "audit", "access", "catalogue", "patients", "stock", "ordering", "supply", "integration"):
        if f"/{app}/" in f:
            return f"lyfta.{app}"
    if "sqlite3" in f:
        return "sqlite3 (driver)"
    return "python stdlib / builtins"


def main(argv: list[str]) -> int:
    ap = argparse.ArgumentParser(prog="python -m benchmarks profile")
    ap.add_argument("--requests", type=int, default=300)
    ap.add_argument("--warmup", type=int, default=30)
    ap.add_argument("--database", default=os.environ.get("BENCH_DATABASE_URL", DEFAULT_DB))
    ap.add_argument("--top", type=int, default=25)
    ap.add_argument("--statements", action="store_true",
                    help="also print the SQL statements of one submission")
    ap.add_argument("--dump", help="write the raw cProfile stats to this file (for pstats / snakeviz)")
    args = ap.parse_args(argv)

    os.environ["DATABASE_URL"] = args.database
    os.environ["DJANGO_SETTINGS_MODULE"] = "config.settings.demo"
    _recreate(args.database)
    import django

    django.setup()
    from django.core.management import call_command
    from django.test import Client

    call_command("migrate", verbosity=0)
    call_command("seed_demo", stdout=open(os.devnull, "w"))
    from access.models import ApiClient
    from catalogue.models import Article
    from patients.models import Patient

    client_row = ApiClient.objects.get(name="demo-region")
    patient = Patient.objects.filter(customer_id=client_row.organisation_id, protected_identity=False).first()
    article = Article.objects.filter(is_tracked=False, is_orderable=True).order_by("pk").first()
    unit = (client_row.organisation.units.filter(is_active=True, role_assignments__user__is_active=True)
            .order_by("pk").first())  # a system client names the unit and an orderer holding a role there
    orderer = unit.role_assignments.select_related("user").first().user if unit else None
    body = {"patient_id": patient.pk, "unit_id": unit.pk if unit else None, "submit": True,
            "orderer_username": orderer.username if orderer else "",
            "lines": [{"article_number": article.article_number, "quantity": 1}]}
    client = Client(HTTP_AUTHORIZATION="Bearer demo-region-token", HTTP_HOST="127.0.0.1")

    def submit():
        r = client.post("/api/v1/orders", body, content_type="application/json",
                        HTTP_IDEMPOTENCY_KEY=str(uuid.uuid4()))
        if r.status_code != 201:
            raise SystemExit(f"submission failed: {r.status_code} {r.content[:300]!r}")

    for _ in range(args.warmup):
        submit()
    if args.statements:
        from django.db import connection
        from django.test.utils import CaptureQueriesContext

        with CaptureQueriesContext(connection) as ctx:
            submit()
        print(f"# {len(ctx.captured_queries)} statements in one submission")
        for i, q in enumerate(ctx.captured_queries, 1):
            print(f"{i:3}. {q['sql'][:600]}")
    cpu, wall = [], []
    profiler = cProfile.Profile(time.process_time)  # CPU time: waiting on the database is not counted
    for _ in range(args.requests):
        c0, w0 = time.process_time(), time.perf_counter()
        profiler.enable()
        submit()
        profiler.disable()
        cpu.append((time.process_time() - c0) * 1000)
        wall.append((time.perf_counter() - w0) * 1000)

    vendor = django.db.connection.vendor
    load = os.getloadavg()
    print(f"# Order submission profile — {args.requests} requests, {vendor}, Python {sys.version.split()[0]}, "
          f"{os.cpu_count()} CPUs, load {load[0]:.2f}/{load[1]:.2f}/{load[2]:.2f}")
    print(f"CPU per request (under cProfile, which inflates it): median {statistics.median(cpu):.2f} ms; "
          f"wall median {statistics.median(wall):.2f} ms")
    stats = pstats.Stats(profiler)
    if args.dump:
        stats.dump_stats(args.dump)
    print(f"Python function calls per request (deterministic): {stats.total_calls / args.requests:,.0f}")
    total = sum(v[2] for v in stats.stats.values())  # own (tottime) seconds
    groups: dict[str, float] = defaultdict(float)
    for (filename, _line, _name), (_cc, _nc, tt, _ct, _callers) in stats.stats.items():
        groups[_group(filename)] += tt
    print("\nOwn CPU time by package (share of the profiled CPU time):")
    for name, tt in sorted(groups.items(), key=lambda kv: -kv[1]):
        print(f"  {name:<28} {tt / args.requests * 1000:6.2f} ms/request  {tt / total:6.1%}")
    print("\nCumulative CPU time of the steps (ms/request):")
    steps = [("integration/auth.py", "authenticate"), ("core/idempotency.py", "run_idempotent"),
             ("ordering/flows/customer.py", "order_draft_create"), ("ordering/flows/core.py", "order_create"),
             ("core/numbering.py", "next_number"), ("ordering/api/customer.py", "created_order_out"),
             ("ordering/pricing.py", "promised_date"), ("audit/services.py", "audit_record_many"),
             ("ninja/operation.py", "run"), ("django/core/handlers/base.py", "_get_response"),
             ("django/core/handlers/base.py", "get_response")]
    for suffix, func in steps:
        ct = sum(v[3] for (fn, _l, name), v in stats.stats.items() if fn.endswith(suffix) and name == func)
        print(f"  {suffix}:{func:<24} {ct / args.requests * 1000:7.2f}")
    print(f"\nTop {args.top} functions by own CPU time:")
    stats.sort_stats("tottime").print_stats(args.top)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
