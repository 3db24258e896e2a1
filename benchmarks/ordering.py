"""Ordering benchmark at planning scale (DESIGN.md §9), on PostgreSQL.

    python -m benchmarks ordering [--scale 0.1] [--reuse] [--requests 3000] [--rounds 3] [--clients 16]
    python -m benchmarks.ordering ...          (same, without the dispatcher)

1. Generates (fast bulk SQL, generate_series) into a separate database `lyfta_bench_ord`:
   50 customers, 3,000 units with cost centres, 3,000 prescribers, 12,000 products,
   60,000 articles, 250,000 patients, 800,000 devices (600,000 on loan, with loans),
   3,000,000 customer orders with 4,000,000 lines — all multiplied by --scale.
2. (a) Order submission over HTTP: a real gunicorn on 127.0.0.1 (--workers), 16 client threads
   POST /api/v1/orders (create + submit in one call, Idempotency-Key) — p50/p95 and throughput;
   then the same inserts as raw SQL from 16 threads (psycopg) — throughput — and the ratio;
   for context, what GET /healthz and GET /api/v1/me reach with the same clients and server, and
   the same submission written as hand-written SQL in a plain Django view (benchmarks/sql_endpoint.py).
3. (b) Order search page and patient view (hjälpmedelsbild) over HTTP with a logged-in
   session — p50/p95.

Not a test: it prints figures (and a Markdown block for docs/performance.md)."""
from __future__ import annotations

import argparse
import http.client
import json
import os
import platform
import random
import subprocess
import sys
import threading
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_DB = "postgres://postgres@127.0.0.1:5432/lyfta_bench_ord"
TOKEN = "bench-ordering-region-token"
YARDSTICK = "POST /bench/sql-orders (the same submission as hand-written SQL in a plain Django view)"
FULL = {"customers": 50, "units": 3000, "products": 12000, "articles": 60000, "patients": 250000,
        "devices": 800000, "on_loan": 600000, "orders": 3000000}


def log(msg: str) -> None:
    print(f"[{time.strftime('%H:%M:%S', time.gmtime())} UTC] {msg}", flush=True)


def pct(values: list[float], p: float) -> float:
    if not values:
        return float("nan")
    s = sorted(values)
    k = max(0, min(len(s) - 1, int(round(p / 100 * (len(s) - 1)))))
    return s[k]


# --------------------------------------------------------------------------- database


def recreate_database(url: str) -> None:
    import psycopg

    name = url.rsplit("/", 1)[1]
    admin = url.rsplit("/", 1)[0] + "/postgres"
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')


def setup_django(url: str) -> None:
    os.environ["DATABASE_URL"] = url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "benchmarks.settings")
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()


def counts(scale: float) -> dict[str, int]:
    c = {k: max(1, int(v * scale)) for k, v in FULL.items()}
    c["customers"] = max(2, min(50, c["customers"]))
    c["units"] = max(c["customers"], c["units"])
    c["on_loan"] = min(c["on_loan"], c["devices"])
    return c


