"""A yardstick for the ordering benchmark, not part of Lyfta: the same order submission as
`POST /api/v1/orders` with `submit: true` (token, Idempotency-Key, patient and articles looked up,
order number, order, lines, events, audit rows, idempotency record), written as hand-written SQL
in a plain Django view — no django-ninja, no ORM, no services, and none of their checks and
messages. Served by the same gunicorn and middleware (settings `benchmarks.settings_sql`), it shows
how much of the gap to raw SQL is the HTTP stack and how much is the framework's ORM and API layer.
PostgreSQL only."""
from __future__ import annotations

import hashlib
import json

from django.db import connection, transaction
from django.http import JsonResponse
from django.urls import path
from django.utils import timezone
from django.views.decorators.csrf import csrf_exempt

from config.urls import urlpatterns as lyfta_urlpatterns


@csrf_exempt
def sql_orders(request):
    auth = request.headers.get("Authorization", "")
    token = auth[7:] if auth.startswith("Bearer ") else ""
    cur = connection.cursor()
    cur.execute("SELECT c.id, c.organisation_id, c.name FROM access_apiclient c JOIN access_organisation o "
                "ON o.id = c.organisation_id WHERE c.token_hash = %s AND c.is_active AND o.is_active",
                [hashlib.sha256(token.encode()).hexdigest()])
    row = cur.fetchone()
    if row is None:
        return JsonResponse({"detail": "unauthorized"}, status=401)
    client_id, org_id, name = row
    body = json.loads(request.body)
    key, akey = request.headers.get("Idempotency-Key", ""), f"client:{client_id}"
    cur.execute("SELECT status_code, response_body FROM core_idempotencyrecord WHERE actor_key = %s AND key = %s",
                [akey, key])
    stored = cur.fetchone()
    if stored:
        return JsonResponse(stored[1], status=stored[0], safe=False)
    with transaction.atomic():
        cur.execute("SELECT customer_id, registered_street, registered_postal_code, registered_city, stay_street, "
                    "stay_postal_code, stay_city, protected_identity FROM patients_patient WHERE id = %s",
                    [body["patient_id"]])
        p = cur.fetchone()
        if p is None or p[0] != org_id:
            return JsonResponse({"detail": "not found"}, status=404)
        cur.execute("SELECT article_number, id, charging, monthly_rent, purchase_price FROM catalogue_article "
                    "WHERE article_number = ANY(%s) AND is_orderable", [[ln["article_number"] for ln in body["lines"]]])
        articles = {r[0]: r for r in cur.fetchall()}
        promised = timezone.localdate() + timezone.timedelta(days=9)
        cur.execute("SELECT nextval('lyfta_number_ko')")
        number = f"KO{cur.fetchone()[0]:07d}"
        where = ("stay_address", p[4], p[5], p[6]) if p[4] else ("registered_address", p[1], p[2], p[3])
        cur.execute(
            "INSERT INTO ordering_order (created_at, updated_at, number, order_type, kind, status, delivery_to, "
            "delivery_street, delivery_postal_code, delivery_city, delivery_protected, contact_name, contact_phone, "
            "priority, promised_date, note, submitted_at, confirmed_by_label, closed_reason, is_fallback, extra, "
            "customer_id, patient_id, created_by_client_id) VALUES (now(), now(), %s, 'customer', 'to_patient', "
            "'submitted', %s, %s, %s, %s, %s, %s, '', 'normal', %s, '', now(), '', '', false, '{}', %s, %s, %s) "
            "RETURNING id",
            [number, *where, p[7], body.get("contact_name", ""), promised, org_id, body["patient_id"], client_id])
        oid = cur.fetchone()[0]
        line_ids: list[int] = []
        for no, ln in enumerate(body["lines"], start=1):
            a = articles[ln["article_number"]]
            main = line_ids[ln["main_line_no"] - 1] if ln.get("main_line_no") else None
            cur.execute("INSERT INTO ordering_orderline (created_at, updated_at, line_no, quantity, "
                        "delivered_quantity, allocated_quantity, backordered_quantity, charging, monthly_rent, "
                        "unit_price, note, article_id, order_id, main_line_id) VALUES (now(), now(), %s, %s, 0, 0, 0, "
                        "%s, %s, %s, '', %s, %s, %s) RETURNING id", [no, ln["quantity"], a[2], a[3], a[4], a[1], oid,
                                                                    main])
            line_ids.append(cur.fetchone()[0])
        cur.execute("INSERT INTO ordering_orderevent (order_id, at, event_type, actor_label, from_status, to_status, "
                    "reason, data) VALUES (%s, now(), 'transition', %s, '', 'draft', '', '{}'), "
                    "(%s, now(), 'transition', %s, 'draft', 'submitted', '', %s)",
                    [oid, name, oid, name, json.dumps({"promised_date": str(promised)})])
        label = f"api:{name}"
        cur.execute("INSERT INTO audit_auditevent (at, actor_client_id, actor_label, action, object_type, object_id, "
                    "object_repr, data, request_id) VALUES "
                    "(now(), %s, %s, 'order.draft_created', 'ordering.order', %s, %s, '{}', ''), "
                    "(now(), %s, %s, 'order.submitted', 'ordering.order', %s, %s, %s, '')",
                    [client_id, label, str(oid), number, client_id, label, str(oid), number,
                     json.dumps({"from": "draft", "to": "submitted"})])
        out = {"id": oid, "number": number, "status": "submitted", "promised_date": str(promised),
               "lines": [{"id": x} for x in line_ids]}
        cur.execute("INSERT INTO core_idempotencyrecord (actor_key, key, request_hash, status_code, response_body, "
                    "created_at) VALUES (%s, %s, %s, 201, %s, now())",
                    [akey, key, hashlib.sha256(request.body).hexdigest(), json.dumps(out)])
    return JsonResponse(out, status=201)


urlpatterns = [path("bench/sql-orders", sql_orders), *lyfta_urlpatterns]
