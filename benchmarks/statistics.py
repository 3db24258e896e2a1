"""Statistics benchmark (issue 16) at planning scale, on PostgreSQL.

    python -m benchmarks statistics [--scale 1.0] [--reuse] [--cold 10] [--cached 50]
                                    [--db postgres://postgres@127.0.0.1:5432/lyfta_bench_stats]

1. Data. With `benchmarks.planning` on the branch (the `scale` helper's COPY loader) it loads the
   planning-scale data into the database named by --db (`planning.load`); otherwise it generates
   what the statistics read with bulk SQL (generate_series), multiplied by --scale (DESIGN.md §9 at
   1.0): 50 customers, 60,000 articles in 10 ISO classes (1 in 20 bought in on demand),
   3,000,000 customer orders over five years with one line each (80 % delivered, 1 in 20 urgent,
   the delivery 1–12 days after submission), 800,000 of them tracked deliveries with a delivery,
   a device and the ledger's issue row (40 % from refurbished stock), 300,000 repair work orders,
   150,000 pickups and 50,000 fault reports, each with its events (about 9 million).
   --reuse keeps a database generated before.
2. Measures GET /drift/statistik/ for the last twelve months over Django's test client as a
   logged-in (2FA-verified) supply handler — middleware, permission, selectors, the figures,
   SVG charts and the template: with the projection (`StatisticsMonth`) empty (every month
   computed from the events and stored, what a rebuild costs), cold (the cache cleared, the months
   read from the projection), cached (the months in the cache), this month stale (an event
   committed and its background recompute not yet run: the request computes the month), and the
   background recompute of one month on its own. Prints p50/p95 and a
   Markdown block for docs/performance.md, with `uptime` (other sessions share the machine).

Not a test: it prints figures."""
from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import subprocess
import sys
import time

DEFAULT_DB = "postgres://postgres@127.0.0.1:5432/lyfta_bench_stats"
FULL = {"customers": 50, "articles": 60000, "orders": 3000000, "tracked": 800000, "work": 300000,
        "pickups": 150000, "faults": 50000}
ISO = [("122206", "Manuella rullstolar"), ("122306", "Elrullstolar"), ("120606", "Rollatorer"),
       ("181209", "Vårdsängar"), ("123603", "Personlyftar"), ("091203", "Toalettstolar"),
       ("093303", "Duschstolar"), ("043306", "Dynor för trycksårsprevention"), ("180903", "Arbetsstolar"),
       ("121203", "Mobila lyftar")]
DAYS = 5 * 365