GEN_SQL = r"""
SET synchronous_commit = off;
-- organisations: 1..C customers (1 region, the rest municipalities), C+1 the supply centre
INSERT INTO access_organisation (id, created_at, updated_at, name, kind, org_number, is_active)
SELECT i, now(), now(), CASE WHEN i = 1 THEN 'Region Bench' ELSE 'Kommun ' || i END,
       CASE WHEN i = 1 THEN 'region' ELSE 'municipality' END, lpad(i::text, 6, '0') || '-0000', true
FROM generate_series(1, %(customers)s) i;
INSERT INTO access_organisation (id, created_at, updated_at, name, kind, org_number, is_active)
VALUES (%(customers)s + 1, now(), now(), 'HMC Bench', 'supply_centre', '999999-0000', true);
-- units with a cost centre each; unit u belongs to customer ((u-1) %% C) + 1
INSERT INTO access_costcentre (id, created_at, updated_at, code, name, is_active, organisation_id)
SELECT u, now(), now(), 'K' || u, 'Kostnadsställe ' || u, true, ((u - 1) %% %(customers)s) + 1
FROM generate_series(1, %(units)s) u;
INSERT INTO access_unit (id, created_at, updated_at, name, hsa_id, is_active, default_cost_centre_id, organisation_id)
SELECT u, now(), now(), 'Enhet ' || u, 'SE2321000016-B' || lpad(u::text, 6, '0'), true, u, ((u - 1) %% %(customers)s) + 1
FROM generate_series(1, %(units)s) u;
INSERT INTO access_unit (id, created_at, updated_at, name, hsa_id, is_active, organisation_id)
VALUES (%(units)s + 1, now(), now(), 'HMC Kundtjänst', 'SE2321000016-BHMC01', true, %(customers)s + 1);
-- one prescriber per unit
INSERT INTO access_user (id, password, is_superuser, username, first_name, last_name, email, is_staff, is_active,
                         date_joined, hsa_id, phone, failed_login_count, deactivated_reason, is_demo, language)
SELECT u, '!', false, 'bench' || u, 'Bench', 'Förskrivare ' || u, 'bench' || u || '@example.se', false, true, now(),
       '', '', 0, '', false, 'sv'
FROM generate_series(1, %(units)s) u;
INSERT INTO access_roleassignment (id, created_at, updated_at, role, user_id, unit_id)
SELECT u, now(), now(), 'prescriber', u, u FROM generate_series(1, %(units)s) u;
-- catalogue
INSERT INTO catalogue_isoclass (id, created_at, updated_at, code, title, level, prescribing_level, special_request_allowed,
    prescribing_version) VALUES (1, now(), now(), '122206', 'Rullstolar', 3, '', false, 0);
INSERT INTO catalogue_product (id, created_at, updated_at, product_number, name, description, is_published, iso_class_id)
SELECT p, now(), now(), 'P' || lpad(p::text, 7, '0'), 'Produkt ' || p, '', true, 1 FROM generate_series(1, %(products)s) p;
INSERT INTO catalogue_article (id, created_at, updated_at, article_number, name, kind, supplier_article_number, gtin, unit,
    charging, monthly_rent, purchase_price, is_published, is_orderable, in_assortment, can_be_component, is_tracked,
    serial_required, purchasing, lead_time_days, search_text, name_norm, product_id, is_listed,
    prescribing_level, special_request_allowed, prescribing_version, default_loan_type)
SELECT a, now(), now(), 'A' || lpad(a::text, 7, '0'), 'Artikel ' || a, CASE WHEN a %% 5 = 0 THEN 'T' ELSE 'H' END, '', '',
       'st', CASE WHEN a %% 5 = 0 THEN 'purchase' ELSE 'rent' END,
       CASE WHEN a %% 5 = 0 THEN NULL ELSE 100 + a %% 900 END, CASE WHEN a %% 5 = 0 THEN 200 + a %% 3000 ELSE NULL END,
       true, true, true, false, a %% 5 <> 0, a %% 5 <> 0, CASE WHEN a %% 3 = 0 THEN 'on_demand' ELSE 'stocked' END,
       NULL, 'artikel ' || a, 'artikel ' || a, ((a - 1) %% %(products)s) + 1, true, '', false, 0, 'permanent'
FROM generate_series(1, %(articles)s) a;
-- accessory A0000005 fits the main devices the submission benchmark orders (accessory links are checked)
INSERT INTO catalogue_articlefit (main_id, part_id)
SELECT a, 5 FROM generate_series(1, LEAST(1000, %(articles)s)) a WHERE a %% 5 <> 0;
-- patients: patient p belongs to customer ((p-1) %% C) + 1
INSERT INTO patients_patient (id, created_at, updated_at, identity_number, identity_kind, first_name, last_name,
    registered_street, registered_postal_code, registered_city, stay_street, stay_postal_code, stay_city, phone,
    protected_identity, contact_name, contact_phone, delivery_instructions, name_search, customer_id)
SELECT p, now(), now(), '19' || lpad(p::text, 10, '0'), 'personnummer',
       'Förnamn' || p, 'Efternamn' || p, 'Gatan ' || (p %% 200), '12345', 'Mellanstad',
       CASE WHEN p %% 3 = 0 THEN 'Vårdhemmet ' || (p %% 50) ELSE '' END, CASE WHEN p %% 3 = 0 THEN '12346' ELSE '' END,
       CASE WHEN p %% 3 = 0 THEN 'Mellanstad' ELSE '' END, '', p %% 500 = 0, '', '', '',
       lower('förnamn' || p || ' efternamn' || p), ((p - 1) %% %(customers)s) + 1
FROM generate_series(1, %(patients)s) p;
INSERT INTO stock_location (id, created_at, updated_at, code, name, kind, is_active)
VALUES (1, now(), now(), 'CENTRAL', 'Centrallager', 'central', true);
-- devices of tracked articles; the first ON_LOAN are on loan to patients
INSERT INTO stock_device (id, created_at, updated_at, serial, condition, status, available_since, reserved_ref,
    scrapped_reason, article_id, holder_patient_id, location_id)
SELECT d, now(), now(), 'S' || lpad(d::text, 9, '0'), CASE WHEN d %% 4 = 0 THEN 'refurbished' ELSE 'new' END,
       CASE WHEN d <= %(on_loan)s THEN 'on_loan' ELSE 'in_stock' END, now() - (d %% 400) * interval '1 day', '', '',
       CASE WHEN (((d * 7) %% %(articles)s) + 1) %% 5 = 0 THEN ((d * 7) %% %(articles)s) ELSE ((d * 7) %% %(articles)s) + 1 END,
       CASE WHEN d <= %(on_loan)s THEN ((d - 1) %% %(patients)s) + 1 ELSE NULL END,
       CASE WHEN d <= %(on_loan)s THEN NULL ELSE 1 END
FROM generate_series(1, %(devices)s) d;
INSERT INTO stock_loan (id, created_at, updated_at, started_on, source_ref, ended_reason, cost_centre_id, customer_id,
                        device_id, patient_id, loan_type)
SELECT d, now(), now(), current_date - (d %% 1500), 'KO-hist', '', ((d - 1) %% %(customers)s) + 1,
       ((((d - 1) %% %(patients)s)) %% %(customers)s) + 1, d, ((d - 1) %% %(patients)s) + 1, 'permanent'
FROM generate_series(1, %(on_loan)s) d;
-- orders over five years; order o for patient p = ((o*13) %% P) + 1, customer of that patient, one of its units
INSERT INTO ordering_order (id, created_at, updated_at, number, order_type, kind, status, delivery_to, delivery_street,
    delivery_postal_code, delivery_city, delivery_protected, contact_name, contact_phone, priority, promised_date,
    planned_date, note, submitted_at, confirmed_at, confirmed_by_label, delivered_at, closed_reason, is_fallback,
    extra, cost_centre_id, customer_id, orderer_id, patient_id, prescriber_id, unit_id)
SELECT o, ts, ts, 'KO' || lpad(o::text, 7, '0'), 'customer', 'to_patient',
       CASE WHEN r < 85 THEN 'delivered' WHEN r < 90 THEN 'cancelled' WHEN r < 93 THEN 'withdrawn'
            WHEN r < 96 THEN 'confirmed' WHEN r < 98 THEN 'submitted' WHEN r < 99 THEN 'dispatched' ELSE 'draft' END,
       'registered_address', 'Gatan 1', '12345', 'Mellanstad', false, '', '', CASE WHEN o %% 20 = 0 THEN 'urgent' ELSE 'normal' END,
       (ts + interval '9 days')::date, (ts + interval '9 days')::date, '', ts, ts + interval '1 day', 'hmc', ts + interval '9 days',
       '', false, '{}'::jsonb, unit, cust, unit, pat, unit, unit
FROM (
  SELECT o, pat, cust, cust + %(customers)s * ((o %% (%(units)s / %(customers)s))) AS unit,
         now() - ((%(orders)s - o)::float / %(orders)s) * interval '1825 days' AS ts, (o * 37) %% 100 AS r
  FROM (SELECT o, ((o * 13) %% %(patients)s) + 1 AS pat, ((((o * 13) %% %(patients)s)) %% %(customers)s) + 1 AS cust
        FROM generate_series(1, %(orders)s) o) x
) y;
INSERT INTO ordering_orderline (id, created_at, updated_at, line_no, quantity, delivered_quantity, allocated_quantity,
    backordered_quantity, charging, monthly_rent, unit_price, note, article_id, order_id, loan_type)
SELECT o, now(), now(), 1, 1, 1, 1, 0, 'rent', 350, NULL, '', ((o * 11) %% %(articles)s) + 1, o, 'permanent'
FROM generate_series(1, %(orders)s) o;
INSERT INTO ordering_orderline (id, created_at, updated_at, line_no, quantity, delivered_quantity, allocated_quantity,
    backordered_quantity, charging, monthly_rent, unit_price, note, article_id, order_id, loan_type)
SELECT %(orders)s + o, now(), now(), 2, 1, 1, 1, 0, 'purchase', NULL, 1200, '', 5, o * 3, ''
FROM generate_series(1, %(orders)s / 3) o;
INSERT INTO core_numbersequence (prefix, last_value) VALUES ('KO', %(orders)s)
  ON CONFLICT (prefix) DO UPDATE SET last_value = EXCLUDED.last_value;
CREATE SEQUENCE IF NOT EXISTS lyfta_number_ko;
SELECT setval('lyfta_number_ko', %(orders)s);
"""

