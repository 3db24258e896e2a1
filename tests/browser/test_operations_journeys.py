"""Browser journeys of the operations workflows (issue 16), on a desktop and a 390 px phone:
an access request approved → the new user sets a password, enrols the second factor and logs in;
a service notice published → shown on the login page; a support case opened → answered → the
user reads the answer. Every page visited passes the markup check (conftest `page` fixture); on
the phone no page is wider than the screen."""
import base64
import re

import pytest
from django.core import mail
from django.utils import timezone
from django_otp.oath import TOTP
from playwright.sync_api import expect

from access.models import RoleAssignment, User
from access.roles import Role
from operations.models import AccessRequest, SupportCase
from tests import factories as f

KEY = "3132333435363738393031323334353637383930"
pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
VIEWPORTS = {"desktop": {"width": 1280, "height": 900}, "phone": {"width": 390, "height": 844}}


def totp(key: bytes) -> str:
    t = TOTP(key, step=30, t0=0, digits=6)
    t.time = timezone.now().timestamp()
    return f"{t.token():06d}"


def login(page, username, password="pw-Lyfta-2026!"):
    # A code is accepted once: a second login of the same user waits for the next 30-second step.
    import time

    from django_otp.plugins.otp_totp.models import TOTPDevice

    device = TOTPDevice.objects.get(user__username=username)
    while device.last_t is not None and device.last_t >= int(timezone.now().timestamp()) // 30:
        time.sleep(1)
    page.goto("/konto/logga-in/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", password)
    page.fill("input[name=otp_token]", totp(bytes.fromhex(KEY)))
    page.get_by_role("button", name="Logga in").click()
    expect(page.locator("h1")).to_contain_text("Välkommen")


def logout(page):
    page.get_by_role("button", name="Logga ut").click()
    page.wait_for_url(re.compile(r"/konto/logga-in/"))


def fits(page, viewport):
    """On the phone the page scrolls vertically only (tables scroll inside their wrapper)."""
    if viewport == "phone":
        # after the stylesheet: right after a click the DOM can be read before lyfta.css has
        # loaded (under load), and a .table-wrap without its overflow-x looked like a wide page
        page.wait_for_load_state("load")
        wide = page.evaluate("""() => [...document.querySelectorAll('body *')]
            .filter(e => e.getBoundingClientRect().right > window.innerWidth + 1 && !e.closest('.table-wrap table:not(.responsive)'))
            .slice(0, 8).map(e => e.tagName + '.' + e.className + '#' + e.id + ' ' + Math.round(e.getBoundingClientRect().right))
            .concat([document.documentElement.scrollWidth, window.innerWidth, document.documentElement.clientWidth])
            .concat([...document.querySelectorAll('body *')].filter(e => e.scrollWidth > e.clientWidth + 1 && getComputedStyle(e).overflowX == 'visible').slice(0, 8).map(e => e.tagName + '.' + e.className + ' ' + e.scrollWidth + '/' + e.clientWidth))""")
        assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1"), (page.url, wide)


def person(username, unit, role, **kw):
    user = f.UserFactory(username=username, **kw)
    f.RoleAssignmentFactory(user=user, unit=unit, role=role)
    f.totp_device(user, KEY)
    return user


def ready_to_log_in(user, username):
    """An existing user given a login name, the journeys' password and a TOTP device."""
    user.username = username
    user.set_password("pw-Lyfta-2026!")
    user.save()
    f.totp_device(user, KEY)
    return user


@pytest.fixture(params=list(VIEWPORTS))
def viewport(request, page):
    page.set_viewport_size(VIEWPORTS[request.param])
    page.set_default_timeout(60000)  # three logins per journey on a shared, busy machine
    return request.param


