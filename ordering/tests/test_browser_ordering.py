"""Browser journey: a prescriber finds a patient, orders a wheelchair with a cushion and
submits; a supply handler confirms, delays and delivers at the stay address; the prescriber
sees the three messages and the wheelchair in the patient view."""
import re

import pytest
from django.utils import timezone
from django_otp.oath import TOTP
from playwright.sync_api import expect

from access.roles import Role
from core.calendar import add_weekdays
from ordering.models import Order
from ordering.tests import factories as of
from tests import factories as f

KEY = "3132333435363738393031323334353637383930"
pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


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


def test_prescriber_orders_and_supply_delivers(page, browser, live_server, world):
    prescriber = f.UserFactory(username="forskrivare", first_name="Frida")
    f.RoleAssignmentFactory(user=prescriber, unit=world["region_unit"], role=Role.PRESCRIBER)
    f.totp_device(prescriber, KEY)
    handler = f.UserFactory(username="kundtjanst", first_name="Harald", last_name="Hansson")
    f.RoleAssignmentFactory(user=handler, unit=world["supply_unit"], role=Role.SUPPLY_HANDLER)
    f.totp_device(handler, KEY)
    chair = of.wheelchair()
    cushion = of.cushion(chair)
    devices = of.stock_devices(chair, refurbished=1)
    of.stock_units(cushion, 5)
    patient = of.patient(world["region"], first_name="Greta", last_name="Gustavsson")

    # The prescriber finds the patient and orders.
    login(page, "forskrivare")
    page.goto("/patienter/")
    page.fill("input[name=q]", "Gustavsson")
    page.get_by_role("button", name="Sök").first.click()
    page.get_by_role("link", name=re.compile("Gustavsson")).first.click()
    expect(page.locator("h1")).to_have_text("Hjälpmedelsbild")
    page.get_by_role("link", name="Ny beställning").click()
    page.get_by_role("button", name="Skapa utkast och välj artiklar").click()
    page.fill("input[name=article_number]", chair.article_number)
    page.fill("input[name=quantity]", "1")
    page.get_by_role("button", name="Lägg till", exact=True).first.click()
    page.get_by_role("button", name=f"Lägg till {cushion.name}").click()
    expect(page.locator("#monthly-cost")).to_contain_text("350,00 kr")
    page.get_by_role("link", name="Granska och skicka").click()
    page.get_by_role("button", name="Skicka beställningen").click()
    expect(page.locator(".messages")).to_contain_text("skickad till Hjälpmedelscentralen")
    order = Order.objects.get()
    assert order.status == "submitted" and order.lines.count() == 2

    # The supply handler confirms, delays and delivers (own browser context, own session).
    ctx = browser.new_context(base_url=live_server.url, locale="sv-SE")
    hp = ctx.new_page()
    hp.set_default_timeout(15000)
    login(hp, "kundtjanst")
    hp.goto("/hmc/ordrar/")
    hp.get_by_role("link", name=order.number).click()
    hp.get_by_role("button", name="Bekräfta ordern").click()
    expect(hp.locator(".messages")).to_contain_text("Ordern är bekräftad")
    new_date = add_weekdays(timezone.localdate(), 15)
    hp.fill("input[name=new_date]", new_date.isoformat())
    hp.fill("input[name=reason]", "Dynan kommer senare från leverantören")
    hp.get_by_role("button", name="Registrera försening").click()
    expect(hp.locator(".messages")).to_contain_text("Förseningen är registrerad")
    hp.once("dialog", lambda dialog: dialog.accept())  # the confirmation before dispatch
    hp.get_by_role("button", name="Markera som utskickad").click()
    hp.fill("input[name=receiver_name]", "Greta Gustavsson")
    hp.check("input[name=place][value=stay_address]")
    hp.get_by_role("button", name="Registrera kvitterad leverans").click()
    expect(hp.locator(".messages")).to_contain_text("Leveransen är registrerad")
    expect(hp.get_by_role("link", name="Följesedel (PDF)")).to_be_visible()
    ctx.close()

    # The prescriber sees the three messages and the wheelchair on the patient.
    page.goto("/bestallningar/meddelanden/")
    items = page.locator("#inbox-list li")
    expect(items).to_have_count(3)
    expect(page.locator("#inbox-list")).to_contain_text(f"Order {order.number} är bekräftad")
    expect(page.locator("#inbox-list")).to_contain_text(new_date.isoformat())
    expect(page.locator("#inbox-list")).to_contain_text("kvitterad")
    page.goto(f"/bestallningar/patient/{patient.pk}/")
    expect(page.locator("#loans")).to_contain_text(devices[0].serial)
    expect(page.locator("#loans")).to_contain_text(chair.name)
    expect(page.locator("#past-orders")).to_contain_text(order.number)
