"""Buffer-store benchmark at planning scale (DESIGN.md §9, issue 12), on PostgreSQL.

    python -m benchmarks buffer [--scale 1.0] [--stores 400] [--rules 40] [--withdrawals 300] [--below 0.1]

1. Generates into `lyfta_bench_buffer` the planning-scale base of the ordering benchmark (50
   customers, 3,000 units, 60,000 articles, 250,000 patients, 800,000 devices of which 600,000 on
   loan — times --scale; no historical orders), then 400 buffer stores (one per unit) × 40
   reorder rules (counted articles; safety 10, refill 30, automatic), each (store, article) with a
   receipt in the ledger and its projection row; a share (--below) of them below safety, not yet
   ordered; and a store keeper at each store's unit.
2. Withdrawal: POST /api/v1/buffer-stores/{id}/withdrawals through Django's whole request stack
   in-process (the test client: middleware, auth, idempotency, the service, the replenishment
   check; no socket), by customer 1's system client, one unit of a random rule's article of a
   random store of that customer — p50/p95/max, and how many of them created a replenishment order.
3. The nightly sweep of every rule (`ordering.flows.buffer.replenishment_sweep`): wall time, the
   orders it created, and the process's peak RSS before and after.

Not a test: it prints figures (and a Markdown block for docs/performance.md)."""
from __future__ import annotations

import argparse
import json
import os
import random
import resource
import sys
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_DB = "postgres://postgres@127.0.0.1:5432/lyfta_bench_buffer"
TOKEN = "bench-buffer-region-token"

def insert_series(cur, model, n: int, exprs: dict[str, str], *, series: str = "i") -> None:
    """INSERT INTO <model's table> SELECT … FROM generate_series(1, n) <series>: `exprs` gives SQL
    per column (may use the series variable); every other column gets its field's default (or
    NULL, or now() for timestamps), so the generator follows the models as they change."""
    from django.db.models import NOT_PROVIDED

    cols, values, params = [], [], []
    for f in model._meta.concrete_fields:
        col = f.column
        if col in exprs:
            cols.append(col)
            values.append(exprs[col])
        elif f.primary_key:
            continue
        elif getattr(f, "auto_now", False) or getattr(f, "auto_now_add", False):
            cols.append(col)
            values.append("now()")
        elif f.default is not NOT_PROVIDED:
            default = f.get_default()
            cols.append(col)
            if f.get_internal_type() == "JSONField":
                values.append("%s::jsonb")
                params.append(json.dumps(default))
            else:
                values.append("%s")
                params.append(default)
        elif f.null:
            continue
        elif f.get_internal_type() in ("CharField", "TextField"):
            cols.append(col)
            values.append("''")
        else:
            raise RuntimeError(f"{model.__name__}.{f.name}: no value for a NOT NULL column")
    values = [v.replace("%", "%%") if v != "%s" and v != "%s::jsonb" else v for v in values]
    sql = (f"INSERT INTO {model._meta.db_table} ({', '.join(cols)}) SELECT {', '.join(values)} "
           f"FROM generate_series(1, {int(n)}) {series}")
    cur.execute(sql, params)