SEQ_TABLES = ["access_organisation", "access_costcentre", "access_unit", "access_user", "access_roleassignment",
              "catalogue_isoclass", "catalogue_product", "catalogue_article", "patients_patient", "stock_location",
              "stock_device", "stock_loan", "ordering_order", "ordering_orderline"]


BIG_TABLES = ["patients_patient", "stock_device", "stock_loan", "ordering_order", "ordering_orderline"]


def generate(c: dict[str, int]) -> float:
    """Bulk SQL with foreign-key triggers off for this session (the data is consistent by
    construction) and the big tables' secondary indexes dropped and rebuilt afterwards."""
    from django.db import connection

    t0 = time.monotonic()
    statements = [s.strip() for s in GEN_SQL.split(";\n") if s.strip()]
    with connection.cursor() as cur:
        cur.execute("SET session_replication_role = replica")
        cur.execute(
            "SELECT i.indexname, i.indexdef FROM pg_indexes i WHERE i.tablename = ANY(%s) AND NOT EXISTS ("
            " SELECT 1 FROM pg_constraint k WHERE k.conindid = (quote_ident(i.schemaname) || '.' || "
            " quote_ident(i.indexname))::regclass)", [BIG_TABLES])
        indexes = cur.fetchall()
        for name, _ in indexes:
            cur.execute(f'DROP INDEX "{name}"')
        for stmt in statements:
            t = time.monotonic()
            cur.execute(stmt, c)
            first = " ".join(stmt.split("\n")[0:2])[:70]
            log(f"  {time.monotonic() - t:6.1f}s  {first}")
        t = time.monotonic()
        cur.execute("SET maintenance_work_mem = '512MB'")
        for _, definition in indexes:
            cur.execute(definition)
        log(f"  {time.monotonic() - t:6.1f}s  rebuilt {len(indexes)} indexes")
        cur.execute("SET session_replication_role = DEFAULT")
        for table in SEQ_TABLES:
            cur.execute(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT COALESCE(MAX(id), 1) FROM {table}))")
    with connection.cursor() as cur:
        t = time.monotonic()
        cur.execute("VACUUM ANALYZE")
        log(f"  {time.monotonic() - t:6.1f}s  VACUUM ANALYZE")
    return time.monotonic() - t0


