"""Browser journey (issue 12): a store keeper on a 390 px phone withdraws a walker for a patient;
the walker is in the patient view; the store is below safety, so a replenishment order is in the
supply centre's inbox; the handler (desktop) confirms, dispatches and delivers it; the store
keeper sees the store back at its refill level."""
import pytest
from django.utils import timezone
from django_otp.oath import TOTP
from playwright.sync_api import expect

from access.roles import Role
from ordering.models import Order
from ordering.tests import factories as of
from stock import services as stock_services
from stock.buffer import services as buffer_stock
from stock.services import DeviceIn
from tests import factories as f

KEY = "3132333435363738393031323334353637383930"
pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
PHONE = {"width": 390, "height": 844}


def code() -> str:
    totp = TOTP(bytes.fromhex(KEY), step=30, t0=0, digits=6)
    totp.time = timezone.now().timestamp()
    return f"{totp.token():06d}"


def login(page, username):
    page.goto("/konto/logga-in/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", "pw-Lyfta-2026!")
    page.fill("input[name=otp_token]", code())
    page.get_by_role("button", name="Logga in").click()
    expect(page.locator("h1")).to_contain_text("Välkommen")


def test_store_keeper_withdraws_and_supply_replenishes(page, browser, live_server, world):
    keeper = f.UserFactory(username="forradet", first_name="Fia")
    f.RoleAssignmentFactory(user=keeper, unit=world["municipality_unit"], role=Role.STORE_KEEPER)
    f.totp_device(keeper, KEY)
    handler = f.UserFactory(username="kundtjanst", first_name="Harald")
    f.RoleAssignmentFactory(user=handler, unit=world["supply_unit"], role=Role.SUPPLY_HANDLER)
    f.totp_device(handler, KEY)
    walker = of.article(name="Rollator Gåvan", tracked=True, rent="150.00")
    store = buffer_stock.store_create(name="Förråd Hemsjukvård", unit_id=world["municipality_unit"].pk)
    stock_services.receive(article=walker, location=store, devices=[DeviceIn(serial=f"RW{i}") for i in range(3)])
    of.stock_devices(walker, new=3)
    buffer_stock.reorder_rule_set(store=store, article_number=walker.article_number, safety_level=3, refill_level=5)
    patient = of.patient(world["municipality"], first_name="Greta", last_name="Gustavsson")

    # The store keeper, on a phone, withdraws a walker for the patient.
    phone = browser.new_context(base_url=live_server.url, locale="sv-SE", viewport=PHONE)
    from tests.browser.markup import BROWSER_CHECK

    phone.add_init_script(BROWSER_CHECK)
    kp = phone.new_page()
    kp.set_default_timeout(15000)
    problems = []
    kp.on("console", lambda m: problems.append(m.text) if m.text.startswith("LYFTA-MARKUP: ") else None)
    login(kp, "forradet")
    expect(kp.locator("#panel-buffer-below-safety")).to_be_visible()
    kp.goto("/bestallningar/forrad/")
    kp.get_by_role("link", name="Förråd Hemsjukvård").click()
    expect(kp.locator("#store-levels")).to_contain_text("RW0")
    kp.get_by_role("link", name="Registrera uttag på patient").click()
    kp.fill("input[name=identity]", patient.identity_number)
    kp.get_by_role("button", name="Fortsätt").click()
    kp.select_option("#id_uttag_item", "d:RW0")
    kp.get_by_role("button", name="Registrera uttag").click()
    expect(kp.locator(".messages")).to_contain_text("Uttaget är registrerat på patienten")
    assert kp.evaluate("document.documentElement.scrollWidth") <= PHONE["width"] + 1
    kp.goto(f"/bestallningar/patient/{patient.pk}/")
    expect(kp.locator("#loans")).to_contain_text("RW0")
    expect(kp.locator("#loans")).to_contain_text("Rollator Gåvan")

    rep = Order.objects.get(kind="replenishment")
    assert rep.lines.count() == 3  # refill 5 − 2 on hand

    # The handler finds it in the inbox, confirms, dispatches and delivers it to the store.
    page.set_default_timeout(15000)
    login(page, "kundtjanst")
    page.goto("/hmc/ordrar/")
    page.get_by_role("link", name=rep.number).click()
    page.get_by_role("button", name="Bekräfta ordern").click()
    expect(page.locator(".messages")).to_contain_text("Ordern är bekräftad")
    page.once("dialog", lambda dialog: dialog.accept())
    page.get_by_role("button", name="Markera som utskickad").click()
    page.fill("input[name=receiver_name]", "Fia Förråd")
    page.check("input[name=place][value=hospital_or_unit]")
    page.get_by_role("button", name="Registrera kvitterad leverans").click()
    expect(page.locator(".messages")).to_contain_text("Leveransen är registrerad")

    # The store keeper sees the store back at the refill level.
    kp.goto(f"/bestallningar/forrad/{store.pk}/")
    row = kp.locator("#store-rules tbody tr").first
    expect(row).to_contain_text("5")
    expect(kp.locator("#store-levels")).to_contain_text("5")
    assert "under säkerhetsnivån" not in kp.locator("#store-rules").inner_text()
    assert not problems, problems
    phone.close()
