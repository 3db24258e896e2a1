"""Service-orders benchmark (work orders, pickups, fault reports) at planning scale, on PostgreSQL.

    python -m benchmarks.service [--scale 0.1] [--requests 200] [--db postgres://…/postgres]
    python -m benchmarks service …              (through the dispatcher, when present)

1. Recreates a separate database `lyfta_bench_svc` and generates with bulk SQL (generate_series),
   multiplied by --scale (DESIGN.md §9 planning scale at 1.0):
   50 customers, 3,000 units with cost centres, 12,000 products, 60,000 articles (20 % tracked),
   250,000 patients, 800,000 devices (600,000 on loan with their loans and ledger rows),
   3,000,000 customer orders (one line each), and the service orders this helper adds —
   600,000 work orders, 300,000 pickup orders (one device each), 50,000 fault reports
   (an assumption: the seeds give no volumes for these).
2. Measures in-process over Django's test client with a logged-in (2FA-verified) session, so
   the full middleware, permission, selector, template and patient-access-log path is timed
   (no network): the patient view (hjälpmedelsbild, now with the service-order section) as a
   prescriber, the device card (individkort, with the order/work-order/pickup/fault history
   section) as a supply handler, the patient's service-order page, and the supply dashboard.
   Prints p50/p95 per page and a Markdown block for docs/performance.md.

Not a test: it prints figures."""
from __future__ import annotations

import argparse
import os
import platform
import random
import sys
import time

FULL = {"customers": 50, "units": 3000, "products": 12000, "articles": 60000, "patients": 250000,
        "devices": 800000, "on_loan": 600000, "orders": 3000000, "work_orders": 600000, "pickups": 300000,
        "faults": 50000}
DB_NAME = "lyfta_bench_svc"