def bench_principals(c: dict[str, int]) -> dict:
    """An API client of customer 1, a verified session of the prescriber of unit 1."""
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
    from django.contrib.sessions.backends.db import SessionStore
    from django_otp import DEVICE_ID_SESSION_KEY
    from django_otp.plugins.otp_totp.models import TOTPDevice

    from access.models import ApiClient, Organisation, User
    from access.services import hash_token

    region = Organisation.objects.get(pk=1)
    ApiClient.objects.get_or_create(name="bench-region", defaults={
        "organisation": region, "token_hash": hash_token(TOKEN), "token_prefix": TOKEN[:8]})
    user = User.objects.get(pk=1)
    device, _ = TOTPDevice.objects.get_or_create(user=user, name="bench", defaults={"confirmed": True})
    session = SessionStore()
    session[SESSION_KEY] = str(user.pk)
    session[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"  # not axes' (first in the list)
    session[HASH_SESSION_KEY] = user.get_session_auth_hash()
    session[DEVICE_ID_SESSION_KEY] = device.persistent_id
    session.create()
    patients = list(range(1, c["patients"] + 1, c["customers"]))  # customer 1's patients
    return {"session": session.session_key, "patients": patients}


# --------------------------------------------------------------------------- HTTP


class Http:
    def __init__(self, port: int, headers: dict):
        self.port, self.headers = port, headers
        self.conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)

    def request(self, method: str, path: str, body: bytes | None = None, headers: dict | None = None):
        h = dict(self.headers, **(headers or {}))
        for attempt in range(2):
            try:
                self.conn.request(method, path, body=body, headers=h)
                resp = self.conn.getresponse()
                data = resp.read()
                return resp.status, data
            except (http.client.HTTPException, ConnectionError, OSError):
                self.conn.close()
                self.conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=60)
                if attempt:
                    raise
        raise RuntimeError("unreachable")


