import re

import pytest
from django_otp.oath import TOTP

from audit.models import AuditEvent
from tests import factories as f

KEY = "3132333435363738393031323334353637383930"

pytestmark = pytest.mark.browser


def current_code() -> str:
    return f"{TOTP(bytes.fromhex(KEY), step=30, t0=0, digits=6).token():06d}"


def test_login_with_password_and_totp_then_logout(page, world):
    user = f.UserFactory(username="frida", first_name="Frida")
    f.RoleAssignmentFactory(user=user, unit=world["region_unit"], role="prescriber")
    f.totp_device(user, KEY)

    page.goto("/")
    assert "/konto/logga-in/" in page.url
    page.get_by_label("Användarnamn").fill("frida")
    page.get_by_label("Lösenord").fill("pw-Lyfta-2026!")
    page.get_by_label("Engångskod").fill(current_code())
    page.get_by_role("button", name="Logga in").click()

    page.wait_for_url(re.compile(r"/$"))
    assert page.get_by_role("heading", level=1).inner_text() == "Välkommen, Frida"
    nav = page.get_by_role("navigation", name="Huvudmeny")
    assert nav.get_by_role("link", name="Start").is_visible()
    assert nav.get_by_role("link", name="Logguttag").count() == 0  # not for a prescriber

    # the prescriber's start page puts the focus in the patient search box (issue 15)
    assert page.evaluate("document.activeElement.id") == "start-q"
    # keyboard: on a page without a focused field the skip link is the first focusable element
    page.goto("/bestallningar/")
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.textContent") == "Hoppa till innehållet"

    page.get_by_role("button", name="Logga ut").click()
    page.wait_for_url(re.compile(r"/konto/logga-in/"))
    assert page.get_by_text("Du är utloggad.").is_visible()
    page.goto("/")
    assert "/konto/logga-in/" in page.url
    assert AuditEvent.objects.filter(action="login.success", actor_user=user).count() == 1
    assert AuditEvent.objects.filter(action="logout", actor_user=user).count() == 1


def test_first_login_enrols_totp_with_manual_key(page, world):
    user = f.UserFactory(username="nyanvandare")
    f.RoleAssignmentFactory(user=user, unit=world["region_unit"], role="orderer")

    page.goto("/konto/logga-in/")
    page.get_by_label("Användarnamn").fill("nyanvandare")
    page.get_by_label("Lösenord").fill("pw-Lyfta-2026!")
    page.get_by_role("button", name="Logga in").click()
    page.wait_for_url(re.compile(r"/konto/tvafaktor/"))
    assert page.get_by_role("img", name=re.compile("QR-kod")).is_visible()
    secret = page.locator("#manual-key").inner_text().replace(" ", "")
    import base64

    code = f"{TOTP(base64.b32decode(secret), step=30, t0=0, digits=6).token():06d}"
    page.get_by_label("Engångskod från appen").fill(code)
    page.get_by_role("button", name="Aktivera").click()
    page.wait_for_url(re.compile(r"/$"))
    assert page.get_by_text("Tvåfaktorsinloggning är aktiverad.").is_visible()
