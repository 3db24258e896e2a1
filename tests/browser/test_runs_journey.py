"""Browser journey of drivers' runs (issue 15, "Must hold"), on a desktop and a 390 px phone:
a handler plans a run with two deliveries and a pickup; the driver on the phone delivers the
first with a signature drawn on the screen, records "nobody home" at the second stop and
collects the pickup with a signature; the delivery note and the return receipt carry the
signature; the prescriber sees the delivered device, the signature and the failed-delivery
message. Every page visited passes axe and the markup checks (conftest `page` fixture)."""
import re

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from ordering.models import Delivery, OrderEvent, ReturnReceipt
from supply.models import Run
from supply.tests.runs_fixtures import *  # noqa: F401,F403  (the runs and svc fixtures)
from tests import factories as f
from tests.browser.test_operations_journeys import KEY, VIEWPORTS, fits, login, logout

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture(params=list(VIEWPORTS))
def viewport(request, page):
    page.set_viewport_size(VIEWPORTS[request.param])
    page.set_default_timeout(60000)
    return request.param


@pytest.fixture
def world_of_runs(runs):
    from supply.tests.runs_fixtures import make_delivery_order

    s = runs
    for user, username in ((s.handler, "handlaren"), (s.driver, "chauffor"), (s.prescriber, "forskrivaren")):
        user.username = username
        user.set_password("pw-Lyfta-2026!")
        user.save()
        f.totp_device(user, KEY)
    s.second = make_delivery_order(s)
    return s


def _draw_signature(page):
    pad = page.locator("#signature-pad")
    pad.scroll_into_view_if_needed()
    box = pad.bounding_box()
    x, y, w, h = box["x"], box["y"], box["width"], box["height"]
    page.mouse.move(x + w * 0.1, y + h * 0.7)
    page.mouse.down()
    for i in range(1, 20):
        page.mouse.move(x + w * (0.1 + 0.04 * i), y + h * (0.7 - 0.4 * ((i % 4) / 3)), steps=2)
    page.mouse.up()


def test_plan_deliver_sign_nobody_home_and_the_prescriber_sees_it(page, viewport, world_of_runs):
    s = world_of_runs
    today = timezone.localdate()

    # The handler plans today's run: two deliveries and a pickup.
    login(page, "handlaren")
    page.goto("/hmc/korningar/")
    fits(page, viewport)
    page.get_by_label("Chaufför eller tekniker").select_option(str(s.driver.pk))
    page.get_by_label("Fordon").fill("Bil 7")
    page.get_by_role("button", name="Skapa körning").click()
    page.wait_for_url(re.compile(r"/hmc/korningar/\d+/$"))
    for order in (s.delivery, s.second):
        page.get_by_label("Leverans (kundorder att köra ut)").select_option(str(order.pk))
        page.locator("#add-delivery").click()
        expect(page.get_by_text("Stoppet är tillagt.")).to_be_visible()
    page.get_by_label("Hämtning (öppen hämtorder)").select_option(str(s.pickup.pk))
    page.locator("#add-pickup").click()
    expect(page.locator("#run-stops > li")).to_have_count(3)
    expect(page.locator("#load-bring")).to_contain_text(s.chair.article_number)
    expect(page.locator("#load-collect")).to_contain_text(s.device.serial)
    fits(page, viewport)
    run = Run.objects.get()
    assert run.date == today and [st.order_id for st in run.stops.all()] == [s.delivery.pk, s.second.pk, s.pickup.pk]
    sheet = page.request.get(f"/hmc/korningar/{run.pk}/korlista.pdf")
    assert sheet.ok and sheet.body().startswith(b"%PDF")
    logout(page)

    # The driver on the phone: delivered with a signature, nobody home, picked up with a signature.
    login(page, "chauffor")
    page.goto("/hmc/min-korning/")
    fits(page, viewport)
    page.get_by_role("link", name=re.compile(f"1. Leverans – {s.delivery.number}")).click()
    expect(page.locator("#geo-link")).to_have_attribute("href", re.compile(r"^geo:"))
    page.get_by_label("Mottagarens namn").fill("Anna Andersson")
    _draw_signature(page)
    fits(page, viewport)
    page.get_by_role("button", name="Registrera och kvittera").click()
    expect(page.get_by_text("Utfört och kvitterat.")).to_be_visible()
    page.get_by_role("link", name=re.compile(f"2. Leverans – {s.second.number}")).click()
    page.get_by_role("button", name="Ingen hemma – avboka leveransen").click()
    expect(page.get_by_text("Registrerat: ingen hemma.")).to_be_visible()
    page.get_by_role("link", name=re.compile(f"3. Hämtning – {s.pickup.number}")).click()
    page.get_by_label("Mottagarens namn").fill("Anna Andersson")
    _draw_signature(page)
    page.get_by_role("button", name="Registrera och kvittera").click()
    expect(page.get_by_text("Utfört och kvitterat.")).to_be_visible()
    fits(page, viewport)
    logout(page)
    delivery = Delivery.objects.get(order=s.delivery)
    assert delivery.signature_png and delivery.receiver_name == "Anna Andersson"
    assert OrderEvent.objects.filter(order=s.second, data__failed_delivery=True).count() == 1
    receipt = ReturnReceipt.objects.get(pickup_order=s.pickup)
    assert receipt.signature_png

    # The prescriber: the delivered device, the signature on the order page and the delivery
    # note, the signed return receipt, and the failed-delivery message.
    login(page, "forskrivaren")
    page.goto(f"/bestallningar/{s.delivery.pk}/")
    expect(page.locator(f"#delivery-signature-{delivery.pk}")).to_be_visible()
    assert page.locator(f"#delivery-signature-{delivery.pk}").evaluate("img => img.naturalWidth") > 0
    note = page.request.get(f"/bestallningar/leverans/{delivery.pk}/foljesedel.pdf")
    assert note.ok and b"/Subtype /Image" in note.body()
    slip = page.request.get(f"/bestallningar/kvitto/{receipt.pk}.pdf")
    assert slip.ok and b"/Subtype /Image" in slip.body()
    fits(page, viewport)
    page.goto(f"/bestallningar/patient/{s.patient.pk}/")
    new_serial = s.delivery.lines.get().device.serial
    expect(page.locator("main")).to_contain_text(new_serial)
    page.goto("/bestallningar/meddelanden/")
    expect(page.locator("main")).to_contain_text(f"Leveransen av order {s.second.number} kunde inte genomföras")
    expect(page.locator("main")).to_contain_text(f"Leverans av order {s.delivery.number} är kvitterad")
    fits(page, viewport)
