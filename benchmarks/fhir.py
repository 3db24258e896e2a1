"""FHIR search benchmark at planning scale, on PostgreSQL: `Device?patient=`,
`DeviceRequest?patient=` and `SupplyDelivery?patient=` p50/p95 (issue 14's target: p95 < 50 ms).

    python -m benchmarks fhir [--scale 0.1] [--requests 200] [--reuse] [--db postgres://…/postgres]
    python -m benchmarks fhir --loader planning --scale 1.0 --reuse [--today YYYY-MM-DD]
                              [--planning-db postgres://postgres@127.0.0.1:5432/lyfta_planning]

`--loader planning` measures on the data of `benchmarks.planning` (DESIGN §9 at --scale 1.0: 3 M
orders with their deliveries and delivery lines, 250,000 patients, 600,000 open loans) in its
database (default `lyfta_planning`); with `--reuse` a database already loaded with that scale and
day is kept (new migrations applied), else it is loaded (about 20 minutes at 1.0). The benchmark
adds one API client (`bench-fhir`, customer 1: the large region) if missing; the requests write
their patient-access rows there. The default `--loader service`:
Generates the same data as `benchmarks.service` (DESIGN.md §9 planning scale at --scale 1.0:
250,000 patients, 800,000 devices with 600,000 loans, 3,000,000 customer orders …, plus a
delivery for each delivered customer order) in a separate
database `lyfta_bench_fhir`, then times the searches in-process over Django's test client with
a region API client's bearer token (full middleware, auth, permission, selector, patient-access
log and FHIR mapping; no network). Not a test: it prints figures."""
from __future__ import annotations

import argparse
import os
import platform
import random
import sys
import time

DB_NAME = "lyfta_bench_fhir"


def deliveries() -> None:
    """A delivery with its line for every delivered customer order of the generated data (what
    `SupplyDelivery?patient=` reads); benchmarks.service makes orders and loans but no deliveries."""
    from django.db import connection

    from benchmarks import service

    with connection.cursor() as cur:
        t = time.perf_counter()
        cur.execute("""
            INSERT INTO ordering_delivery (created_at, updated_at, order_id, delivered_on, receiver_name, place,
                                           actor_label)
            SELECT o.created_at, o.created_at, o.id, o.created_at::date, 'Mottagare ' || o.id, 'stay_address', 'bench'
            FROM ordering_order o WHERE o.order_type = 'customer' AND o.status = 'delivered';
            INSERT INTO ordering_deliveryline (delivery_id, order_line_id, quantity, device_id)
            SELECT d.id, ol.id, ol.quantity, NULL
            FROM ordering_delivery d JOIN ordering_orderline ol ON ol.order_id = d.order_id;
            ANALYZE ordering_delivery; ANALYZE ordering_deliveryline;""")
        service.log(f"deliveries: {time.perf_counter() - t:.1f} s")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="benchmarks fhir", description=__doc__.split("\n")[0])
    ap.add_argument("--scale", type=float, default=0.1, help="fraction of planning scale (1.0 = full)")
    ap.add_argument("--requests", type=int, default=200, help="requests per search")
    ap.add_argument("--reuse", action="store_true", help="measure the existing lyfta_bench_fhir (no generation)")
    ap.add_argument("--db", default=os.environ.get("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/postgres"))
    ap.add_argument("--loader", choices=("service", "planning"), default="service",
                    help="service: generate into lyfta_bench_fhir; planning: benchmarks.planning's data")
    ap.add_argument("--planning-db", default="postgres://postgres@127.0.0.1:5432/lyfta_planning")
    ap.add_argument("--today", type=lambda v: __import__("datetime").date.fromisoformat(v), default=None,
                    help="the planning data's day (its --today; default today)")
    args = ap.parse_args(argv)
    sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    from benchmarks import service

    if args.loader == "planning":
        return measure_planning(args)
    base = args.db.rsplit("/", 1)[0]
    if not args.reuse:
        import psycopg

        with psycopg.connect(f"{base}/postgres", autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{DB_NAME}" WITH (FORCE)')
            conn.execute(f'CREATE DATABASE "{DB_NAME}"')
    os.environ["DATABASE_URL"] = f"{base}/{DB_NAME}"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "benchmarks.settings")
    os.environ["DEBUG"] = "0"
    import django

    django.setup()
    from django.core.management import call_command

    from access.models import ApiClient, Organisation

    region_number = "0000000001"
    token = "bench-fhir-region-token"
    if not args.reuse:
        n = {k: max(2, int(v * args.scale)) for k, v in service.FULL.items()}
        n["on_loan"] = min(n["on_loan"], n["devices"])
        service.log(f"database {DB_NAME}: migrate")
        call_command("migrate", verbosity=0)
        service.log(f"generate at scale {args.scale}: " + ", ".join(f"{k}={v:,}" for k, v in n.items()))
        service.generate(n)
        deliveries()
        from tests import factories as f

        f.api_client(Organisation.objects.get(org_number=region_number), token)
    assert ApiClient.objects.exists()
    from patients.models import Patient

    region = Organisation.objects.get(org_number=region_number)
    pids = list(Patient.objects.filter(customer=region, devices__isnull=False).values_list("pk", flat=True)
                .distinct()[:5000])
    return run_searches(args, token, pids, f"scale {args.scale}")


