"""Browser journeys of issue 17 (docs/prescribing.md), on a desktop and a 390 px phone: (1) a
prescriber sends an order for an article outside the assortment as a special request, the supply
centre's consultant approves it, the order is confirmed, and the prescriber reads both messages;
(2) a customer's own technician types a device's serial on the phone, sees the parts that fit
and orders one. Every page of every user passes axe (WCAG 2.1 A/AA) and the markup check; on the
phone no page is wider than the screen."""
import datetime as dt
import re

import pytest
from django.utils import timezone
from django_otp.oath import TOTP
from playwright.sync_api import expect

from access.roles import Role
from catalogue.models import ArticleFit
from ordering.models import Order
from ordering.tests import factories as of
from stock import services as stock_services
from tests import factories as f

from .test_operations_journeys import VIEWPORTS, fits

KEY = "3132333435363738393031323334353637383930"
pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def person(username, unit, role, **kw):
    user = f.UserFactory(username=username, **kw)
    f.RoleAssignmentFactory(user=user, unit=unit, role=role)
    f.totp_device(user, KEY)
    return user


def login(page, username):
    totp = TOTP(bytes.fromhex(KEY), step=30, t0=0, digits=6)
    totp.time = timezone.now().timestamp()
    page.goto("/konto/logga-in/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", "pw-Lyfta-2026!")
    page.fill("input[name=otp_token]", f"{totp.token():06d}")
    page.get_by_role("button", name="Logga in").click()
    expect(page.locator("h1")).to_contain_text("Välkommen")


@pytest.fixture(params=list(VIEWPORTS))
def viewport(request, page):
    page.set_viewport_size(VIEWPORTS[request.param])
    page.set_default_timeout(60000)  # a shared, busy machine
    return request.param


@pytest.fixture
def checked_page(browser, live_server, viewport):
    """A second user's page in its own browser context, checked like the `page` fixture's (axe,
    markup) and with the same viewport."""
    from tests.browser.axe import AxeWatch
    from tests.browser.markup import BROWSER_CHECK

    context = browser.new_context(base_url=live_server.url, locale="sv-SE", viewport=VIEWPORTS[viewport])
    context.add_init_script(BROWSER_CHECK)
    axe = AxeWatch(context)
    pg = context.new_page()
    pg.set_default_timeout(60000)
    markup: list[str] = []
    pg.on("console", lambda msg: markup.append(msg.text) if msg.text.startswith("LYFTA-MARKUP: ") else None)
    yield pg
    axe.finish()
    context.close()
    assert not markup, "markup problems:\n" + "\n".join(sorted(set(markup)))
    violations = axe.problems()
    assert not violations, "axe-core (WCAG 2.1 A/AA) violations:\n" + "\n".join(violations)