def start_gunicorn(url: str, port: int, workers: int, threads: int,
                   settings: str = "benchmarks.settings") -> subprocess.Popen:
    env = dict(os.environ, DATABASE_URL=url, DJANGO_SETTINGS_MODULE=settings, LYFTA_LOG_LEVEL="WARNING")
    gunicorn = str(Path(sys.executable).with_name("gunicorn"))
    cmd = [gunicorn, "config.wsgi", "-b", f"127.0.0.1:{port}", "-w", str(workers), "--threads", str(threads),
           "--worker-class", "gthread" if threads > 1 else "sync", "--keep-alive", "30", "--log-level", "warning",
           "--access-logfile", "-" if os.environ.get("BENCH_ACCESS_LOG") else "/dev/null"]
    proc = subprocess.Popen(cmd, cwd=str(ROOT), env=env)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            status, _ = Http(port, {}).request("GET", "/healthz")
            if status == 200:
                return proc
        except OSError:
            pass
        time.sleep(0.3)
    proc.terminate()
    raise RuntimeError("gunicorn did not start")


def run_clients(n_clients: int, total: int, make_request) -> tuple[list[float], float, int]:
    """`make_request(client_index, i) -> ok` timed; returns (latencies ms, wall seconds, errors)."""
    latencies: list[float] = []
    errors = [0]
    lock = threading.Lock()
    counter = iter(range(total))
    barrier = threading.Barrier(n_clients + 1)

    def worker(ci):
        ctx = {}
        barrier.wait()
        while True:
            with lock:
                i = next(counter, None)
            if i is None:
                return
            t = time.perf_counter()
            ok = make_request(ctx, ci, i)
            dt = (time.perf_counter() - t) * 1000
            with lock:
                latencies.append(dt)
                if not ok:
                    errors[0] += 1

    threads = [threading.Thread(target=worker, args=(ci,)) for ci in range(n_clients)]
    for t in threads:
        t.start()
    barrier.wait()
    t0 = time.perf_counter()
    for t in threads:
        t.join()
    return latencies, time.perf_counter() - t0, errors[0]


