"""Browser journeys for service orders (Playwright): (1) repair ordered → accepted → completed
→ message; (2) pickup → picked up → received → refurbished → allocated to another patient's
order (reuse); (3) fault report asking for a reply → answered → the reporter reads the reply.
Each user logs in once, in a browser context of their own (TOTP codes are single-use)."""
import datetime as dt
import re

import pytest
from django.utils import timezone
from django_otp.oath import TOTP

from ordering.flows import customer as ordering_services
from ordering.models import Message, Order
from ordering.tests.service_fixtures import *  # noqa: F401,F403
from stock.models import Device
from tests import factories as f

KEY = "3132333435363738393031323334353637383930"
pytestmark = pytest.mark.browser


def login(page, user):
    f.totp_device(user, KEY)
    page.goto("/konto/logga-in/")
    page.get_by_label("Användarnamn").fill(user.username)
    page.get_by_label("Lösenord").fill("pw-Lyfta-2026!")
    page.get_by_label("Engångskod").fill(f"{TOTP(bytes.fromhex(KEY), step=30, t0=0, digits=6).token():06d}")
    page.get_by_role("button", name="Logga in").click()
    page.wait_for_url(re.compile(r"/$"))
    return page


@pytest.fixture
def second_page(browser, live_server):
    context = browser.new_context(base_url=live_server.url, locale="sv-SE")
    pg = context.new_page()
    pg.set_default_timeout(15000)
    yield pg
    context.close()


def tomorrow() -> str:
    return str(timezone.localdate() + dt.timedelta(days=1))


def test_repair_ordered_accepted_completed_message(page, second_page, svc):
    login(page, svc.prescriber)
    page.goto(f"/bestallningar/patient/{svc.patient.pk}/")
    page.get_by_role("link", name="Ny arbetsorder").click()
    page.get_by_label("Typ av arbetsorder").select_option("repair_patient")
    page.get_by_label("Gäller hjälpmedel").select_option(svc.device.serial)
    page.get_by_label("Beskrivning").fill("Bromsen på vänster sida tar inte.")
    page.get_by_role("button", name="Skicka arbetsorder").click()
    page.wait_for_url(re.compile(r"/bestallningar/arbetsorder/\d+/$"))
    order = Order.objects.get(order_type="work")
    assert page.get_by_text(f"Arbetsorder {order.number} är skickad").is_visible()

    hmc = login(second_page, svc.handler)
    hmc.goto("/hmc/arbetsorder/")
    hmc.get_by_role("link", name=order.number).click()
    hmc.get_by_label("Planerat datum").fill(tomorrow())
    hmc.get_by_label("Tekniker").select_option(str(svc.technician.pk))
    hmc.get_by_role("button", name="Acceptera arbetsordern").click()
    hmc.get_by_role("button", name="Påbörja arbetet").click()
    hmc.get_by_label("Rapport").fill("Bromsvajer bytt och justerad.")
    hmc.get_by_label("Timmar").fill("1,5")
    hmc.get_by_label("Reservdelar").fill(f"{svc.part.article_number} 1")
    hmc.get_by_role("button", name="Avsluta arbetsordern").click()
    hmc.get_by_text("Arbetsordern är avslutad").wait_for()
    order.refresh_from_db()
    assert order.status == "completed"

    page.goto("/bestallningar/meddelanden/")
    item = page.locator("#inbox-list li").filter(has_text=order.number)
    assert "Bromsvajer bytt och justerad." in item.inner_text()
    item.get_by_role("button", name="Markera som läst").click()
    assert Message.objects.get(order=order, recipient=svc.prescriber).read_at is not None