def test_special_request_sent_by_the_prescriber_approved_by_the_consultant_then_ordered(
        page, checked_page, viewport, world):
    person("forskrivare", world["region_unit"], Role.PRESCRIBER, first_name="Frida", last_name="Falk")
    person("konsulent", world["supply_unit"], Role.SUPPLY_HANDLER, first_name="Karin", last_name="Konsulent")
    special = of.article(name="Specialsits Formfix", kind="H", price="4800.00")
    special.in_assortment = False
    special.save(update_fields=["in_assortment"])
    of.stock_units(special, 2)
    patient = of.patient(world["region"], first_name="Greta", last_name="Gustavsson")

    # The prescriber builds the order; the article is outside the assortment, so it is sent as a
    # special request with the reason, the patient's need and what has been tried.
    login(page, "forskrivare")
    page.goto(f"/bestallningar/patient/{patient.pk}/")
    page.get_by_role("link", name="Ny beställning").click()
    page.get_by_role("button", name="Skapa utkast och välj artiklar").click()
    page.fill("input[name=article_number]", special.article_number)
    page.fill("input[name=quantity]", "1")
    page.get_by_role("button", name="Lägg till", exact=True).first.click()
    expect(page.locator("main")).to_contain_text(special.name)
    fits(page, viewport)
    page.get_by_role("link", name="Skicka som särskilt beslut").click()
    expect(page.locator("main")).to_contain_text("utanför sortimentet")
    page.get_by_label("Orsak till särskilt beslut").fill("Artikeln finns inte i sortimentet")
    page.get_by_label("Patientens behov").fill("Behöver formgjuten sits för att kunna sitta upprätt")
    page.get_by_label("Vad har prövats").fill("Sittdyna Vario och Sittdyna Plus, båda utan effekt")
    fits(page, viewport)
    page.get_by_role("button", name="Skicka som särskilt beslut").click()
    expect(page.locator(".messages")).to_contain_text("särskilt beslut")
    order = Order.objects.get()
    assert order.status == "special_requested"

    # The consultant finds it in the queue, approves it and confirms the order.
    login(checked_page, "konsulent")
    checked_page.goto("/bestallningar/sarskilda-beslut/")
    card = checked_page.locator(f"#sb-{order.pk}")
    expect(card).to_contain_text("Behöver formgjuten sits")
    fits(checked_page, viewport)
    card.get_by_role("button", name=f"Godkänn {order.number}").click()
    expect(checked_page.locator(".messages")).to_contain_text(order.number)
    order.refresh_from_db()
    assert order.status == "submitted"
    checked_page.goto("/hmc/ordrar/")
    checked_page.get_by_role("link", name=order.number).click()
    checked_page.get_by_role("button", name="Bekräfta ordern").click()
    expect(checked_page.locator(".messages")).to_contain_text("Ordern är bekräftad")
    fits(checked_page, viewport)
    order.refresh_from_db()
    assert order.status == "confirmed"

    # The prescriber reads the messages: sent, approved, confirmed; the history keeps every step.
    page.goto("/bestallningar/meddelanden/")
    inbox = page.locator("#inbox-list")
    expect(inbox).to_contain_text(f"Särskilt beslut för order {order.number} är godkänt")
    expect(inbox).to_contain_text(f"Order {order.number} är bekräftad")
    fits(page, viewport)
    page.goto(f"/bestallningar/{order.pk}/")
    expect(page.locator("main")).to_contain_text("Bekräftad")
    fits(page, viewport)


def test_customer_technician_orders_a_spare_part_by_serial_on_the_phone(page, world):
    page.set_viewport_size(VIEWPORTS["phone"])
    page.set_default_timeout(60000)
    person("kommuntekniker", world["municipality_unit"], Role.CUSTOMER_TECHNICIAN, first_name="Tor")
    chair = of.wheelchair()
    tyre = of.article(name="Däck 24 tum", kind="R", price="150.00")
    ArticleFit.objects.create(main=chair, part=tyre)
    of.stock_units(tyre, 4)
    patient = of.patient(world["municipality"])
    device = of.stock_devices(chair, new=1)[0]
    stock_services.deliver_to_patient(device=device, patient=patient, customer=world["municipality"], ref="KO-test",
                                      on=timezone.localdate() - dt.timedelta(days=20))

    login(page, "kommuntekniker")
    page.goto("/bestallningar/reservdelar/")
    fits(page, "phone")
    page.get_by_label("Individnummer").fill(device.serial.lower())  # typed as it is read off the label
    page.get_by_role("button", name="Hämta").click()
    expect(page.locator("#part-device")).to_contain_text(device.serial)
    expect(page.locator("main")).to_contain_text("Centrallager 4")
    fits(page, "phone")
    page.get_by_label(re.compile(tyre.name)).fill("2")
    page.get_by_role("button", name="Beställ reservdelar").click()
    expect(page.locator(".messages")).to_contain_text("Reservdelsorder")
    order = Order.objects.get(kind="spare_parts")
    assert order.status == "submitted" and order.extra["device_serial"] == device.serial
    assert order.customer_id == world["municipality"].pk and order.lines.get().quantity == 2
    expect(page.locator("main")).to_contain_text(order.number)  # the device's latest part orders
    fits(page, "phone")