def test_access_request_approved_then_the_new_user_logs_in(page, viewport, world):
    person("behadmin", world["region_unit"], Role.CUSTOMER_ACCESS_ADMIN, first_name="Bea")

    # A person without an account applies from the login page's link.
    page.goto("/konto/logga-in/")
    page.get_by_role("link", name="Saknar du behörighet? Ansök om behörighet").click()
    page.get_by_label("Sök enhet (namn eller HSA-id, minst 3 tecken)").fill("Rehab")
    page.get_by_role("button", name="Sök", exact=True).click()
    page.get_by_label(re.compile("Rehab Region")).check()
    page.get_by_label("Roll").select_option(Role.ORDERER.value)
    page.get_by_label("Motivering").fill("Jag beställer hjälpmedel åt avdelningen.")
    page.get_by_label("Din chefs e-postadress").fill("chef@example.se")
    page.get_by_label("Förnamn").fill("Nora")
    page.get_by_label("Efternamn").fill("Nyström")
    page.get_by_label("Din e-postadress").fill("nora@example.se")
    fits(page, viewport)
    page.get_by_role("button", name="Skicka ansökan").click()
    page.wait_for_url(re.compile(r"/behorighet/ansok/skickad/"))
    req = AccessRequest.objects.get(email="nora@example.se")
    assert req.status == "pending"

    # The unit's access admin approves it.
    login(page, "behadmin")
    page.goto("/drift/behorighet/ansokningar/")
    fits(page, viewport)
    row = page.locator("tr", has_text="Nora Nyström")
    row.get_by_label("Godkänn").check()
    row.get_by_role("button", name="Spara beslut").click()
    expect(page.get_by_text("Ansökan är godkänd och rollen tilldelad.")).to_be_visible()
    logout(page)

    # The activation link from the e-mail: choose a password, log in, enrol the second factor.
    [letter] = [m for m in mail.outbox if m.to == ["nora@example.se"] and "godkänd" in m.subject]
    path = re.search(r"/drift/behorighet/aktivera/\S+/", letter.body).group(0)
    username = re.search(r"Ditt användarnamn är (\S+)\.", letter.body).group(1)
    page.goto(path)
    page.get_by_label("Nytt lösenord").fill("Nora-Lyfta-2026!")
    page.get_by_label("Upprepa lösenordet").fill("Nora-Lyfta-2026!")
    page.get_by_role("button", name="Spara lösenord").click()
    page.wait_for_url(re.compile(r"/konto/logga-in/"))
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", "Nora-Lyfta-2026!")
    page.get_by_role("button", name="Logga in").click()
    page.wait_for_url(re.compile(r"/konto/tvafaktor/"))
    secret = page.locator("#manual-key").inner_text().replace(" ", "")
    page.get_by_label("Engångskod från appen").fill(totp(base64.b32decode(secret)))
    page.get_by_role("button", name="Aktivera").click()
    page.wait_for_url(re.compile(r"/$"))
    expect(page.locator("h1")).to_contain_text("Välkommen")
    fits(page, viewport)
    user = User.objects.get(username=username)
    assert RoleAssignment.objects.filter(user=user, unit=world["region_unit"], role=Role.ORDERER).exists()


def test_notice_published_is_shown_on_the_login_page(page, viewport, world):
    person("hmcadmin", world["supply_unit"], Role.SUPPLY_ADMIN, first_name="Sara")
    login(page, "hmcadmin")
    page.goto("/drift/driftinformation/hantera/")
    page.get_by_label("Reservrutin gäller").check()
    page.get_by_label("Rubrik").fill("Lyfta nere – reservrutin")
    page.get_by_label("Text").fill("Använd pappersblanketterna tills vidare.")
    page.get_by_label("Beställning").check()
    fits(page, viewport)
    page.get_by_role("button", name="Publicera").click()
    expect(page.get_by_text("Driftinformationen är publicerad.")).to_be_visible()
    logout(page)

    banner = page.locator("section.service-notices")
    expect(banner).to_contain_text("Lyfta nere – reservrutin")
    expect(banner).to_contain_text("Använd pappersblanketterna tills vidare.")
    fits(page, viewport)
    page.get_by_role("link", name="Reservrutin vid driftstopp").first.click()
    expect(page.locator("h1")).to_have_text("Reservrutin vid driftstopp")


def test_support_case_opened_answered_and_read(page, viewport, world):
    person("forskrivare", world["region_unit"], Role.PRESCRIBER, first_name="Frida")
    person("support", world["supply_unit"], Role.SUPPLY_HANDLER, first_name="Harald")

    login(page, "forskrivare")
    page.goto("/drift/support/nytt/?sida=/bestallningar/")
    page.get_by_label("Fråga").check()
    page.get_by_label("Rubrik").fill("Hur återkallar jag?")
    page.get_by_label("Beskriv vad som hände").fill("Jag hittar inte knappen för att återkalla.")
    fits(page, viewport)
    page.get_by_role("button", name="Skicka").click()
    case = SupportCase.objects.get()
    expect(page.locator("h1")).to_contain_text(case.number)
    logout(page)

    login(page, "support")
    page.goto("/drift/support/")
    fits(page, viewport)
    page.get_by_role("link", name=re.compile(case.number)).click()
    page.get_by_label("Meddelande").fill("Knappen finns längst ner på orderns sida.")
    page.get_by_role("button", name="Skicka").click()
    expect(page.get_by_text("Meddelandet är skickat.")).to_be_visible()
    logout(page)

    login(page, "forskrivare")
    page.get_by_role("link", name=re.compile("Olästa svar")).click()
    page.get_by_role("link", name=re.compile(case.number)).click()
    expect(page.locator("ol.thread")).to_contain_text("Knappen finns längst ner på orderns sida.")
    fits(page, viewport)
    case.refresh_from_db()
    assert case.status == "answered" and case.unread_by_opener is False