def measure_planning(args) -> int:
    """The searches on benchmarks.planning's data (loaded, or reused with --reuse)."""
    from benchmarks import planning

    os.environ["DATABASE_URL"] = args.planning_db
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "benchmarks.settings")
    os.environ["DEBUG"] = "0"
    info = planning.load(args.scale, args.planning_db, today=args.today, reuse=args.reuse)
    from django.db import connection

    from access.models import ApiClient, Organisation

    token = "bench-fhir-region-token"
    region = Organisation.objects.get(pk=1)  # customer 1: the large region (40 % of the patients)
    if not ApiClient.objects.filter(name="bench-fhir").exists():
        from tests import factories as f

        f.api_client(region, token, name="bench-fhir")
    with connection.cursor() as cur:  # patients of the region holding a device on an open loan
        cur.execute("SELECT DISTINCT l.patient_id FROM stock_loan l JOIN patients_patient p ON p.id = l.patient_id "
                    "WHERE l.customer_id = %s AND p.customer_id = %s AND l.ended_on IS NULL "
                    "ORDER BY l.patient_id LIMIT 5000", [region.pk, region.pk])
        pids = [r[0] for r in cur.fetchall()]
    return run_searches(args, token, pids, f"planning data × {args.scale}"
                        f"{' (reused)' if info['reused'] else ''}: {info['counts']['orders']:,} orders, "
                        f"{info['counts']['patients']:,} patients")


def run_searches(args, token: str, pids: list[int], what: str) -> int:
    from django.test import Client

    from benchmarks import service

    assert pids, "no patient with a device on loan"
    rnd = random.Random(42)
    client = Client(HTTP_AUTHORIZATION=f"Bearer {token}")
    searches = {
        "FHIR Device?patient=": [f"/fhir/R4/Device?patient=Patient/{rnd.choice(pids)}" for _ in range(args.requests)],
        "FHIR DeviceRequest?patient=": [f"/fhir/R4/DeviceRequest?patient=Patient/{rnd.choice(pids)}"
                                        for _ in range(args.requests)],
        "FHIR SupplyDelivery?patient=": [f"/fhir/R4/SupplyDelivery?patient=Patient/{rnd.choice(pids)}"
                                         for _ in range(args.requests)],
    }
    results = {}
    for name, urls in searches.items():
        results[name] = service.measure(client, urls)
        r = results[name]
        service.log(f"{name}: p50 {r['p50']:.1f} ms, p95 {r['p95']:.1f} ms (n={r['n']})")
    print()
    load = ", ".join(f"{x:.2f}" for x in os.getloadavg())
    print(f"### FHIR searches ({what}, PostgreSQL, {os.cpu_count()} CPU, load average {load}, Python "
          f"{platform.python_version()})")
    print()
    print("| search | p50 ms | p95 ms | n |")
    print("|---|---:|---:|---:|")
    for name, r in results.items():
        print(f"| {name} | {r['p50']:.1f} | {r['p95']:.1f} | {r['n']} |")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
