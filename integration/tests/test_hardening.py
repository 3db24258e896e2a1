"""Issue 11 (API/input hardening) and issue 10 (one `errors` shape): CSRF for session calls,
JSON only as application/json, the input-sanitising layer (NUL, lone surrogates, dates, body
size) for API and UI, canonical idempotency fingerprints, object-only bodies, and error
responses in the OpenAPI document."""
import json

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.middleware.csrf import _get_new_csrf_string
from django.test import Client

from conftest import login_verified
from ordering.models import Order
from ordering.tests import factories as of
from ordering.tests.service_fixtures import *  # noqa: F401,F403
from patients.models import Patient


def problem(response, status, code=None):
    assert response.status_code == status, (response.status_code, response.content[:500])
    assert response["Content-Type"] == "application/problem+json", response["Content-Type"]
    body = response.json()
    assert body["status"] == status and {"type", "title", "detail"} <= body.keys()
    if code is not None:
        assert body["code"] == code, body
    return body


def post_json(client, url, body, **extra):
    data = body if isinstance(body, (str, bytes)) else json.dumps(body)
    return client.post(url, data=data, content_type="application/json", **extra)


@pytest.fixture
def goods(world):
    chair = of.wheelchair()
    return {"chair": chair, "patient": of.patient(world["region"])}


def order_body(goods, **kw):
    body = {"patient_identity_number": goods["patient"].identity_number,
            "lines": [{"article_number": goods["chair"].article_number, "quantity": 1}],
            "contact_name": "Anna Kontakt", "note": "Ring innan", "orderer_username": "region-orderer"}
    body.update(kw)
    return body


@pytest.fixture
def session_client(make_user):
    """A prescriber's browser: session cookie, CSRF checks enforced like a real browser."""
    user = make_user("prescriber")
    client = login_verified(Client(enforce_csrf_checks=True), user)
    return client


# --------------------------------------------------------------------------- CSRF


def test_session_post_without_csrf_token_is_403_problem(session_client, goods):
    r = post_json(session_client, "/api/v1/orders", order_body(goods))
    problem(r, 403, "csrf_failed")
    assert Order.objects.count() == 0


def test_session_post_with_csrf_token_passes(session_client, goods):
    secret = _get_new_csrf_string()
    session_client.cookies[settings.CSRF_COOKIE_NAME] = secret
    r = post_json(session_client, "/api/v1/orders", order_body(goods), HTTP_X_CSRFTOKEN=secret)
    assert r.status_code == 201, r.content
    assert Order.objects.count() == 1


def test_session_get_needs_no_csrf_token(session_client):
    assert session_client.get("/api/v1/me").status_code == 200


def test_bearer_token_is_exempt_from_csrf(world, goods, api):  # api: region-orderer exists
    from tests import factories as f

    f.api_client(world["region"], "tok-csrf")
    c = Client(enforce_csrf_checks=True, HTTP_AUTHORIZATION="Bearer tok-csrf")
    assert post_json(c, "/api/v1/orders", order_body(goods)).status_code == 201


def test_cross_origin_text_plain_with_session_is_refused(session_client, goods):
    # What a foreign page can send without a CORS preflight: text/plain, the browser adds the cookie.
    r = session_client.post("/api/v1/orders", data=json.dumps(order_body(goods)), content_type="text/plain",
                            HTTP_ORIGIN="https://evil.example")
    assert r.status_code == 403 and r.json()["code"] == "csrf_failed"
    # Even with a (stolen) token over HTTPS, a foreign Origin fails the check.
    secret = _get_new_csrf_string()
    session_client.cookies[settings.CSRF_COOKIE_NAME] = secret
    r = session_client.post("/api/v1/orders", data=json.dumps(order_body(goods)), content_type="application/json",
                            HTTP_ORIGIN="https://evil.example", HTTP_X_CSRFTOKEN=secret, secure=True)
    problem(r, 403, "csrf_failed")
    assert Order.objects.count() == 0


def test_no_credentials_is_still_401_not_csrf(db):
    r = post_json(Client(enforce_csrf_checks=True), "/api/v1/orders", {})
    problem(r, 401, "unauthenticated")


# --------------------------------------------------------------------------- media type


@pytest.mark.parametrize("content_type", ["text/plain", "application/x-www-form-urlencoded",
                                          "application/xml"])
def test_json_body_only_as_application_json(api, goods, content_type):
    r = api.region.post("/api/v1/orders", data=json.dumps(order_body(goods)), content_type=content_type)
    problem(r, 415, "unsupported_media_type")
    assert Order.objects.count() == 0


