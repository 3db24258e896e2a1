"""FHIR search benchmark at planning scale, on PostgreSQL: `Device?patient=` and
`DeviceRequest?patient=` p50/p95 (issue 14's target: p95 < 50 ms).

    python -m benchmarks fhir [--scale 0.1] [--requests 200] [--reuse] [--db postgres://…/postgres]

Generates the same data as `benchmarks.service` (DESIGN.md §9 planning scale at --scale 1.0:
250,000 patients, 800,000 devices with 600,000 loans, 3,000,000 customer orders …) in a separate
database `lyfta_bench_fhir`, then times the searches in-process over Django's test client with
a region API client's bearer token (full middleware, auth, permission, selector, patient-access
log and FHIR mapping; no network). Not a test: it prints figures."""
from __future__ import annotations

import argparse
import os
import platform
import random
import sys

DB_NAME = "lyfta_bench_fhir"


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="benchmarks fhir", description=__doc__.split("\n")[0])
    ap.add_argument("--scale", type=float, default=0.1, help="fraction of planning scale (1.0 = full)")
    ap.add_argument("--requests", type=int, default=200, help="requests per search")
    ap.add_argument("--reuse", action="store_true", help="measure the existing lyfta_bench_fhir (no generation)")
    ap.add_argument("--db", default=os.environ.get("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/postgres"))
    args = ap.parse_args(argv)
    sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    from benchmarks import service

    base = args.db.rsplit("/", 1)[0]
    if not args.reuse:
        import psycopg

        with psycopg.connect(f"{base}/postgres", autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{DB_NAME}" WITH (FORCE)')
            conn.execute(f'CREATE DATABASE "{DB_NAME}"')
    os.environ["DATABASE_URL"] = f"{base}/{DB_NAME}"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.test")
    os.environ["DEBUG"] = "0"
    import django

    django.setup()
    from django.core.management import call_command
    from django.test import Client

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
        from tests import factories as f

        f.api_client(Organisation.objects.get(org_number=region_number), token)
    assert ApiClient.objects.exists()
    from patients.models import Patient

    region = Organisation.objects.get(org_number=region_number)
    pids = list(Patient.objects.filter(customer=region, devices__isnull=False).values_list("pk", flat=True)
                .distinct()[:5000])
    rnd = random.Random(42)
    client = Client(HTTP_AUTHORIZATION=f"Bearer {token}")
    searches = {
        "FHIR Device?patient=": [f"/fhir/R4/Device?patient=Patient/{rnd.choice(pids)}" for _ in range(args.requests)],
        "FHIR DeviceRequest?patient=": [f"/fhir/R4/DeviceRequest?patient=Patient/{rnd.choice(pids)}"
                                        for _ in range(args.requests)],
    }
    results = {}
    for name, urls in searches.items():
        results[name] = service.measure(client, urls)
        r = results[name]
        service.log(f"{name}: p50 {r['p50']:.1f} ms, p95 {r['p95']:.1f} ms (n={r['n']})")
    print()
    print(f"### FHIR searches (scale {args.scale}, PostgreSQL, {os.cpu_count()} CPU, Python "
          f"{platform.python_version()})")
    print()
    print("| search | p50 ms | p95 ms | n |")
    print("|---|---:|---:|---:|")
    for name, r in results.items():
        print(f"| {name} | {r['p50']:.1f} | {r['p95']:.1f} | {r['n']} |")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