def test_pickup_refurbished_and_reused(page, second_page, svc):
    login(page, svc.prescriber)
    page.goto(f"/bestallningar/hamtorder/ny/?patient={svc.patient.pk}")
    page.get_by_label(re.compile(svc.device.serial)).select_option("not_needed")
    page.get_by_role("button", name="Skicka hämtorder").click()
    page.wait_for_url(re.compile(r"/bestallningar/hamtorder/\d+/$"))
    pickup = Order.objects.get(order_type="pickup")

    hmc = login(second_page, svc.handler)
    hmc.goto(f"/hmc/hamtorder/{pickup.pk}/")
    hmc.get_by_label("Hämtdatum").fill(str(timezone.localdate()))
    hmc.get_by_role("button", name="Planera hämtning").click()
    hmc.get_by_role("button", name="Registrera hämtning").click()
    hmc.get_by_role("button", name="Ta emot på HMC (till rekonditionering)").click()
    hmc.get_by_text("väntar på rekonditionering").first.wait_for()
    hmc.goto("/hmc/rekond/")
    hmc.locator(f"#refurb-{svc.device.serial}").click()
    hmc.get_by_text(f"{svc.device.serial} är rekonditionerad").wait_for()
    device = Device.objects.get(pk=svc.device.pk)
    assert (device.status, device.condition) == ("in_stock", "refurbished")

    # The patient view no longer lists the device.
    page.goto(f"/bestallningar/patient/{svc.patient.pk}/")
    assert svc.device.serial not in page.locator("#loans").inner_text()

    # Another patient's order for the same article gets the refurbished device (reuse first).
    from access.principal import principal_for_user
    from ordering.tests import factories as of

    other = of.patient(svc.world["region"])
    draft = ordering_services.order_draft_create(svc.p, ordering_services.DraftInput(
        patient_id=other.pk, lines=[ordering_services.LineInput(svc.chair.article_number, 1)]))
    ordering_services.order_submit(principal_for_user(svc.prescriber), draft.pk)
    hmc.goto(f"/hmc/ordrar/{draft.pk}/")
    hmc.get_by_role("button", name="Bekräfta ordern").click()
    hmc.get_by_text("Bekräftad").first.wait_for()
    line = draft.lines.get()
    assert line.device_id == svc.device.pk
    hmc.goto("/hmc/oversikt/")
    assert hmc.get_by_role("heading", name="Återanvändningsgrad").is_visible()


def test_fault_report_answered_and_read(page, second_page, svc):
    login(page, svc.prescriber)
    page.goto(f"/bestallningar/avvikelser/ny/?patient={svc.patient.pk}&device={svc.device.serial}")
    page.get_by_label("Tillbud").check()
    page.get_by_label("Individ", exact=True).check()
    page.get_by_label("När inträffade det?").fill(str(timezone.localdate()))
    page.get_by_label("Beskrivning av händelsen").fill("Rullstolen tippade nästan bakåt i en tröskel.")
    page.get_by_label("Jag vill ha svar").check()
    page.get_by_role("button", name="Registrera avvikelse").click()
    page.wait_for_url(re.compile(r"/bestallningar/avvikelser/\d+/$"))
    report = Order.objects.get(order_type="fault")
    assert page.get_by_role("link", name="Skriv ut etikett (PDF)").is_visible()

    hmc = login(second_page, svc.handler)
    hmc.goto(f"/hmc/avvikelser/{report.pk}/")
    hmc.get_by_role("button", name="Påbörja utredning").click()
    hmc.get_by_label("Anmäld till Läkemedelsverket").fill(str(timezone.localdate()))
    hmc.get_by_role("button", name="Spara anmälningsdatum").click()
    hmc.get_by_role("textbox", name="Svar").fill("Tippskydd monteras kostnadsfritt.")
    hmc.get_by_role("button", name="Spara svar").click()
    hmc.get_by_text("Svaret är registrerat.").wait_for()

    page.goto("/bestallningar/meddelanden/")
    item = page.locator("#inbox-list li").filter(has_text=report.number)
    assert "Tippskydd monteras kostnadsfritt." in item.inner_text()
    item.get_by_role("button", name="Markera som läst").click()
    assert Message.objects.get(order=report).read_at is not None
    page.goto(f"/bestallningar/avvikelser/{report.pk}/")
    assert "Tippskydd monteras kostnadsfritt." in page.locator("#fault-answer").inner_text()