def generate(c: dict) -> float:
    """Planning-scale base (no historical orders) and the buffer stores, bulk SQL."""
    from django.db import connection

    from access.models import CostCentre, Organisation, RoleAssignment, Unit, User
    from catalogue.models import Article, IsoClass, Product
    from patients.models import Patient
    from stock.models import Device, Loan, Location, ReorderRule, StockLevel, StockMovement

    t0 = time.monotonic()
    C, U, P, A = c["customers"], c["units"], c["patients"], c["articles"]
    with connection.cursor() as cur:
        cur.execute("SET synchronous_commit = off")
        cur.execute("SET session_replication_role = replica")
        steps = [
            (Organisation, C, {"id": "i", "name": "'Kund ' || i",
                               "kind": "CASE WHEN i = 1 THEN 'region' ELSE 'municipality' END",
                               "org_number": "lpad(i::text, 6, '0') || '-0000'"}),
            (CostCentre, U, {"id": "i", "code": "'K' || i", "name": "'Kostnadsställe ' || i",
                             "organisation_id": f"((i - 1) % {C}) + 1"}),
            (Unit, U, {"id": "i", "name": "'Enhet ' || i", "hsa_id": "'SE2321000016-B' || lpad(i::text, 6, '0')",
                       "default_cost_centre_id": "i", "organisation_id": f"((i - 1) % {C}) + 1"}),
            (User, U, {"id": "i", "password": "'!'", "username": "'bench' || i", "first_name": "'Bench'",
                       "last_name": "'Förrådsansvarig ' || i", "email": "'bench' || i || '@example.se'",
                       "date_joined": "now()", "hsa_id": "'SE2321000016-U' || lpad(i::text, 6, '0')"}),
            (RoleAssignment, U, {"id": "i", "role": "'store_keeper'", "user_id": "i", "unit_id": "i"}),
            (IsoClass, 1, {"id": "i", "code": "'122206'", "title": "'Rullstolar'", "level": "3"}),
            (Product, c["products"], {"id": "i", "product_number": "'P' || lpad(i::text, 7, '0')",
                                      "name": "'Produkt ' || i", "iso_class_id": "1"}),
            (Article, A, {"id": "i", "article_number": "'A' || lpad(i::text, 7, '0')", "name": "'Artikel ' || i",
                          "kind": "CASE WHEN i % 5 = 0 THEN 'T' ELSE 'H' END",
                          "charging": "CASE WHEN i % 5 = 0 THEN 'purchase' ELSE 'rent' END",
                          "monthly_rent": "CASE WHEN i % 5 = 0 THEN NULL ELSE 100 + i % 900 END",
                          "purchase_price": "CASE WHEN i % 5 = 0 THEN 200 + i % 3000 ELSE NULL END",
                          "is_tracked": "i % 5 <> 0", "serial_required": "i % 5 <> 0",
                          "search_text": "'artikel ' || i", "name_norm": "'artikel ' || i",
                          "product_id": f"((i - 1) % {c['products']}) + 1"}),
            (Patient, P, {"id": "i", "identity_number": "'19' || lpad(i::text, 10, '0')",
                          "first_name": "'Förnamn' || i", "last_name": "'Efternamn' || i",
                          "registered_street": "'Gatan ' || (i % 200)", "registered_postal_code": "'12345'",
                          "registered_city": "'Mellanstad'", "name_search": "'förnamn' || i || ' efternamn' || i",
                          "customer_id": f"((i - 1) % {C}) + 1"}),
            (Location, 1, {"id": "i", "code": "'CENTRAL'", "name": "'Centrallager'", "kind": "'central'"}),
            (Device, c["on_loan"], {"id": "i", "serial": "'S' || lpad(i::text, 9, '0')", "status": "'on_loan'",
                                    "article_id": f"(((i * 7) % {A}) / 5) * 5 + 1",
                                    "holder_patient_id": f"((i - 1) % {P}) + 1"}),
            (Loan, c["on_loan"], {"id": "i", "started_on": "current_date - (i % 1500)", "source_ref": "'KO-hist'",
                                  "cost_centre_id": f"((i - 1) % {C}) + 1",
                                  "customer_id": f"((((i - 1) % {P})) % {C}) + 1", "device_id": "i",
                                  "patient_id": f"((i - 1) % {P}) + 1"}),
            (Location, c["stores"], {"id": "1 + i", "code": "'BUF-' || lpad(i::text, 4, '0')",
                                     "name": "'Förråd ' || i", "kind": "'buffer_store'", "unit_id": "i"}),
        ]
        for model, n, exprs in steps:
            t = time.monotonic()
            insert_series(cur, model, n, exprs)
            log(f"  {time.monotonic() - t:6.1f}s  {model.__name__} × {n:,}")
        # Rule k of store s: the counted article 5 * k (ids divisible by 5 are counted articles).
        insert_series(cur, ReorderRule, c["stores"] * c["rules"], {
            "safety_level": "10", "refill_level": "30", "automatic": "true",
            "article_id": f"5 * (((i - 1) % {c['rules']}) + 1)", "store_id": f"1 + ((i - 1) / {c['rules']}) + 1"})
        cur.execute(f"""INSERT INTO {StockLevel._meta.db_table} (location_id, article_id, on_hand, reserved,
            on_hand_refurbished, reserved_refurbished, updated_at)
            SELECT store_id, article_id, CASE WHEN (id * 7919) %% 1000 < %s THEN 9 ELSE 20 END, 0, 0, 0, now()
            FROM {ReorderRule._meta.db_table}""", [c["below_permille"]])
        cur.execute(f"""INSERT INTO {StockMovement._meta.db_table} (at, kind, quantity, reserved_delta, condition, ref,
            actor_label, note, article_id, location_id)
            SELECT now(), 'receipt', on_hand, 0, 'new', 'bench', 'bench', '', article_id, location_id
            FROM {StockLevel._meta.db_table}""")
        cur.execute("SET session_replication_role = DEFAULT")
        for model in (Organisation, CostCentre, Unit, User, RoleAssignment, IsoClass, Product, Article, Patient,
                      Location, Device, Loan):
            t = model._meta.db_table
            cur.execute(f"SELECT setval(pg_get_serial_sequence('{t}', 'id'), (SELECT COALESCE(MAX(id), 1) FROM {t}))")
    with connection.cursor() as cur:
        cur.execute("VACUUM ANALYZE")
    return time.monotonic() - t0