def bench_submission_http(port: int, patients: list[int], n: int, clients: int,
                          path: str = "/api/v1/orders") -> dict:
    articles_rent = [a for a in range(1, 1000) if a % 5 != 0][:200]
    accessory = 5

    def make(ctx, ci, i):
        if "http" not in ctx:
            ctx["http"] = Http(port, {"Authorization": f"Bearer {TOKEN}", "Content-Type": "application/json"})
        body = json.dumps({
            "patient_id": random.choice(patients), "submit": True, "contact_name": "Bench",
            "unit_id": 1, "orderer_username": "bench1",  # customer 1's first unit and its prescriber
            "lines": [{"article_number": f"A{random.choice(articles_rent):07d}", "quantity": 1},
                      {"article_number": f"A{accessory:07d}", "quantity": 1, "main_line_no": 1}],
        }).encode()
        status, _ = ctx["http"].request("POST", path, body, {"Idempotency-Key": uuid.uuid4().hex})
        return status == 201

    run_clients(clients, min(200, n // 5), make)  # warm-up
    lat, wall, err = run_clients(clients, n, make)
    return {"n": n, "p50": pct(lat, 50), "p95": pct(lat, 95), "throughput": n / wall, "errors": err,
            "lat": lat, "wall": wall}


def bench_submission_sql(url: str, patients: list[int], n: int, clients: int) -> dict:
    """The rows one order submission writes (`ordering.flows.customer.order_draft_create` with
    submit=true, under `core.idempotency.run_idempotent`), as plain SQL in one transaction per
    order, with the same multi-row inserts the application uses: the order number (sequence), the
    order (already submitted), its two lines (main device, then the accessory pointing at it), two
    events in one insert, two audit rows in one insert, and the idempotency record with the response.
    Prepared statements (psycopg prepares after five uses), like the application's connections."""
    import psycopg

    def make(ctx, ci, i):
        if "conn" not in ctx:
            ctx["conn"] = psycopg.connect(url)
        conn = ctx["conn"]
        pat = random.choice(patients)
        key = uuid.uuid4().hex
        with conn.transaction():
            cur = conn.cursor()
            cur.execute("SELECT nextval('lyfta_number_ko')")
            num = cur.fetchone()[0]
            cur.execute(
                "INSERT INTO ordering_order (created_at, updated_at, number, order_type, kind, status, delivery_to, "
                "delivery_street, delivery_postal_code, delivery_city, delivery_protected, contact_name, contact_phone, "
                "priority, promised_date, note, submitted_at, confirmed_by_label, closed_reason, is_fallback, extra, "
                "customer_id, patient_id, created_by_client_id) VALUES (now(), now(), %s, 'customer', 'to_patient', "
                "'submitted', 'registered_address', 'Gatan 1', '12345', 'Mellanstad', false, 'Bench', '', 'normal', "
                "current_date + 9, '', now(), '', '', false, '{}', 1, %s, 1) RETURNING id", (f"KO{num:07d}", pat))
            oid = cur.fetchone()[0]
            cur.execute(
                "INSERT INTO ordering_orderline (created_at, updated_at, line_no, quantity, delivered_quantity, "
                "allocated_quantity, backordered_quantity, charging, monthly_rent, note, article_id, order_id, loan_type) "
                "VALUES (now(), now(), 1, 1, 0, 0, 0, 'rent', 350, '', 1, %s, 'permanent') RETURNING id", (oid,))
            main = cur.fetchone()[0]
            cur.execute(
                "INSERT INTO ordering_orderline (created_at, updated_at, line_no, quantity, delivered_quantity, "
                "allocated_quantity, backordered_quantity, charging, unit_price, note, article_id, order_id, "
                "main_line_id, loan_type) VALUES (now(), now(), 2, 1, 0, 0, 0, 'purchase', 1200, '', 5, %s, %s, '') "
                "RETURNING id",
                (oid, main))
            cur.execute("INSERT INTO ordering_orderevent (order_id, at, event_type, actor_label, from_status, "
                        "to_status, reason, data) VALUES (%s, now(), 'transition', 'raw', '', 'draft', '', '{}'), "
                        "(%s, now(), 'transition', 'raw', 'draft', 'submitted', '', '{\"promised_date\": \"x\"}') "
                        "RETURNING id", (oid, oid))
            cur.execute("INSERT INTO audit_auditevent (at, actor_client_id, actor_label, action, object_type, "
                        "object_id, object_repr, data, request_id) VALUES "
                        "(now(), 1, 'api:raw', 'order.draft_created', 'ordering.order', %s, %s, '{}', ''), "
                        "(now(), 1, 'api:raw', 'order.submitted', 'ordering.order', %s, %s, "
                        "'{\"from\": \"draft\", \"to\": \"submitted\"}', '') RETURNING id",
                        (str(oid), f"KO{num:07d}", str(oid), f"KO{num:07d}"))
            cur.execute("INSERT INTO core_idempotencyrecord (actor_key, key, request_hash, status_code, response_body, "
                        "created_at) VALUES ('client:raw', %s, 'h', 201, %s, now()) RETURNING id",
                        (key, json.dumps({"id": oid, "number": f"KO{num:07d}", "status": "submitted"})))
        return True

    run_clients(clients, min(200, n // 5), make)
    lat, wall, err = run_clients(clients, n, make)
    return {"n": n, "p50": pct(lat, 50), "p95": pct(lat, 95), "throughput": n / wall, "errors": err,
            "lat": lat, "wall": wall}


def pooled(results: list[dict]) -> dict:
    """Several rounds of one measurement as one: all latencies, total requests over total time."""
    lat = [x for r in results for x in r["lat"]]
    n, wall = sum(r["n"] for r in results), sum(r["wall"] for r in results)
    return {"n": n, "p50": pct(lat, 50), "p95": pct(lat, 95), "throughput": n / wall,
            "errors": sum(r["errors"] for r in results)}


def bench_ceiling(port: int, n: int, clients: int) -> dict:
    """What the HTTP stack alone allows with the same clients and server: GET /healthz (gunicorn +
    Django's middleware + one trivial query) and GET /api/v1/me (the same plus django-ninja and the
    bearer-token look-up that every API call makes). Context for the ratio, not a target."""
    out = {}
    for name, path in (("GET /healthz (HTTP stack only)", "/healthz"),
                       ("GET /api/v1/me (HTTP stack + API auth)", "/api/v1/me")):
        def make(ctx, ci, i, path=path):
            if "http" not in ctx:
                ctx["http"] = Http(port, {"Authorization": f"Bearer {TOKEN}"})
            status, _ = ctx["http"].request("GET", path)
            return status == 200

        run_clients(clients, min(200, n // 5), make)
        lat, wall, err = run_clients(clients, n, make)
        out[name] = {"n": n, "p50": pct(lat, 50), "p95": pct(lat, 95), "throughput": n / wall, "errors": err,
                     "lat": lat, "wall": wall}
    return out


def bench_pages(port: int, session: str, patients: list[int], n: int, clients: int) -> dict:
    headers = {"Cookie": f"sessionid={session}"}
    statuses = ["submitted", "confirmed", "delivered", ""]

    def search(ctx, ci, i):
        if "http" not in ctx:
            ctx["http"] = Http(port, headers)
        variant = i % 4
        if variant == 0:
            path = "/bestallningar/"
        elif variant == 1:
            path = f"/bestallningar/?status={random.choice(statuses)}"
        elif variant == 2:
            path = f"/bestallningar/?number=KO{random.randint(1, 299):03d}"
        else:
            path = "/bestallningar/?status=delivered&date_from=2024-01-01&date_to=2024-12-31"
        status, body = ctx["http"].request("GET", path)
        return status == 200

    def patient(ctx, ci, i):
        if "http" not in ctx:
            ctx["http"] = Http(port, headers)
        status, body = ctx["http"].request("GET", f"/bestallningar/patient/{random.choice(patients)}/")
        return status == 200

    out = {}
    for name, fn in (("order search page", search), ("patient view", patient)):
        run_clients(clients, min(50, n // 5), fn)
        lat, wall, err = run_clients(clients, n, fn)
        out[name] = {"n": n, "p50": pct(lat, 50), "p95": pct(lat, 95), "throughput": n / wall, "errors": err}
    return out


# --------------------------------------------------------------------------- main


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m benchmarks ordering", description=__doc__.split("\n")[0])
    ap.add_argument("--scale", type=float, default=1.0, help="fraction of planning scale (default 1.0)")
    ap.add_argument("--db", default=os.environ.get("BENCH_ORDERING_DB", DEFAULT_DB))
    ap.add_argument("--reuse", action="store_true", help="keep existing generated data")
    ap.add_argument("--requests", type=int, default=3000, help="order submissions per round")
    ap.add_argument("--rounds", type=int, default=3, help="alternating HTTP / raw-SQL rounds (default 3)")
    ap.add_argument("--page-requests", type=int, default=600, help="requests per page kind")
    ap.add_argument("--clients", type=int, default=16)
    ap.add_argument("--page-clients", type=int, default=1)
    ap.add_argument("--workers", type=int, default=3)
    ap.add_argument("--threads", type=int, default=4)
    ap.add_argument("--port", type=int, default=8765)
    args = ap.parse_args(argv)
    c = counts(args.scale)
    random.seed(42)
    gen_seconds = None
    if not args.reuse:
        log(f"Recreating {args.db.rsplit('/', 1)[1]} and generating at scale {args.scale}: {c}")
        recreate_database(args.db)
        setup_django(args.db)
        from django.core.management import call_command

        call_command("migrate", verbosity=0)
        gen_seconds = generate(c)
        log(f"Generated in {gen_seconds:.0f} s")
    else:
        setup_django(args.db)
        from django.core.management import call_command

        call_command("migrate", verbosity=0)  # code may have moved on since the data was generated
        from django.db import connection as conn

        with conn.cursor() as cur:  # the order-number sequence continues after the highest stored number
            cur.execute("CREATE SEQUENCE IF NOT EXISTS lyfta_number_ko")
            cur.execute("SELECT setval('lyfta_number_ko', (SELECT coalesce(max(substr(number, 3)::bigint), 1) "
                        "FROM ordering_order WHERE number ~ '^KO[0-9]+$'))")
    from django.db import connection

    with connection.cursor() as cur:
        cur.execute("SELECT (SELECT count(*) FROM ordering_order), (SELECT count(*) FROM patients_patient), "
                    "(SELECT count(*) FROM stock_device), (SELECT count(*) FROM stock_loan WHERE ended_on IS NULL)")
        n_orders, n_patients, n_devices, n_loans = cur.fetchone()
    log(f"Data: {n_orders:,} orders, {n_patients:,} patients, {n_devices:,} devices, {n_loans:,} open loans")
    who = bench_principals(c)
    connection.close()

    proc = start_gunicorn(args.db, args.port, args.workers, args.threads)
    # The yardstick (benchmarks/sql_endpoint.py): the same submission as hand-written SQL in a
    # plain Django view, same gunicorn settings and middleware, on the next port.
    yard = start_gunicorn(args.db, args.port + 1, args.workers, args.threads, settings="benchmarks.settings_sql")
    try:
        log(f"(a) order submission over HTTP: {args.requests} orders, {args.clients} clients, "
            f"gunicorn {args.workers} workers × {args.threads} threads")
        load_before = os.getloadavg()
        single = bench_submission_http(args.port, who["patients"], max(100, args.requests // 10), 1)
        # HTTP and raw SQL alternate, so a change in the machine's speed during the run (this
        # shared 2-CPU VM varies by up to 2x) weighs on both sides of the ratio alike.
        http_rounds, sql_rounds, ceiling_rounds = [], [], []
        for r in range(args.rounds):
            log(f"(a) round {r + 1}/{args.rounds}: HTTP, the same inserts as raw SQL "
                f"({args.clients} connections), then the HTTP stack alone (context)")
            http_rounds.append(bench_submission_http(args.port, who["patients"], args.requests, args.clients))
            sql_rounds.append(bench_submission_sql(args.db, who["patients"], args.requests, args.clients))
            ceiling = bench_ceiling(args.port, args.requests, args.clients)
            ceiling[YARDSTICK] = bench_submission_http(args.port + 1, who["patients"], args.requests, args.clients,
                                                       path="/bench/sql-orders")
            ceiling_rounds.append(ceiling)
        http_res, sql_res = pooled(http_rounds), pooled(sql_rounds)
        ceiling = {k: pooled([c[k] for c in ceiling_rounds]) for k in ceiling_rounds[0]}
        round_ratios = [h["throughput"] / q["throughput"] for h, q in zip(http_rounds, sql_rounds)]
        log(f"(b) order search page and patient view over HTTP: {args.page_requests} each, "
            f"{args.page_clients} clients")
        pages = bench_pages(args.port, who["session"], who["patients"], args.page_requests, args.page_clients)
    finally:
        for p in (proc, yard):
            p.terminate()
            p.wait(timeout=30)

    ratio = http_res["throughput"] / sql_res["throughput"] if sql_res["throughput"] else float("nan")
    load_after = os.getloadavg()
    rows = [("order submission, HTTP, 1 client (no queueing)", single),
            (f"order submission, HTTP, {args.clients} clients ({args.rounds} rounds)", http_res),
            (f"same inserts, raw SQL, {args.clients} connections ({args.rounds} rounds)", sql_res),
            *[(f"context: {k}, {args.clients} clients ({args.rounds} rounds)", v) for k, v in ceiling.items()],
            *[(k, v) for k, v in pages.items()]]
    print()
    print(f"Ordering benchmark — {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())} — "
          f"{platform.node()} ({os.cpu_count()} CPU, {platform.platform()}) — scale {args.scale}")
    if gen_seconds is not None:
        print(f"Generation: {gen_seconds:.0f} s")
    print(f"Data: {n_orders:,} orders, {n_patients:,} patients, {n_devices:,} devices, {n_loans:,} open loans")
    print(f"Load average (1/5/15 min) before: {load_before[0]:.1f}/{load_before[1]:.1f}/{load_before[2]:.1f}, "
          f"after: {load_after[0]:.1f}/{load_after[1]:.1f}/{load_after[2]:.1f} (other work on the machine "
          f"competes for the {os.cpu_count()} CPUs)")
    print(f"gunicorn: {args.workers} workers × {args.threads} threads; pages measured with {args.page_clients} client(s)")
    print()
    print("| measurement | requests | p50 ms | p95 ms | per second | errors |")
    print("|---|---:|---:|---:|---:|---:|")
    for name, r in rows:
        print(f"| {name} | {r['n']} | {r['p50']:.1f} | {r['p95']:.1f} | {r['throughput']:.0f} | {r['errors']} |")
    print()
    print(f"HTTP / raw SQL throughput ratio: {ratio:.2f} (target ≥ 0.33); per round: "
          + ", ".join(f"{x:.2f}" for x in round_ratios))
    for k, v in ceiling.items():
        print(f"  context: {k} alone reaches {v['throughput'] / sql_res['throughput']:.2f} of the raw-SQL rate")
    ok = (http_res["p95"] < 100 and ratio >= 1 / 3 and all(v["p95"] < 50 for v in pages.values())
          and not http_res["errors"] and not any(v["errors"] for v in pages.values()))
    print(f"Targets (submission p95 < 100 ms, ratio ≥ 1/3, search/patient view p95 < 50 ms): "
          f"{'met' if ok else 'NOT met'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
