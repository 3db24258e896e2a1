"""Browser journey of the customer's own approver (issue 17, docs/prescribing.md "The customer's
own approver"), on a desktop and a 390 px phone: a prescriber at a customer whose terms require
its own approver sends a special request; the customer's approver finds it on the start page and
in the queue, tries to reject it without a reason (the error is next to the field), then approves;
the supply centre's consultant approves; the order is submitted and the prescriber reads each
step. Every page passes axe (WCAG 2.1 A/AA) and the markup check; nothing is wider than the phone."""
import pytest
from playwright.sync_api import expect

from access.models import CustomerPrescribingTerms
from access.roles import Role
from ordering.models import Order
from ordering.tests import factories as of

from .test_operations_journeys import fits
from .test_prescribing_journeys import checked_page, login, person, viewport  # noqa: F401 (fixtures)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_customer_approver_then_consultant_approve_a_special_request(page, checked_page, viewport, world):  # noqa: F811
    person("forskrivare", world["region_unit"], Role.PRESCRIBER, first_name="Frida", last_name="Falk")
    person("godkannare", world["region_unit"], Role.CUSTOMER_APPROVER, first_name="Gun", last_name="Godkänd")
    person("konsulent", world["supply_unit"], Role.SUPPLY_HANDLER, first_name="Karin", last_name="Konsulent")
    CustomerPrescribingTerms.objects.create(organisation=world["region"], customer_approval_required=True)
    special = of.article(name="Specialsits Formfix", kind="H", price="4800.00")
    special.in_assortment = False
    special.save(update_fields=["in_assortment"])
    patient = of.patient(world["region"], first_name="Greta", last_name="Gustavsson")

    login(page, "forskrivare")
    page.goto(f"/bestallningar/patient/{patient.pk}/")
    page.get_by_role("link", name="Ny beställning").click()
    page.get_by_role("button", name="Skapa utkast och välj artiklar").click()
    page.fill("input[name=article_number]", special.article_number)
    page.fill("input[name=quantity]", "1")
    page.get_by_role("button", name="Lägg till", exact=True).first.click()
    page.get_by_role("link", name="Skicka som särskilt beslut").click()
    page.get_by_label("Orsak till särskilt beslut").fill("Artikeln finns inte i sortimentet")
    page.get_by_label("Patientens behov").fill("Behöver formgjuten sits för att kunna sitta upprätt")
    page.get_by_label("Vad har prövats").fill("Sittdyna Vario och Sittdyna Plus, båda utan effekt")
    page.get_by_role("button", name="Skicka som särskilt beslut").click()
    expect(page.locator(".messages")).to_contain_text("särskilt beslut")
    order = Order.objects.get()
    assert order.status == "customer_approval"
    expect(page.locator("main")).to_contain_text("Väntar på kundens godkännande")
    fits(page, viewport)

    # The customer's approver: the start page counts it; the queue; the decision page.
    login(checked_page, "godkannare")
    expect(checked_page.locator("main")).to_contain_text("Väntar på ditt godkännande")
    fits(checked_page, viewport)
    checked_page.get_by_role("link", name="Väntar på ditt godkännande").click()
    expect(checked_page.locator(f"#godk-{order.pk}")).to_contain_text("utanför sortimentet")
    fits(checked_page, viewport)
    checked_page.get_by_role("link", name=order.number).click()
    expect(checked_page.locator("main")).to_contain_text("Behöver formgjuten sits")
    fits(checked_page, viewport)
    checked_page.get_by_role("button", name="Avslå").click()
    expect(checked_page.locator("main")).to_contain_text("Ange varför det särskilda beslutet avslås.")
    fits(checked_page, viewport)
    checked_page.get_by_label("Kommentar, orsak eller fråga").fill("Ryms i budgeten")
    checked_page.get_by_role("button", name="Godkänn", exact=True).click()
    expect(checked_page.locator(".messages")).to_contain_text(order.number)
    order.refresh_from_db()
    assert order.status == "special_requested"

    # The consultant, in the same browser after the approver has gone.
    checked_page.context.clear_cookies()
    login(checked_page, "konsulent")
    checked_page.goto("/bestallningar/sarskilda-beslut/")
    card = checked_page.locator(f"#sb-{order.pk}")
    expect(card).to_contain_text("kundens godkännare")
    card.get_by_role("button", name=f"Godkänn {order.number}").click()
    expect(checked_page.locator(".messages")).to_contain_text(order.number)
    fits(checked_page, viewport)
    order.refresh_from_db()
    assert order.status == "submitted"

    # The prescriber reads each step; the history keeps the customer's decision with its comment.
    page.goto("/bestallningar/meddelanden/")
    inbox = page.locator("#inbox-list")
    expect(inbox).to_contain_text(f"Kunden har godkänt det särskilda beslutet för order {order.number}")
    expect(inbox).to_contain_text(f"Särskilt beslut för order {order.number} är godkänt")
    fits(page, viewport)
    page.goto(f"/bestallningar/{order.pk}/")
    expect(page.locator("#historik + ol")).to_contain_text("Ryms i budgeten")
    fits(page, viewport)
