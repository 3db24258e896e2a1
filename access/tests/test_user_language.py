"""Issue 15: a user's own language. Precedence (docs/ui.md, "Language"): pages — the language
cookie, else the logged-in user's language, else Swedish; API — Accept-Language, else the
session user's language, else Swedish."""
import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse

from access.models import User
from access.services import user_language_set
from audit.models import AuditEvent
from core.errors import ValidationFailed

pytestmark = pytest.mark.django_db


def test_new_users_are_swedish(make_user):
    assert make_user("prescriber").language == "sv"


def test_switching_language_saves_it_on_the_account_and_audits_it(client_for):
    client, user = client_for("prescriber")
    client.post(reverse("set_language"), {"language": "en", "next": "/"})
    user.refresh_from_db()
    assert user.language == "en"
    assert AuditEvent.objects.filter(action="user.language_set", object_id=str(user.pk)).exists()


def test_an_anonymous_switch_only_sets_the_cookie(client, make_user):
    response = client.post(reverse("set_language"), {"language": "en", "next": "/"})
    assert response.cookies[settings.LANGUAGE_COOKIE_NAME].value == "en"
    assert not User.objects.filter(language="en").exists()


def test_the_users_language_applies_in_a_browser_without_cookie(client_for):
    client, user = client_for("auditor")
    user.language = "en"
    user.save(update_fields=["language"])
    response = client.get("/")
    assert response["Content-Language"] == "en"
    assert "Log out" in response.content.decode()


def test_an_explicit_cookie_overrides_the_users_language(client_for):
    client, user = client_for("auditor")
    user.language = "en"
    user.save(update_fields=["language"])
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "sv"
    assert client.get("/")["Content-Language"] == "sv"


def test_pages_still_ignore_the_browsers_accept_language(client_for):
    client, user = client_for("auditor")
    assert client.get("/", HTTP_ACCEPT_LANGUAGE="en")["Content-Language"] == "sv"


def test_the_profile_page_sets_the_language(client_for):
    client, user = client_for("prescriber")
    page = client.get(reverse("operations:profile")).content.decode()
    assert 'id="profile-language"' in page and 'value="sv" lang="sv" selected' in page
    response = client.post(reverse("set_language"), {"language": "en", "next": reverse("operations:profile")})
    assert response["Location"] == reverse("operations:profile")
    user.refresh_from_db()
    assert user.language == "en"
    assert 'value="en" lang="en" selected' in client.get(reverse("operations:profile")).content.decode()


def test_api_session_uses_the_users_language_unless_accept_language_is_given(client_for):
    client, user = client_for("prescriber")
    assert client.get("/api/v1/me")["Content-Language"] == "sv"
    user.language = "en"
    user.save(update_fields=["language"])
    assert client.get("/api/v1/me")["Content-Language"] == "en"
    assert client.get("/api/v1/me", HTTP_ACCEPT_LANGUAGE="sv-SE,sv;q=0.9")["Content-Language"] == "sv"
    assert client.get("/api/v1/me", HTTP_ACCEPT_LANGUAGE="de")["Content-Language"] == "en"  # unsupported: ignored


def test_api_bearer_clients_are_swedish_unless_accept_language_is_given(api):
    assert api.region.get("/api/v1/me")["Content-Language"] == "sv"
    assert api.region.get("/api/v1/me", HTTP_ACCEPT_LANGUAGE="en-GB,en;q=0.8")["Content-Language"] == "en"


def test_the_service_refuses_an_unknown_language(make_user):
    user = make_user("prescriber")
    with pytest.raises(ValidationFailed) as e:
        user_language_set(actor=None, user=user, language="de")
    assert "language" in e.value.errors


def test_a_client_without_session_gets_swedish():
    assert Client().get(reverse("access:login"))["Content-Language"] == "sv"
