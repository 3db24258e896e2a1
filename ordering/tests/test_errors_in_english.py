"""Issue 15: service errors come in the request's language. The API honours Accept-Language (and
the language cookie); without either it answers in Swedish. The thread's language is restored
after each request, so English never leaks into later service calls."""
import json

import pytest
from django.conf import settings
from django.utils import translation

from core.errors import ValidationFailed
from ordering.flows.core import clean_quantity
from ordering.tests import factories as of


@pytest.fixture
def body(world):
    chair = of.wheelchair()
    patient = of.patient(world["region"])
    return {"patient_identity_number": patient.identity_number, "orderer_username": "region-orderer",
            "lines": [{"article_number": chair.article_number, "quantity": 0}], "submit": True}


def post(client, body, **headers):
    return client.post("/api/v1/orders", data=json.dumps(body), content_type="application/json", **headers)


def quantity_message(problem) -> str:
    return next(e["message"] for e in problem["errors"] if e["field"] == "lines.0.quantity")


def test_api_error_in_english_with_accept_language(api, body):
    r = post(api.region, body, HTTP_ACCEPT_LANGUAGE="en-GB,en;q=0.9")
    assert r.status_code == 422 and r["Content-Language"] == "en"
    problem = r.json()
    assert problem["detail"] == "The quantity must be at least 1."
    assert quantity_message(problem) == "The quantity must be at least 1."


def test_api_error_in_swedish_by_default_and_when_asked(api, body):
    for headers in ({}, {"HTTP_ACCEPT_LANGUAGE": "sv"}, {"HTTP_ACCEPT_LANGUAGE": "de, fr;q=0.5"}):
        r = post(api.region, body, **headers)
        assert r.status_code == 422 and r["Content-Language"] == "sv", headers
        assert r.json()["detail"] == "Antal måste vara minst 1.", headers


def test_language_cookie_wins_over_accept_language(api, body):
    api.region.cookies[settings.LANGUAGE_COOKIE_NAME] = "sv"
    assert post(api.region, body, HTTP_ACCEPT_LANGUAGE="en").json()["detail"] == "Antal måste vara minst 1."
    api.region.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    assert post(api.region, body).json()["detail"] == "The quantity must be at least 1."


def test_the_ui_ignores_accept_language(client, db):
    r = client.get("/", HTTP_ACCEPT_LANGUAGE="en", follow=True)
    assert r["Content-Language"] == "sv"


def test_english_request_does_not_leak_into_later_service_calls(api, body):
    translation.activate("sv")
    assert post(api.region, body, HTTP_ACCEPT_LANGUAGE="en").json()["detail"].startswith("The quantity")
    assert translation.get_language() == "sv"
    with pytest.raises(ValidationFailed) as raised:
        clean_quantity(0)
    assert raised.value.message == "Antal måste vara minst 1."


def test_each_test_starts_in_swedish_after_an_english_one():
    """The root conftest's autouse fixture: whatever the previous test activated, Swedish now."""
    assert translation.get_language() == "sv"
    translation.activate("en")  # left active on purpose; the next test must not see it


def test_each_test_starts_in_swedish_after_an_english_one_next():
    assert translation.get_language() == "sv"