def log(msg: str) -> None:
    print(f"[{time.strftime('%H:%M:%S', time.gmtime())} UTC] {msg}", flush=True)


def rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def principal_setup() -> None:
    from access.models import ApiClient, Organisation
    from access.services import hash_token

    ApiClient.objects.get_or_create(name="bench-buffer", defaults={
        "organisation": Organisation.objects.get(pk=1), "token_hash": hash_token(TOKEN), "token_prefix": TOKEN[:8]})


def pct(values, p):
    if not values:
        return float("nan")
    s = sorted(values)
    return s[max(0, min(len(s) - 1, int(round(p / 100 * (len(s) - 1)))))]


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m benchmarks buffer")
    ap.add_argument("--db", default=os.environ.get("BENCH_BUFFER_DB", DEFAULT_DB))
    ap.add_argument("--scale", type=float, default=1.0, help="of the base data (patients, devices, articles …)")
    ap.add_argument("--stores", type=int, default=400)
    ap.add_argument("--rules", type=int, default=40)
    ap.add_argument("--below", type=float, default=0.1, help="share of rules below safety before the sweep")
    ap.add_argument("--withdrawals", type=int, default=300)
    ap.add_argument("--reuse", action="store_true", help="keep the generated database")
    args = ap.parse_args(argv)

    from benchmarks import ordering as base  # database helpers and the planning-scale counts

    if not args.reuse:
        base.recreate_database(args.db)
    base.setup_django(args.db)
    from django.core.management import call_command
    c = base.counts(args.scale)
    c["orders"] = 0
    c["stores"] = min(args.stores, c["units"])
    c["rules"] = min(args.rules, c["articles"] // 5)
    c["below_permille"] = int(args.below * 1000)
    if not args.reuse:
        call_command("migrate", verbosity=0)
        log(f"generating {c}")
        log(f"generated in {generate(c):.0f}s")
    principal_setup()

    from django.test import Client

    from ordering.models import Order
    from stock.models import Location, ReorderRule

    n_rules = ReorderRule.objects.count()
    stores = list(Location.objects.filter(kind="buffer_store", unit__organisation_id=1)
                  .values_list("pk", "unit_id"))
    rules = {}
    for store_id, article_id in ReorderRule.objects.filter(store_id__in=[s for s, _ in stores]).values_list(
            "store_id", "article__article_number"):
        rules.setdefault(store_id, []).append(article_id)
    patients = list(range(1, c["patients"] + 1, c["customers"]))[:2000]
    client = Client(HTTP_AUTHORIZATION=f"Bearer {TOKEN}")
    rng = random.Random(12)
    times, created, errors = [], 0, 0
    before = Order.objects.filter(kind="replenishment").count()
    log(f"withdrawals: {args.withdrawals} over {len(stores)} stores of customer 1 ({n_rules} rules in all)")
    for i in range(args.withdrawals + 20):
        store_id, unit_id = rng.choice(stores)
        body = {"article_number": rng.choice(rules[store_id]), "patient_id": rng.choice(patients), "quantity": 1,
                "orderer_username": f"bench{unit_id}"}
        t = time.perf_counter()
        r = client.post(f"/api/v1/buffer-stores/{store_id}/withdrawals", json.dumps(body),
                        content_type="application/json", HTTP_IDEMPOTENCY_KEY=str(uuid.uuid4()))
        elapsed = (time.perf_counter() - t) * 1000
        if r.status_code != 201:
            errors += 1
            if errors <= 3:
                log(f"  {r.status_code} {r.content[:300]!r}")
            continue
        if i >= 20:  # warm-up
            times.append(elapsed)
    created = Order.objects.filter(kind="replenishment").count() - before
    w = {"n": len(times), "p50": pct(times, 50), "p95": pct(times, 95), "max": max(times or [0]),
         "created": created, "errors": errors}
    log(f"withdrawal API: p50 {w['p50']:.1f} ms, p95 {w['p95']:.1f} ms, max {w['max']:.1f} ms "
        f"(n={w['n']}, {created} replenishment orders created, {errors} errors)")

    from ordering.flows.buffer import replenishment_sweep

    rss0 = rss_mb()
    t = time.monotonic()
    result = replenishment_sweep()
    sweep_s = time.monotonic() - t
    rss1 = rss_mb()
    log(f"sweep: {sweep_s:.1f} s for {n_rules} rules, {result['rules_below_safety']} below safety in "
        f"{result['stores']} stores, {len(result['created'])} orders created; peak RSS {rss0:.0f} → {rss1:.0f} MB")
    t = time.monotonic()
    again = replenishment_sweep()
    sweep2_s = time.monotonic() - t
    log(f"sweep again (nothing due): {sweep2_s:.1f} s, {len(again['created'])} created")

    load = os.getloadavg()
    print("\n### Buffer stores (issue 12)\n")
    print(f"PostgreSQL, {c['stores']} stores × {c['rules']} rules = {n_rules} rules, "
          f"{c['patients']:,} patients, {c['on_loan']:,} devices on loan; load average "
          f"{load[0]:.1f}/{load[1]:.1f}/{load[2]:.1f} on {os.cpu_count()} CPUs.\n")
    print("| figure | value | target |\n|---|---|---|")
    print(f"| withdrawal API p50 / p95 / max (in-process, replenishment check included; {w['created']} of "
          f"{w['n']} created an order) | {w['p50']:.1f} / {w['p95']:.1f} / {w['max']:.1f} ms | p95 < 100 ms |")
    print(f"| nightly sweep of {n_rules} rules ({result['rules_below_safety']} below safety → "
          f"{len(result['created'])} orders) | {sweep_s:.1f} s | < 60 s |")
    print(f"| sweep again, nothing due | {sweep2_s:.1f} s | |")
    print(f"| peak RSS of the process before / after the sweep | {rss0:.0f} / {rss1:.0f} MB | |")
    return 0


if __name__ == "__main__":
    sys.path.insert(0, str(ROOT))
    sys.exit(main(sys.argv[1:]))
