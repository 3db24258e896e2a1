"""Browser: the supply statistics page and a customer's page render their SVG charts with the
tables beside them, on a desktop and on a 390 px phone (the `page` fixture's markup check runs on
every page; axe-core too, once the fixture runs it)."""
import re

import pytest
from django.utils import timezone
from django_otp.oath import TOTP
from playwright.sync_api import expect

from tests import factories as f

from .stats_fixture import build

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


def _user(world, role, unit_key, username):
    user = f.UserFactory(username=username)
    f.RoleAssignmentFactory(user=user, unit=world[unit_key], role=role)
    f.totp_device(user, KEY)
    return user


@pytest.mark.parametrize("viewport", [{"width": 1280, "height": 900}, {"width": 390, "height": 844}],
                         ids=["desktop", "phone"])
def test_statistics_pages_render_charts_and_tables(page, world, viewport):
    data = build(world)
    _user(world, "supply_admin", "supply_unit", "stat-admin")
    _user(world, "invoice_viewer", "region_unit", "stat-kund")
    page.set_viewport_size(viewport)

    login(page, "stat-admin")
    page.get_by_role("navigation", name="Huvudmeny").get_by_role("link", name="Statistik").click()
    page.wait_for_url(re.compile(r"/drift/statistik/$"))
    page.get_by_label("Från månad").fill("2025-12")
    page.get_by_label("Till månad").fill("2026-02")
    page.get_by_role("button", name="Visa").click()
    page.wait_for_url(re.compile(r"fran=2025-12"))
    chart = page.get_by_role("img", name=re.compile("Leveranser inom servicenivån"))
    expect(chart).to_be_visible()
    assert page.locator("svg[role=img]").count() >= 4
    table = page.get_by_role("table", name=re.compile(r"^Leveranser inom servicenivån"))
    expect(table.get_by_role("row", name=re.compile("Lagerförd artikel levererad"))).to_contain_text("66,7 %")
    expect(page.get_by_role("table", name=re.compile("Volymer per kund"))).to_contain_text(data["municipality"].name)
    assert page.evaluate("document.documentElement.scrollWidth") <= viewport["width"]
    with page.expect_download() as dl:
        page.get_by_role("link", name="Excel (.xlsx)").click()
    assert dl.value.suggested_filename.endswith(".xlsx")

    page.get_by_role("button", name="Logga ut").click()
    login(page, "stat-kund")
    page.goto("/drift/statistik/kund/?fran=2025-12&till=2026-02")
    expect(page.locator("h1")).to_contain_text(data["region"].name)
    expect(page.get_by_role("img", name=re.compile("Hyra för hjälpmedel"))).to_be_visible()
    assert data["orders"]["J"].number not in page.content()  # the municipality's order
    assert page.evaluate("document.documentElement.scrollWidth") <= viewport["width"]