def log(msg: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {msg}", flush=True)


def recreate(url: str) -> None:
    import psycopg

    base, _, name = url.rpartition("/")
    with psycopg.connect(f"{base}/postgres", autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')


def _literal(field) -> str:
    """SQL for a column the generator does not set: the field's default, NULL, '' or now()."""
    from django.db import models

    if getattr(field, "auto_now", False) or getattr(field, "auto_now_add", False):
        return "now()"
    if field.has_default():
        value = field.get_default()
        if isinstance(field, models.JSONField):
            return "'" + json.dumps(value).replace("'", "''") + "'::jsonb"
        if isinstance(value, bool):
            return "true" if value else "false"
        if isinstance(value, (int, float)):
            return str(value)
        if value is None:
            return "NULL"
        return "'" + str(value).replace("'", "''") + "'"
    if field.null:
        return "NULL"
    if isinstance(field, (models.CharField, models.TextField)):
        return "''"
    raise RuntimeError(f"{field.model.__name__}.{field.name} needs a value")


def insert(label: str, exprs: dict[str, str], source: str) -> int:
    """INSERT INTO <model's table> (every column) SELECT <exprs or defaults> FROM <source>."""
    from django.apps import apps
    from django.db import connection, models

    model = apps.get_model(label)
    cols, values = [], []
    for f in model._meta.concrete_fields:
        if f.primary_key and f.column not in exprs and isinstance(f, models.AutoField):
            continue  # the sequence numbers it
        cols.append(f'"{f.column}"')
        values.append(exprs[f.column] if f.column in exprs else _literal(f))
    unknown = set(exprs) - {f.column for f in model._meta.concrete_fields}
    if unknown:
        raise RuntimeError(f"{label}: no columns {unknown}")
    t = time.perf_counter()
    with connection.cursor() as cur:
        cur.execute(f'INSERT INTO "{model._meta.db_table}" ({", ".join(cols)}) SELECT {", ".join(values)} FROM {source}')
        n = cur.rowcount
    log(f"  {label}: {n:,} rows in {time.perf_counter() - t:.1f} s")
    return n


def generate(scale: float, today: dt.date, months: int = 60) -> dict:
    """The planning scale's volumes (× scale) at their five-year density, over the last `months`
    months (60: the whole five years; fewer: only the recent part, same rows per month)."""
    from django.db import connection

    global DAYS
    DAYS = months * 365 // 12
    n = {k: max(int(v * scale * months / 60), 10) for k, v in FULL.items()}
    n["customers"] = FULL["customers"]
    n["articles"] = max(int(FULL["articles"] * scale), 10)
    C, A, N, T, W, P, F = (n[k] for k in ("customers", "articles", "orders", "tracked", "work", "pickups", "faults"))
    start = (today - dt.timedelta(days=DAYS)).isoformat()
    day = f"(timestamp '{start} 00:00' AT TIME ZONE 'Europe/Stockholm')"
    log(f"generating at scale {scale}: {n}")
    insert("access.Organisation", {
        "id": "g", "name": "'Kund ' || g", "kind": f"CASE WHEN g <= 2 THEN 'region' WHEN g = {C + 1} THEN "
        "'supply_centre' ELSE 'municipality' END", "org_number": "lpad(g::text, 10, '0')",
    }, f"generate_series(1, {C + 1}) g")
    insert("catalogue.IsoClass", {"id": "g", "code": "c.code", "title": "c.title", "level": "3"},
           "(VALUES " + ", ".join(f"({i + 1}, '{c}', '{t}')" for i, (c, t) in enumerate(ISO)) + ") c(g, code, title)")
    insert("catalogue.Product", {"id": "g", "product_number": "'P' || g", "name": "'Produkt ' || g",
                                 "iso_class_id": f"(g % {len(ISO)}) + 1"}, f"generate_series(1, {A // 5}) g")
    insert("catalogue.Article", {
        "id": "g", "article_number": "'A' || g", "name": "'Artikel ' || g", "kind": "'H'",
        "product_id": f"(g % {A // 5}) + 1", "is_tracked": "g % 5 <> 0",
        "purchasing": "CASE WHEN g % 20 = 0 THEN 'on_demand' ELSE 'stocked' END",
    }, f"generate_series(1, {A}) g")
    insert("stock.Location", {"id": "1", "code": "'CENTRAL'", "name": "'Centrallager'", "kind": "'central'"},
           "generate_series(1, 1) g")
    # Customer orders 1..N spread evenly over five years.
    def created_at(g: str) -> str:
        return (f"({day} + (({g}::bigint * {DAYS}) / {N}) * interval '1 day' + ({g} % 600) * interval '1 minute' "
                "+ interval '7 hours')")

    def late(g: str) -> str:  # urgent: 8–28 h; else 1–12 days (+3 h)
        return (f"(CASE WHEN {g} % 20 = 1 THEN ({g} % 3) * interval '10 hours' + interval '8 hours' "
                f"ELSE (1 + {g} % 12) * interval '1 day' + interval '3 hours' END)")

    created = created_at("g")
    insert("ordering.Order", {
        "id": "g", "number": "'KO' || g", "order_type": "'customer'", "kind": "'to_patient'",
        "status": "CASE WHEN g % 5 = 0 THEN 'confirmed' ELSE 'delivered' END", "customer_id": f"(g % {C}) + 1",
        "priority": "CASE WHEN g % 20 = 1 THEN 'urgent' ELSE 'normal' END",  # delivered ones among them "created_at": created,
        "updated_at": created,
    }, f"generate_series(1, {N}) g")
    insert("ordering.OrderLine", {
        "id": "g", "order_id": "g", "line_no": "1", "article_id": f"(g % {A}) + 1", "quantity": "1",
        "delivered_quantity": "CASE WHEN g % 5 = 0 THEN 0 ELSE 1 END",
        "created_at": "now()", "updated_at": "now()",
    }, f"generate_series(1, {N}) g")
    sub = created
    insert("ordering.OrderEvent", {"order_id": "g", "at": sub, "event_type": "'transition'",
                                   "from_status": "'draft'", "to_status": "'submitted'"},
           f"generate_series(1, {N}) g")
    insert("ordering.OrderEvent", {"order_id": "g", "at": f"{sub} + interval '2 hours'", "event_type": "'transition'",
                                   "from_status": "'submitted'", "to_status": "'confirmed'"},
           f"generate_series(1, {N}) g")
    insert("ordering.OrderEvent", {"order_id": "g", "at": f"{sub} + {late('g')}", "event_type": "'transition'",
                                   "from_status": "'dispatched'", "to_status": "'delivered'"},
           f"generate_series(1, {N}) g WHERE g % 5 <> 0")
    # Tracked deliveries: orders g = 5k+1 .. (every fifth but not multiples of five) up to T of them.
    tracked = f"generate_series(1, {T}) k, LATERAL (SELECT (k - 1) * 5 / 4 + 1 AS g) o WHERE (o.g % 5) <> 0 " \
              f"AND o.g <= {N}"
    insert("stock.Device", {"id": "k", "serial": "'SN' || k", "article_id": f"(o.g % {A}) + 1",
                            "condition": "CASE WHEN k % 5 < 2 THEN 'refurbished' ELSE 'new' END",
                            "status": "'on_loan'"}, tracked)
    insert("ordering.Delivery", {"id": "k", "order_id": "o.g", "delivered_on": f"({created_at('o.g')})::date",
                                 "receiver_name": "'Mottagare'", "place": "'stay_address'"}, tracked)
    insert("ordering.DeliveryLine", {"id": "k", "delivery_id": "k", "order_line_id": "o.g", "quantity": "1",
                                     "device_id": "k"}, tracked)
    insert("ordering.OrderEvent", {"order_id": "o.g", "at": f"{created_at('o.g')} + {late('o.g')} - interval '1 minute'",
                                   "event_type": "'delivery'", "from_status": "'dispatched'",
                                   "to_status": "'dispatched'",
                                   "data": "jsonb_build_object('delivery_id', k, 'lines', jsonb_build_object('1', 1))"},
           tracked)
    insert("stock.StockMovement", {"at": f"{created_at('o.g')} + interval '1 day'", "kind": "'issue'",
                                   "article_id": f"(o.g % {A}) + 1", "location_id": "1", "device_id": "k",
                                   "condition": "CASE WHEN k % 5 < 2 THEN 'refurbished' ELSE 'new' END",
                                   "quantity": "-1", "ref": "'KO' || o.g || ':1'"}, tracked)
    # Work orders (repairs), pickups, fault reports after the customer orders' ids.
    for label, otype, kind, count, offset, events in (
        ("work", "work", "repair_patient", W, N, [("draft", "submitted", "0"), ("accepted", "in_progress",
                                                                                "(1 + g % 5) * interval '1 day'"),
                                                  ("in_progress", "completed", "(2 + g % 14) * interval '1 day'")]),
        ("pickup", "pickup", "pickup", P, N + W, [("", "submitted", "0"),
                                                  ("planned", "picked_up", "(1 + g % 9) * interval '1 day'")]),
        ("fault", "fault", "negative_event", F, N + W + P, [("", "registered", "0")]),
    ):
        prefix = {"work": "AO", "pickup": "HO", "fault": "AV"}[label]
        made = f"{day} + ((g::bigint * {DAYS}) / {count}) * interval '1 day' + interval '9 hours'"
        insert("ordering.Order", {
            "id": f"{offset} + g", "number": f"'{prefix}' || g", "order_type": f"'{otype}'", "kind": f"'{kind}'",
            "status": "'submitted'", "customer_id": f"(g % {C}) + 1", "created_at": made, "updated_at": made,
        }, f"generate_series(1, {count}) g")
        for from_s, to_s, after in events:
            insert("ordering.OrderEvent", {"order_id": f"{offset} + g",
                                           "at": f"({made}) + " + (after if after != "0" else "interval '0'"),
                                           "event_type": "'transition'", "from_status": f"'{from_s}'",
                                           "to_status": f"'{to_s}'"}, f"generate_series(1, {count}) g")
    with connection.cursor() as cur:
        for table in ("access_organisation", "catalogue_isoclass", "catalogue_product", "catalogue_article",
                      "stock_location", "ordering_order", "ordering_orderline", "ordering_orderevent", "stock_device",
                      "ordering_delivery", "ordering_deliveryline", "stock_stockmovement"):
            cur.execute(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT max(id) FROM {table}))")
        log("  ANALYZE")
        cur.execute("ANALYZE")
    return n


def measure(cold: int, cached: int) -> dict:
    from django.core.cache import cache
    from django.test import Client

    from access.models import Organisation
    from conftest import login_verified
    from tests import factories as f

    supply = Organisation.objects.filter(kind="supply_centre").first()
    user = f.UserFactory(username=f"bench-stats-{time.time_ns()}")
    from access.models import Unit
    unit = Unit.objects.filter(organisation=supply).first() or f.UnitFactory(organisation=supply)
    f.RoleAssignmentFactory(user=user, unit=unit, role="supply_handler")
    client = login_verified(Client(), user)
    url = "/drift/statistik/"

    def one() -> float:
        t = time.perf_counter()
        r = client.get(url)
        took = time.perf_counter() - t
        assert r.status_code == 200, r.status_code
        return took

    from operations.statistics import selectors as sel

    one()  # warm the process (imports, templates)
    from operations.models import StatisticsMonth
    from operations.statistics import services as stats_services

    cold_times, cached_times, event_times, empty_times, recompute_times = [], [], [], [], []
    # The projection empty (a month never computed: what the first request after a rebuild or on a
    # fresh database pays): every month computed from the events and stored.
    for _ in range(min(cold, 2)):
        StatisticsMonth.objects.all().delete()
        cache.clear()
        empty_times.append(one())
    for _ in range(cold):  # the cache cleared, the projection kept: the months read from it
        cache.clear()
        cold_times.append(one())
    for _ in range(cached):
        cached_times.append(one())
    this_month = dt.date.today().replace(day=1)
    for _ in range(cold):
        # An order event of this month committed and its background recompute has not run yet:
        # the month is stale in the projection and the request computes it.
        stats_services.projection_mark_stale({this_month})
        sel.invalidate({this_month})
        event_times.append(one())
        # The background recompute of one stale month (what the worker does, debounced).
        stats_services.projection_mark_stale({this_month})
        t = time.perf_counter()
        stats_services.projection_recompute({this_month})
        recompute_times.append(time.perf_counter() - t)
    return {"cold": cold_times, "cached": cached_times, "event": event_times, "empty": empty_times,
            "recompute": recompute_times}


def main(argv: list[str]) -> int:
    ap = argparse.ArgumentParser(prog="benchmarks statistics")
    ap.add_argument("--scale", type=float, default=1.0)
    ap.add_argument("--db", default=DEFAULT_DB)
    ap.add_argument("--reuse", action="store_true", help="keep the data generated before")
    ap.add_argument("--cold", type=int, default=10)
    ap.add_argument("--cached", type=int, default=50)
    ap.add_argument("--loader", choices=("planning", "generate"), default="planning",
                    help="planning: benchmarks.planning's COPY loader (DESIGN §9, ~20 min); generate: this "
                         "module's bulk-SQL generator (what the statistics read, minutes)")
    ap.add_argument("--months", type=int, default=60,
                    help="generate only the last N months (same density as five years of planning scale)")
    args = ap.parse_args(argv)

    os.environ["DATABASE_URL"] = args.db
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "benchmarks.settings")
    sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    source = "benchmarks/statistics.py generator"
    today = dt.date.today()
    if not args.reuse:
        planning = None
        if args.loader == "planning":
            from benchmarks import planning
        if planning is not None:
            planning.load(scale=args.scale, db_url=args.db)
            source = "benchmarks/planning.py"
            import django

            django.setup()
        else:
            recreate(args.db)
            import django

            django.setup()
            from django.core.management import call_command

            call_command("migrate", verbosity=0)
            t = time.perf_counter()
            generate(args.scale, today, args.months)
            source += f" ({args.months} months at five-year planning density)"
            log(f"generated in {time.perf_counter() - t:.0f} s")
    else:
        import django

        django.setup()
        from django.core.management import call_command

        call_command("migrate", verbosity=0)  # the reused data gets the migrations added since
        source = "reused database"
    from django.db import connection

    with connection.cursor() as cur:
        cur.execute("SELECT count(*) FROM ordering_order")
        orders = cur.fetchone()[0]
        cur.execute("SELECT count(*) FROM ordering_orderevent")
        events = cur.fetchone()[0]
        cur.execute("SELECT count(*) FROM ordering_orderevent WHERE at >= now() - interval '1 year'")
        recent = cur.fetchone()[0]
    log(f"{orders:,} orders, {events:,} events ({recent:,} in the last twelve months)")
    result = measure(args.cold, args.cached)
    from benchmarks._setup import machine, summary

    cold, cached, event = summary(result["cold"]), summary(result["cached"]), summary(result["event"])
    empty, recompute = summary(result["empty"]), summary(result["recompute"])
    load = subprocess.run(["uptime"], capture_output=True, text=True).stdout.strip()
    print()
    print(f"Statistics page, 12 months, {source}, scale {args.scale}: {orders:,} orders, {events:,} events "
          f"({recent:,} in the range)")
    print(f"machine: {machine()}; {load}")
    print("| GET /drift/statistik/ (12 months) | n | p50 ms | p95 ms | target |")
    print("|---|---|---|---|---|")
    print(f"| projection empty (every month computed from the events and stored) | {empty['n']} | "
          f"{empty['p50']:.0f} | {empty['p95']:.0f} | – |")
    print(f"| cold (cache cleared, months read from the projection) | {cold['n']} | {cold['p50']:.0f} | "
          f"{cold['p95']:.0f} | < 500 |")
    print(f"| cached | {cached['n']} | {cached['p50']:.1f} | {cached['p95']:.1f} | < 100 |")
    print(f"| this month stale (an event committed, its recompute not yet run) | {event['n']} | "
          f"{event['p50']:.0f} | {event['p95']:.0f} | – |")
    print(f"| background recompute of one month (projection_recompute) | {recompute['n']} | "
          f"{recompute['p50']:.0f} | {recompute['p95']:.0f} | – |")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
