import json

import pytest
from django.test import Client

from access.models import ApiClient
from access.services import api_client_authenticate, api_client_create, hash_token
from tests import factories as f


def problem(response):
    assert response["Content-Type"] == "application/problem+json", response["Content-Type"]
    body = json.loads(response.content)
    assert {"type", "title", "status", "detail"} <= body.keys()
    assert body["status"] == response.status_code
    return body


def test_openapi_document_and_docs_are_served(db):
    c = Client()
    doc = c.get("/api/v1/openapi.json")
    assert doc.status_code == 200
    spec = doc.json()
    assert spec["info"]["title"] == "Lyfta API"
    assert "/api/v1/me" in spec["paths"]
    schemes = spec["components"]["securitySchemes"]
    assert any(s.get("scheme") == "bearer" for s in schemes.values())
    assert c.get("/api/v1/docs").status_code == 200


def test_token_acts_for_its_own_organisation_only(api, world):
    me = api.region.get("/api/v1/me").json()
    assert me == {**me, "kind": "client", "organisation_ids": [world["region"].pk], "is_supply": False}
    assert "supply.handle_orders" not in me["permissions"]
    sup = api.supply.get("/api/v1/me").json()
    assert sup["is_supply"] is True and "supply.handle_orders" in sup["permissions"]


def test_tokens_are_stored_hashed(world):
    client, raw = api_client_create(actor=None, name="extern", organisation=world["region"])
    stored = ApiClient.objects.get(pk=client.pk)
    assert raw not in (stored.token_hash, stored.token_prefix * 10)
    assert stored.token_hash == hash_token(raw) and len(stored.token_hash) == 64
    assert api_client_authenticate(raw) == client


@pytest.mark.parametrize("header", ["Bearer nope", "Bearer ", "Basic dXNlcjpwYXNz", "Token abc"])
def test_unknown_or_malformed_token_is_401_problem(db, header):
    response = Client(HTTP_AUTHORIZATION=header).get("/api/v1/me")
    assert response.status_code == 401
    assert problem(response)["code"] == "unauthenticated"


def test_inactive_client_and_inactive_organisation_are_refused(world):
    f.api_client(world["region"], "tok-a", name="a")
    ApiClient.objects.filter(name="a").update(is_active=False)
    assert Client(HTTP_AUTHORIZATION="Bearer tok-a").get("/api/v1/me").status_code == 401
    f.api_client(world["municipality"], "tok-b", name="b")
    world["municipality"].is_active = False
    world["municipality"].save()
    assert Client(HTTP_AUTHORIZATION="Bearer tok-b").get("/api/v1/me").status_code == 401


def test_demo_tokens_only_in_demo_mode(world, settings):
    api_client_create(actor=None, name="demo-region", organisation=world["region"], token="demo-region-token",
                      is_demo=True)
    c = Client(HTTP_AUTHORIZATION="Bearer demo-region-token")
    assert c.get("/api/v1/me").status_code == 200
    settings.LYFTA_DEMO_MODE = False
    assert c.get("/api/v1/me").status_code == 401


def test_session_user_without_second_factor_is_not_authenticated_for_api(world):
    user = f.UserFactory()
    c = Client()
    c.force_login(user)  # password only, no verified device
    assert c.get("/api/v1/me").status_code == 401


def test_session_post_requires_csrf(client_for):
    client, _ = client_for("prescriber")
    csrf_client = Client(enforce_csrf_checks=True)
    csrf_client.cookies = client.cookies
    response = csrf_client.post("/api/v1/me", data="{}", content_type="application/json")
    assert response.status_code in (403, 405)


def test_unknown_api_path_is_problem_404(db):
    response = Client().get("/api/v1/finns-inte")
    assert response.status_code == 404
    problem(response)


def test_healthz_ok(db):
    response = Client().get("/healthz")
    assert response.status_code == 200 and response.json()["database"] == "ok"


def test_openapi_schema_names_are_unique(db):
    """Two different schemas with one class name share one OpenAPI component, so the document
    describes only one of them (it hid `data` of order events, among others)."""
    import collections

    from ninja import Schema

    from integration.api import api

    api.get_openapi_schema()  # imports every router's schemas

    def subclasses(cls):
        for sub in cls.__subclasses__():
            yield sub
            yield from subclasses(sub)

    modules = collections.defaultdict(set)
    for cls in subclasses(Schema):
        if not cls.__module__.startswith(("ninja", "pydantic")):
            modules[cls.__name__].add(cls.__module__)
    assert {name: mods for name, mods in modules.items() if len(mods) > 1} == {}