def test_application_json_with_charset_is_accepted(api, goods):
    r = api.region.post("/api/v1/orders", data=json.dumps(order_body(goods)),
                        content_type="application/json; charset=utf-8")
    assert r.status_code == 201, r.content


def test_multipart_attachment_endpoint_keeps_working(svc, api):
    from ordering.models import OrderAttachment
    from ordering.tests.test_service_pages_api import make_wo

    order = make_wo(svc)
    r = api.region.post(f"/api/v1/work-orders/{order.pk}/attachments",
                        {"file": SimpleUploadedFile("a.pdf", b"%PDF-1.4 x", content_type="application/pdf")})
    assert r.status_code == 201, r.content
    assert OrderAttachment.objects.filter(order=order).count() == 1


# --------------------------------------------------------------------------- input sanitising


def _list_endpoints():
    from integration.api import api as ninja_api

    doc = ninja_api.get_openapi_schema()
    out = []
    for path, item in doc["paths"].items():
        op = item.get("get")
        if op is None or "{" in path:
            continue
        out.append(path)
    return sorted(out)


@pytest.mark.parametrize("path", _list_endpoints())
def test_nul_in_a_filter_of_every_collection_endpoint_is_422_naming_the_field(api, path):
    client = api.supply if "/supply/" in path else api.region
    r = client.get(path, {"status": "Q\x00", "q": "ok"})
    body = problem(r, 422, "invalid_input")
    assert [(e["field"], e["code"]) for e in body["errors"]] == [("status", "nul_byte")]


@pytest.mark.parametrize("field,value", [
    ("note", "Ring\x00 innan"),
    ("contact_name", "\ud800"),
    ("lines.0.article_number", "A\x00"),
])
def test_nul_and_lone_surrogate_in_json_text_are_422(api, goods, field, value):
    body = order_body(goods)
    if field.startswith("lines"):
        body["lines"][0]["article_number"] = value
    else:
        body[field] = value
    raw = json.dumps(body)  # ensure_ascii: "\u0000" and "\ud800" escapes, as a client sends them
    r = post_json(api.region, "/api/v1/orders", raw)
    errors = problem(r, 422, "invalid_input")["errors"]
    assert [e["field"] for e in errors] == [field]
    assert errors[0]["code"] == ("lone_surrogate" if value == "\ud800" else "nul_byte")
    assert Order.objects.count() == 0


def test_nul_in_patient_first_name_is_422(api, world):
    r = post_json(api.region, "/api/v1/patients",
                  {"identity_number": "121212+1212", "first_name": "Tol\x00van", "last_name": "Tolvansson"})
    assert [e["field"] for e in problem(r, 422, "invalid_input")["errors"]] == ["first_name"]
    assert Patient.objects.count() == 0


@pytest.mark.parametrize("value", ["9999-12-31", "0001-01-01", "2201-01-01"])
def test_dates_out_of_range_on_api_list_are_422(api, value):
    r = api.region.get("/api/v1/orders", {"date_to": value})
    assert [e["code"] for e in problem(r, 422, "invalid_input")["errors"]] == ["date_out_of_range"]


def test_dates_in_range_still_work(api):
    assert api.region.get("/api/v1/orders", {"date_from": "1900-01-01", "date_to": "2200-12-31"}).status_code == 200


def test_ui_date_out_of_range_is_swedish_422_page(client_for):
    client, _ = client_for("prescriber")
    r = client.get("/bestallningar/", {"date_to": "9999-12-31"})
    assert r.status_code == 422
    assert r["Content-Type"].startswith("text/html")
    text = r.content.decode()
    assert "Ogiltiga uppgifter" in text and "date_to" in text and "1900" in text


def test_ui_nul_in_form_field_is_422_page(db):
    r = Client().post("/konto/logga-in/", {"username": "a\x00b", "password": "x"})
    assert r.status_code == 422 and "username" in r.content.decode()


def test_body_over_limit_is_413_problem(api):
    body = b'{"note": "' + b"x" * (6 * 1024 * 1024) + b'"}'
    problem(api.region.post("/api/v1/orders", data=body, content_type="application/json"), 413, "payload_too_large")
    problem(api.region.post("/api/v1/orders", data=body, content_type="text/plain"), 413, "payload_too_large")


def test_large_multipart_to_a_json_endpoint_is_413(api, goods):
    big = SimpleUploadedFile("big.bin", b"0" * (6 * 1024 * 1024))
    r = api.region.post("/api/v1/orders", {"file": big})
    problem(r, 413, "payload_too_large")
    # a small multipart body is the wrong media type
    problem(api.region.post("/api/v1/orders", {"note": "x"}), 415, "unsupported_media_type")


