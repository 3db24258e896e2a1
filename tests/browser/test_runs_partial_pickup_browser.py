"""Partial pickup on the driver's phone (390 px, issue 15): one fieldset per device, the driver
marks the walker "Inte hämtad – finns inte på plats", the receiver signs on the screen, and the
pickup order is partly picked up with the chair's loan ended; axe and the markup checks run on
every page (also the 422 page when "annat" lacks its comment)."""
import re

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from ordering.models import PickupLine
from supply.runs import services as rs
from supply.tests.runs_fixtures import *  # noqa: F401,F403
from tests.browser.test_operations_journeys import VIEWPORTS, fits, login, ready_to_log_in
from tests.browser.test_runs_journey import _draw_signature

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def at_the_door(runs):
    from stock.models import Loan as StockLoan

    s = runs
    ready_to_log_in(s.driver, "chauffor")
    PickupLine.objects.create(order=s.pickup, device=s.walker_device, reason="not_needed",
                              loan=StockLoan.objects.get(device=s.walker_device, ended_on=None))
    s.run = rs.run_create(s.h, date=timezone.localdate(), driver_id=s.driver.pk)
    s.stop = rs.run_stop_add(s.h, s.run.pk, order_id=s.pickup.pk)
    return s


def test_partial_pickup_on_the_phone(page, at_the_door):
    from stock.models import Loan as StockLoan

    s = at_the_door
    page.set_viewport_size(VIEWPORTS["phone"])
    page.set_default_timeout(60000)
    login(page, "chauffor")
    page.goto("/hmc/min-korning/")
    page.get_by_role("link", name=re.compile(f"1. Hämtning – {s.pickup.number}")).click()
    walker = page.get_by_role("group", name=re.compile(s.walker_device.serial))
    expect(walker).to_be_visible()
    expect(page.get_by_role("group", name=re.compile(s.device.serial)).get_by_label("Hämtad", exact=True)).to_be_checked()
    box = walker.get_by_label("Inte hämtad – annat (skriv i kommentaren)").bounding_box()
    assert box["width"] >= 24 and box["height"] >= 24  # the target size on the phone

    # "annat" without a comment: told next to the comment field, the marks kept
    walker.get_by_label("Inte hämtad – annat (skriv i kommentaren)").check()
    page.get_by_label("Mottagarens namn").fill("Anna Andersson")
    _draw_signature(page)
    page.get_by_role("button", name="Registrera och kvittera").click()
    expect(page.get_by_text("Skriv i kommentaren varför hjälpmedlet inte hämtades (orsak Annat).", exact=True)).to_be_visible()
    walker = page.get_by_role("group", name=re.compile(s.walker_device.serial))
    expect(walker.get_by_label("Inte hämtad – annat (skriv i kommentaren)")).to_be_checked()
    fits(page, "phone")

    walker.get_by_label("Inte hämtad – finns inte på plats").check()
    page.get_by_label("Mottagarens namn").fill("Anna Andersson")
    _draw_signature(page)
    page.get_by_role("button", name="Registrera och kvittera").click()
    expect(page.get_by_text("Delvis hämtat och kvitterat. Det som är kvar hämtas vid ett nytt stopp.")).to_be_visible()
    fits(page, "phone")
    s.pickup.refresh_from_db()
    assert s.pickup.status == "partly_picked_up"
    assert not StockLoan.objects.filter(device=s.device, ended_on=None).exists()
    assert StockLoan.objects.filter(device=s.walker_device, ended_on=None).exists()