def log(msg: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {msg}", flush=True)


def pct(values, p):
    s = sorted(values)
    return s[max(0, min(len(s) - 1, int(round(p / 100 * (len(s) - 1)))))] if s else float("nan")


def recreate(url: str) -> str:
    import psycopg

    base = url.rsplit("/", 1)[0]
    with psycopg.connect(f"{base}/postgres", autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{DB_NAME}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{DB_NAME}"')
    return f"{base}/{DB_NAME}"


def generate(n: dict) -> None:
    from django.db import connection

    steps = [
        ("customers", f"""
            INSERT INTO access_organisation (created_at, updated_at, name, kind, org_number, is_active)
            SELECT now(), now(), 'Kund ' || i, CASE WHEN i = 1 THEN 'region' ELSE 'municipality' END,
                   lpad(i::text, 10, '0'), true FROM generate_series(1, {n['customers']}) i;
            INSERT INTO access_organisation (created_at, updated_at, name, kind, org_number, is_active)
            VALUES (now(), now(), 'HMC', 'supply_centre', '9999999999', true);"""),
        ("units", f"""
            INSERT INTO access_costcentre (created_at, updated_at, organisation_id, code, name, is_active)
            SELECT now(), now(), o.id, 'KS' || i, 'Kostnadsställe ' || i, true
            FROM generate_series(1, {n['units']}) i
            JOIN access_organisation o ON o.org_number = lpad((1 + i % {n['customers']})::text, 10, '0');
            INSERT INTO access_unit (created_at, updated_at, organisation_id, name, hsa_id, is_active,
                                     default_cost_centre_id)
            SELECT now(), now(), c.organisation_id, 'Enhet ' || c.id, 'SE2321000016-B' || lpad(c.id::text, 6, '0'),
                   true, c.id FROM access_costcentre c;
            INSERT INTO access_unit (created_at, updated_at, organisation_id, name, hsa_id, is_active)
            SELECT now(), now(), id, 'HMC Kundtjänst', 'SE2321000016-HMC1', true FROM access_organisation
            WHERE kind = 'supply_centre';"""),
        ("catalogue", f"""
            INSERT INTO catalogue_isoclass (created_at, updated_at, code, title, level, prescribing_level,
                                            special_request_allowed, prescribing_version)
            VALUES (now(), now(), '122206', 'Manuella rullstolar', 3, '', false, 0);
            INSERT INTO catalogue_product (created_at, updated_at, product_number, name, iso_class_id, description,
                                           is_published)
            SELECT now(), now(), 'P' || i, 'Produkt ' || i, (SELECT id FROM catalogue_isoclass), '', true
            FROM generate_series(1, {n['products']}) i;
            INSERT INTO catalogue_article (created_at, updated_at, article_number, name, kind, product_id,
                supplier_article_number, gtin, unit, charging, monthly_rent, purchase_price, is_published,
                is_orderable, in_assortment, can_be_component, is_tracked, serial_required, purchasing,
                inspection_interval_months, search_text, name_norm, is_listed, prescribing_level,
                special_request_allowed, prescribing_version, default_loan_type)
            SELECT now(), now(), 'A' || lpad(i::text, 7, '0'), 'Artikel ' || i, CASE WHEN i % 5 = 0 THEN 'H' ELSE 'T' END,
                   (SELECT min(id) FROM catalogue_product) + (i % {n['products']}), '', '', 'st',
                   CASE WHEN i % 2 = 0 THEN 'rent' ELSE 'purchase' END, 300, 2500, true, true, true, false,
                   i % 5 = 0, i % 5 = 0, 'stocked', CASE WHEN i % 10 = 0 THEN 12 END, 'artikel ' || i, 'artikel ' || i,
                   true, '', false, 0, 'permanent'
            FROM generate_series(1, {n['articles']}) i;"""),
        ("patients", f"""
            INSERT INTO patients_patient (created_at, updated_at, identity_number, identity_kind, first_name,
                last_name, registered_street, registered_postal_code, registered_city, stay_street,
                stay_postal_code, stay_city, phone, protected_identity, contact_name, contact_phone,
                delivery_instructions, customer_id, name_search)
            SELECT now(), now(), lpad((190000000000 + i)::text, 12, '0'), 'personnummer', 'Förnamn' || i,
                   'Efternamn' || i, 'Gatan ' || i, '12345', 'Stad', '', '', '', '', false, '', '', '',
                   (SELECT min(id) FROM access_organisation) + (i % {n['customers']}),
                   'förnamn' || i || ' efternamn' || i
            FROM generate_series(1, {n['patients']}) i;"""),
        ("devices+loans+ledger", f"""
            INSERT INTO stock_location (created_at, updated_at, code, name, kind, is_active)
            VALUES (now(), now(), 'CENTRAL', 'Centrallager', 'central', true),
                   (now(), now(), 'REKOND', 'Rekonditionering', 'refurbishment', true);
            INSERT INTO stock_device (created_at, updated_at, serial, article_id, condition, status, location_id,
                holder_patient_id, available_since, purchase_date, purchase_price, next_inspection_date,
                reserved_ref, scrapped_reason)
            SELECT now(), now(), 'S' || lpad(i::text, 9, '0'), t.a[1 + i % array_length(t.a, 1)],
                   CASE WHEN i % 3 = 0 THEN 'refurbished' ELSE 'new' END,
                   CASE WHEN i <= {n['on_loan']} THEN 'on_loan' ELSE 'in_stock' END,
                   CASE WHEN i <= {n['on_loan']} THEN NULL ELSE c.id END,
                   CASE WHEN i <= {n['on_loan']} THEN p.first_id + (i % {n['patients']}) END,
                   now() - (i % 700) * interval '1 day', current_date - (i % 2000)::int, 5000, NULL, '', ''
            FROM generate_series(1, {n['devices']}) i,
                 (SELECT array_agg(id ORDER BY id) AS a FROM catalogue_article WHERE is_tracked) t,
                 (SELECT id FROM stock_location WHERE code = 'CENTRAL') c,
                 (SELECT min(id) AS first_id FROM patients_patient) p;
            INSERT INTO stock_loan (created_at, updated_at, device_id, patient_id, customer_id, cost_centre_id,
                                    started_on, ended_on, source_ref, ended_reason)
            SELECT now(), now(), d.id, d.holder_patient_id, p.customer_id, NULL, current_date - (d.id % 900)::int, NULL,
                   'KO' || d.id, ''
            FROM stock_device d JOIN patients_patient p ON p.id = d.holder_patient_id;
            INSERT INTO stock_stockmovement (at, kind, article_id, location_id, device_id, condition, quantity,
                                             reserved_delta, ref, actor_label, note)
            SELECT now() - interval '1000 days', 'receipt', article_id,
                   (SELECT id FROM stock_location WHERE code = 'CENTRAL'), id, condition, 1, 0, 'bench', 'bench', ''
            FROM stock_device;
            INSERT INTO stock_stockmovement (at, kind, article_id, location_id, device_id, condition, quantity,
                                             reserved_delta, ref, actor_label, note)
            SELECT now() - (id % 900) * interval '1 day', 'issue', article_id,
                   (SELECT id FROM stock_location WHERE code = 'CENTRAL'), id, condition, -1, 0, 'KO' || id,
                   'bench', ''
            FROM stock_device WHERE status = 'on_loan';"""),
        ("customer orders", f"""
            INSERT INTO ordering_order (created_at, updated_at, number, order_type, kind, status, customer_id,
                patient_id, delivery_to, delivery_street, delivery_postal_code, delivery_city, delivery_protected,
                contact_name, contact_phone, priority, note, confirmed_by_label, closed_reason, is_fallback, extra,
                submitted_at)
            SELECT now() - (i % 1800) * interval '1 day', now(), 'KO' || lpad(i::text, 8, '0'), 'customer',
                   'to_patient', CASE WHEN i % 20 = 0 THEN 'submitted' ELSE 'delivered' END, p.customer_id, p.id,
                   'registered_address', 'Gatan', '12345', 'Stad', false, '', '', 'normal', '', '', '', false,
                   '{{}}', now() - (i % 1800) * interval '1 day'
            FROM generate_series(1, {n['orders']}) i
            JOIN patients_patient p ON p.id = (SELECT min(id) FROM patients_patient) + (i % {n['patients']});
            INSERT INTO ordering_orderline (created_at, updated_at, order_id, line_no, article_id, quantity,
                delivered_quantity, allocated_quantity, backordered_quantity, charging, note)
            SELECT now(), now(), o.id, 1, (SELECT min(id) FROM catalogue_article) + (o.id % {n['articles']}), 1, 1, 1, 0,
                   'rent', ''
            FROM ordering_order o WHERE o.order_type = 'customer';"""),
        ("work orders", f"""
            INSERT INTO ordering_order (created_at, updated_at, number, order_type, kind, status, customer_id,
                patient_id, delivery_to, delivery_street, delivery_postal_code, delivery_city, delivery_protected,
                contact_name, contact_phone, priority, note, confirmed_by_label, closed_reason, is_fallback, extra,
                submitted_at, planned_date)
            SELECT now() - (d.id % 1500) * interval '1 day', now(), 'AO' || lpad(i::text, 8, '0'), 'work',
                   (ARRAY['repair_patient','repair_centre','adaptation','mounting','consultation','inspection'])[1 + i % 6],
                   (ARRAY['submitted','accepted','in_progress','completed','completed','completed','cancelled'])[1 + i % 7],
                   l.customer_id, l.patient_id, 'registered_address', 'Gatan', '12345', 'Stad', false, '', '',
                   'normal', 'Beskrivning', '', '', false, '{{}}', now(), current_date + (i % 30)::int
            FROM generate_series(1, {n['work_orders']}) i
            JOIN stock_device d ON d.serial = 'S' || lpad((1 + i % {n['on_loan']})::text, 9, '0')
            JOIN stock_loan l ON l.device_id = d.id AND l.ended_on IS NULL;
            INSERT INTO ordering_workorderdetail (order_id, device_id, report, hours, technician_id)
            SELECT o.id, d.id, CASE WHEN o.status = 'completed' THEN 'Utfört' ELSE '' END, NULL, NULL
            FROM ordering_order o JOIN stock_device d
              ON d.serial = 'S' || lpad((1 + substr(o.number, 3)::int % {n['on_loan']})::text, 9, '0')
            WHERE o.order_type = 'work';"""),
        ("pickups", f"""
            INSERT INTO ordering_order (created_at, updated_at, number, order_type, kind, status, customer_id,
                patient_id, delivery_to, delivery_street, delivery_postal_code, delivery_city, delivery_protected,
                contact_name, contact_phone, priority, note, confirmed_by_label, closed_reason, is_fallback, extra,
                submitted_at, planned_date)
            SELECT now() - (i % 1500) * interval '1 day', now(), 'HO' || lpad(i::text, 8, '0'), 'pickup', 'pickup',
                   (ARRAY['submitted','planned','picked_up','received','received','cancelled'])[1 + i % 6],
                   l.customer_id, l.patient_id, 'registered_address', 'Gatan', '12345', 'Stad', false, '', '',
                   'normal', '', '', '', false, '{{}}', now(), current_date + (i % 20)::int
            FROM generate_series(1, {n['pickups']}) i
            JOIN stock_device d ON d.serial = 'S' || lpad((1 + (i * 7) % {n['on_loan']})::text, 9, '0')
            JOIN stock_loan l ON l.device_id = d.id AND l.ended_on IS NULL;
            INSERT INTO ordering_pickupline (order_id, device_id, loan_id, reason, outcome, not_collected_reason)
            SELECT o.id, d.id, NULL, 'not_needed', '', ''
            FROM ordering_order o JOIN stock_device d
              ON d.serial = 'S' || lpad((1 + (substr(o.number, 3)::int * 7) % {n['on_loan']})::text, 9, '0')
            WHERE o.order_type = 'pickup';"""),
        ("fault reports", f"""
            INSERT INTO ordering_order (created_at, updated_at, number, order_type, kind, status, customer_id,
                patient_id, delivery_to, delivery_street, delivery_postal_code, delivery_city, delivery_protected,
                contact_name, contact_phone, priority, note, confirmed_by_label, closed_reason, is_fallback, extra,
                submitted_at)
            SELECT now() - (i % 1500) * interval '1 day', now(), 'AV' || lpad(i::text, 8, '0'), 'fault',
                   (ARRAY['negative_event','near_miss','complaint'])[1 + i % 3],
                   (ARRAY['registered','investigating','answered','closed'])[1 + i % 4],
                   l.customer_id, l.patient_id, '', '', '', '', false, '', '', 'normal', '', '', '', false, '{{}}', now()
            FROM generate_series(1, {n['faults']}) i
            JOIN stock_device d ON d.serial = 'S' || lpad((1 + (i * 13) % {n['on_loan']})::text, 9, '0')
            JOIN stock_loan l ON l.device_id = d.id AND l.ended_on IS NULL;
            INSERT INTO ordering_faultreportdetail (order_id, concerns, article_id, device_id, description,
                occurred_on, injury, remedy, return_method, reply_to_reporter, answer)
            SELECT o.id, 'device', d.article_id, d.id, 'Beskrivning', current_date, false, 'none', 'none', true, ''
            FROM ordering_order o JOIN stock_device d
              ON d.serial = 'S' || lpad((1 + (substr(o.number, 3)::int * 13) % {n['on_loan']})::text, 9, '0')
            WHERE o.order_type = 'fault';"""),
    ]
    with connection.cursor() as cur:
        for name, sql in steps:
            t = time.perf_counter()
            cur.execute(sql)
            log(f"  {name}: {time.perf_counter() - t:.1f} s")
        t = time.perf_counter()
        cur.execute("ANALYZE")
        log(f"  analyze: {time.perf_counter() - t:.1f} s")


def users():
    from django.contrib.auth import get_user_model

    from access.models import Organisation, RoleAssignment, Unit

    User = get_user_model()
    region = Organisation.objects.get(org_number="0000000001")
    unit = Unit.objects.filter(organisation=region).order_by("pk").first()
    supply_unit = Unit.objects.get(hsa_id="SE2321000016-HMC1")
    prescriber = User.objects.create_user("bench-prescriber", password="pw-Lyfta-2026!", first_name="B")
    RoleAssignment.objects.create(user=prescriber, unit=unit, role="prescriber")
    handler = User.objects.create_user("bench-handler", password="pw-Lyfta-2026!", first_name="H")
    RoleAssignment.objects.create(user=handler, unit=supply_unit, role="supply_handler")
    return region, prescriber, handler


def client_for(user):
    from django.test import Client
    from django_otp import DEVICE_ID_SESSION_KEY
    from django_otp.plugins.otp_totp.models import TOTPDevice

    device = TOTPDevice.objects.filter(user=user).first() or TOTPDevice.objects.create(user=user, name="bench",
                                                                                       confirmed=True)
    c = Client()
    c.force_login(user)
    s = c.session
    s[DEVICE_ID_SESSION_KEY] = device.persistent_id
    s.save()
    return c


def measure(client, urls: list[str], warmup: int = 10) -> dict:
    for u in urls[:warmup]:
        assert client.get(u).status_code == 200, u
    times = []
    for u in urls:
        t = time.perf_counter()
        r = client.get(u)
        times.append((time.perf_counter() - t) * 1000)
        assert r.status_code == 200, (u, r.status_code)
    return {"p50": pct(times, 50), "p95": pct(times, 95), "n": len(times)}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="benchmarks service", description=__doc__.split("\n")[0])
    ap.add_argument("--scale", type=float, default=0.1, help="fraction of planning scale (1.0 = full)")
    ap.add_argument("--requests", type=int, default=200, help="requests per page")
    ap.add_argument("--reuse", action="store_true", help="measure the existing lyfta_bench_svc (no generation)")
    ap.add_argument("--db", default=os.environ.get("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/postgres"))
    args = ap.parse_args(argv)
    sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    n = {k: max(2, int(v * args.scale)) for k, v in FULL.items()}
    n["on_loan"] = min(n["on_loan"], n["devices"])
    os.environ["DATABASE_URL"] = (args.db.rsplit("/", 1)[0] + f"/{DB_NAME}") if args.reuse else recreate(args.db)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "benchmarks.settings")
    os.environ["DEBUG"] = "0"
    import django

    django.setup()
    from django.core.management import call_command

    if args.reuse:
        from django.contrib.auth import get_user_model

        from access.models import Organisation

        region = Organisation.objects.get(org_number="0000000001")
        prescriber = get_user_model().objects.get(username="bench-prescriber")
        handler = get_user_model().objects.get(username="bench-handler")
    else:
        log(f"database {DB_NAME}: migrate")
        call_command("migrate", verbosity=0)
        log(f"generate at scale {args.scale}: " + ", ".join(f"{k}={v:,}" for k, v in n.items()))
        generate(n)
        region, prescriber, handler = users()
    from patients.models import Patient
    from stock.models import Device

    rnd = random.Random(42)
    pids = list(Patient.objects.filter(customer=region, devices__isnull=False).values_list("pk", flat=True)
                .distinct()[:5000])
    serials = list(Device.objects.filter(status="on_loan", work_orders__isnull=False).values_list("serial", flat=True)
                   .distinct()[:5000])
    pc, hc = client_for(prescriber), client_for(handler)
    pages = {
        "Patient view (hjälpmedelsbild) incl. service orders": (pc, [f"/bestallningar/patient/{rnd.choice(pids)}/"
                                                                     for _ in range(args.requests)]),
        "Patient service-order page": (pc, [f"/bestallningar/patient/{rnd.choice(pids)}/service/"
                                            for _ in range(args.requests)]),
        "Device card (individkort) incl. order history": (hc, [f"/lager/individ/{rnd.choice(serials)}/"
                                                               for _ in range(args.requests)]),
        "Supply dashboard (reuse rate)": (hc, ["/hmc/oversikt/"] * max(20, args.requests // 10)),
    }
    from django.db import connection

    counts = {}
    with connection.cursor() as cur:
        for t in ("ordering_order", "stock_device", "stock_loan", "stock_stockmovement", "patients_patient"):
            cur.execute(f"SELECT count(*) FROM {t}")
            counts[t] = cur.fetchone()[0]
    results = {}
    for name, (client, urls) in pages.items():
        results[name] = measure(client, urls)
        r = results[name]
        log(f"{name}: p50 {r['p50']:.1f} ms, p95 {r['p95']:.1f} ms (n={r['n']})")
    print()
    print(f"### Service orders (scale {args.scale}, PostgreSQL, {os.cpu_count()} CPU, Python "
          f"{platform.python_version()})")
    print()
    print("Rows: " + ", ".join(f"{k} {v:,}" for k, v in counts.items()))
    print()
    print("| page | p50 ms | p95 ms | n |")
    print("|---|---:|---:|---:|")
    for name, r in results.items():
        print(f"| {name} | {r['p50']:.1f} | {r['p95']:.1f} | {r['n']} |")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