def test_ui_body_over_limit_is_413_page(client_for):
    client, _ = client_for("prescriber")
    r = client.post("/bestallningar/", data=b"a=" + b"x" * (6 * 1024 * 1024),
                    content_type="application/x-www-form-urlencoded")
    assert r.status_code == 413 and "För stor begäran" in r.content.decode()


# --------------------------------------------------------------------------- idempotency, object bodies


def test_same_json_reserialised_replays_instead_of_409(api, goods):
    body = order_body(goods)
    first = api.region.post("/api/v1/orders", data=json.dumps(body), content_type="application/json",
                            HTTP_IDEMPOTENCY_KEY="retry-1")
    assert first.status_code == 201
    reordered = json.dumps(dict(reversed(list(body.items()))), indent=2, ensure_ascii=False)
    assert reordered != json.dumps(body)
    again = api.region.post("/api/v1/orders", data=reordered, content_type="application/json",
                            HTTP_IDEMPOTENCY_KEY="retry-1")
    assert again.status_code == 201 and again.json()["id"] == first.json()["id"]
    assert Order.objects.count() == 1
    other = api.region.post("/api/v1/orders", data=json.dumps({**body, "note": "annat"}),
                            content_type="application/json", HTTP_IDEMPOTENCY_KEY="retry-1")
    problem(other, 409, "idempotency_key_reused")


def test_canonical_body_fingerprint():
    from core.idempotency import request_hash

    a = request_hash("POST", "/x", b'{"a": 1, "b": [1, 2], "c": "\\u00e5"}')
    assert a == request_hash("POST", "/x", '{"c":"å","b":[1,2],"a":1}'.encode())
    assert a != request_hash("POST", "/x", b'{"a": 2, "b": [1, 2], "c": "\\u00e5"}')
    assert request_hash("POST", "/x", b"not json") != request_hash("POST", "/x", b"not  json")


@pytest.mark.parametrize("raw", ["5", "[]", '"x"', "null", "true"])
def test_non_object_body_where_schema_says_object_is_422(api, goods, raw):
    oid = post_json(api.region, "/api/v1/orders", order_body(goods, submit=True)).json()["id"]
    r = post_json(api.region, f"/api/v1/orders/{oid}/withdraw", raw)
    errors = problem(r, 422, "validation")["errors"]
    assert [(e["field"], e["code"]) for e in errors] == [(None, "model_type")]
    assert Order.objects.get(pk=oid).status == "submitted"
    assert post_json(api.region, f"/api/v1/orders/{oid}/withdraw", {}).json()["status"] == "withdrawn"


# --------------------------------------------------------------------------- errors shape, OpenAPI


def _assert_errors_shape(errors):
    assert isinstance(errors, list) and errors
    for e in errors:
        assert set(e) == {"field", "code", "message"}
        assert (e["field"] is None or isinstance(e["field"], str)) and isinstance(e["code"], str) and e["message"]


def test_errors_have_one_shape_for_schema_and_domain_validation(api, goods):
    schema = problem(post_json(api.region, "/api/v1/orders", {"lines": [{"article_number": ""}]}), 422, "validation")
    _assert_errors_shape(schema["errors"])
    # the field is the input path as sent (not ninja's parameter name): same as the sanitising layer's
    assert [(e["field"], e["code"]) for e in schema["errors"]] == [("lines.0.article_number", "string_too_short")]
    query = problem(api.region.get("/api/v1/orders", {"limit": "x"}), 422, "validation")
    assert [e["field"] for e in query["errors"]] == ["limit"]
    domain = problem(post_json(api.region, "/api/v1/patients",
                               {"identity_number": "19121212-1213", "first_name": "A", "last_name": "B"}), 422)
    _assert_errors_shape(domain["errors"])
    assert domain["errors"][0]["field"] == "identity_number"


def test_normalise_errors():
    from core.problem import normalise_errors

    assert normalise_errors({"a": ["x", "y"], "__all__": "z"}, "validation") == [
        {"field": "a", "code": "validation", "message": "x"}, {"field": "a", "code": "validation", "message": "y"},
        {"field": None, "code": "validation", "message": "z"}]
    assert normalise_errors([{"field": "b", "code": "missing", "message": "m"}]) == [
        {"field": "b", "code": "missing", "message": "m"}]


