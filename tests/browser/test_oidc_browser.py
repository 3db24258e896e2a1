"""SITHS login in a real browser (Debian's Chromium) through the real test OpenID provider
(tests/oidc/provider.mjs): login, the refusal page, logout through the provider's end_session."""
import re

import pytest

from audit.models import AuditEvent
from tests import factories as f

pytestmark = pytest.mark.browser


def test_siths_login_and_logout_through_the_provider(page, world, oidc_live_settings, live_server):
    user = f.UserFactory(username="anna", first_name="Anna", hsa_id="SE2321000016-A0001")
    f.RoleAssignmentFactory(user=user, unit=world["region_unit"], role="prescriber")

    page.goto("/")
    assert "/konto/logga-in/" in page.url
    page.get_by_role("link", name="Logga in med SITHS").click()
    page.wait_for_url(re.compile(r"^http://127\.0\.0\.1:\d+/interaction/"))
    assert page.url.startswith(oidc_live_settings.issuer)
    page.get_by_label("Användar-id").fill("anna.sits")
    page.get_by_role("button", name="Fortsätt").click()

    page.wait_for_url(live_server.url + "/")
    assert page.get_by_role("heading", level=1).inner_text() == "Välkommen, Anna"  # no TOTP step
    assert AuditEvent.objects.filter(action="login.success", actor_user=user, data__method="siths").count() == 1

    page.get_by_role("button", name="Logga ut").click()
    page.wait_for_url(re.compile(r"^http://127\.0\.0\.1:\d+/session/end"))
    assert page.get_by_role("heading", level=1).inner_text() == "Logga ut?"
    page.get_by_role("button", name="Ja, logga ut").click()
    page.wait_for_url(re.compile(re.escape(live_server.url) + r"/konto/logga-in/"))
    assert page.get_by_text("Du är utloggad.").is_visible()
    page.goto("/")
    assert "/konto/logga-in/" in page.url
    # the provider's session ended too: SITHS asks who you are again
    page.get_by_role("link", name="Logga in med SITHS").click()
    page.wait_for_url(re.compile(r"^http://127\.0\.0\.1:\d+/interaction/"))
    assert page.get_by_label("Användar-id").is_visible()


def test_unknown_hsa_id_gets_the_swedish_refusal_page(page, world, oidc_live_settings):
    page.goto("/konto/logga-in/")
    page.get_by_role("link", name="Logga in med SITHS").click()
    page.get_by_label("Användar-id").fill("SE2321000016-OKAND9")
    page.get_by_role("button", name="Fortsätt").click()
    page.wait_for_url(re.compile(r"/konto/siths/svar/"))
    assert page.get_by_role("heading", level=1).inner_text() == "Du har ingen behörighet i Lyfta"
    page.get_by_role("link", name="Ansök om behörighet").click()
    page.wait_for_url(re.compile(r"/drift/behorighet/ansok/\?hsa_id=SE2321000016-OKAND9"))
    assert page.locator("input[name=hsa_id]").input_value() == "SE2321000016-OKAND9"