def test_openapi_documents_problem_responses_for_every_operation(db):
    doc = Client().get("/api/v1/openapi.json").json()
    schemas = doc["components"]["schemas"]
    assert {"Problem", "ProblemError"} <= schemas.keys()
    assert schemas["Problem"]["properties"]["errors"]["items"] == {"$ref": "#/components/schemas/ProblemError"}
    n = 0
    for path, item in doc["paths"].items():
        for method, op in item.items():
            n += 1
            codes = set(op["responses"])
            assert {"400", "401", "403", "404", "413", "422", "429"} <= codes, (path, method)
            if method in ("post", "put", "patch", "delete"):
                assert "409" in codes, (path, method)
            if "requestBody" in op:
                assert "415" in codes, (path, method)
            for code in ("403", "422"):
                content = op["responses"][code]["content"]
                assert content["application/problem+json"]["schema"] == {"$ref": "#/components/schemas/Problem"}
    assert n > 40


def test_too_many_form_fields_is_400_not_500(db, settings):
    settings.DATA_UPLOAD_MAX_NUMBER_FIELDS = 5
    r = Client().post("/konto/logga-in/", {f"f{i}": "x" for i in range(10)})
    assert r.status_code == 400


def test_nul_in_a_string_path_parameter_is_422(api):
    body = problem(api.supply.get("/api/v1/stock/devices/A%00"), 422, "invalid_input")
    assert body["errors"][0]["field"] == "path"


def test_csrf_with_production_cookie_names_over_https(settings, make_user, goods):
    settings.SESSION_COOKIE_NAME = "__Host-sessionid"
    settings.CSRF_COOKIE_NAME = "__Host-csrftoken"
    settings.SESSION_COOKIE_SECURE = settings.CSRF_COOKIE_SECURE = True
    client = login_verified(Client(enforce_csrf_checks=True), make_user("prescriber"))
    assert "__Host-sessionid" in client.cookies
    r = post_json(client, "/api/v1/orders", order_body(goods), secure=True, HTTP_ORIGIN="https://testserver")
    problem(r, 403, "csrf_failed")
    secret = _get_new_csrf_string()
    client.cookies["__Host-csrftoken"] = secret
    r = post_json(client, "/api/v1/orders", order_body(goods), secure=True, HTTP_ORIGIN="https://testserver",
                  HTTP_X_CSRFTOKEN=secret)
    assert r.status_code == 201, r.content


def test_nul_in_idempotency_key_is_422(api, goods):
    r = post_json(api.region, "/api/v1/orders", order_body(goods), HTTP_IDEMPOTENCY_KEY="k\x00")
    assert [e["field"] for e in problem(r, 422, "invalid_input")["errors"]] == ["Idempotency-Key"]


def test_attachment_just_under_its_limit_is_not_a_413(svc, api, settings):
    from ordering.tests.test_service_pages_api import make_wo

    order = make_wo(svc)
    size = settings.DATA_UPLOAD_MAX_MEMORY_SIZE - 10  # the multipart body is over the JSON limit
    r = api.region.post(f"/api/v1/work-orders/{order.pk}/attachments",
                        {"file": SimpleUploadedFile("a.pdf", b"%PDF-1.4\n" + b"0" * (size - 9),
                                                    content_type="application/pdf")})
    assert r.status_code == 201, r.content
    assert r.json()["size"] == size


def test_ui_attachment_just_under_its_limit_is_stored(svc, settings):
    from django.urls import reverse

    from ordering.models import OrderAttachment
    from ordering.tests.test_service_pages_api import make_wo

    order = make_wo(svc)
    client = login_verified(Client(), svc.prescriber)
    size = settings.DATA_UPLOAD_MAX_MEMORY_SIZE - 10
    r = client.post(reverse("ordering:wo_attach", args=[order.pk]),
                    {"file": SimpleUploadedFile("a.pdf", b"%PDF-1.4\n" + b"0" * (size - 9))})
    assert r.status_code in (200, 302), r.status_code
    assert OrderAttachment.objects.get(order=order).size == size


@pytest.mark.parametrize("raw", [b'{"note": ', b"\xff\xfe{", b"{'a': 1}"])
def test_invalid_json_is_400_problem_in_swedish(api, raw):
    body = problem(api.region.post("/api/v1/orders", data=raw, content_type="application/json"), 400, "bad_request")
    assert body["detail"] == "Begärans innehåll är inte giltig JSON."


def test_multipart_without_boundary_is_a_problem_document_not_djangos_page(api):
    """Found by the fuzz run: `multipart/form-data` with no boundary got Django's HTML 400 page."""
    r = api.region.post("/api/v1/orders/1/submit", data=b"x", content_type="multipart/form-data")
    assert r.status_code == 400 and r["Content-Type"] == "application/problem+json"
    assert r.json()["code"] == "malformed_body"
