"""Browser journeys of the catalogue on a desktop and a 390 px phone (issue 15): search, one row
per product with a thumbnail and its variants as a choice, sort by price, choose a variant, the
article page with its picture. Every page passes the markup check and axe (conftest `page`).

With LYFTA_SCREENSHOT_DIR set, the journey saves screenshots there (demo catalogue data only, no
patient on these pages)."""
import os
from pathlib import Path

import pytest
from django.utils import timezone
from django_otp.oath import TOTP
from playwright.sync_api import expect

from access.roles import Role
from catalogue import pictures, services
from catalogue.models import ArticleAvailability, Product
from tests import factories as f

KEY = "3132333435363738393031323334353637383930"
VIEWPORTS = {"desktop": {"width": 1280, "height": 900}, "phone": {"width": 390, "height": 844}}
pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def login_prescriber(page, world, username="frida"):
    user = f.UserFactory(username=username)
    f.RoleAssignmentFactory(user=user, unit=world["region_unit"], role=Role.PRESCRIBER)
    f.totp_device(user, KEY)
    page.goto("/konto/logga-in/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", "pw-Lyfta-2026!")
    totp = TOTP(bytes.fromhex(KEY), step=30, t0=0, digits=6)
    totp.time = timezone.now().timestamp()
    page.fill("input[name=otp_token]", f"{totp.token():06d}")
    with page.expect_navigation():
        page.click("main button[type=submit]")
    assert "logga-in" not in page.url


def shot(page, name):
    folder = os.environ.get("LYFTA_SCREENSHOT_DIR")
    if folder:
        Path(folder).mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(Path(folder) / f"{name}.png"), full_page=True)


def no_sideways_scroll(page):
    page.wait_for_load_state("load")  # the stylesheet applied (tables scroll inside their wrapper)
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1")


def test_prescriber_searches_and_opens_a_wheelchair(page, world, small_catalogue):
    ArticleAvailability.objects.create(article=small_catalogue["200101"], qty_new=2, qty_refurbished=1)
    login_prescriber(page, world)
    page.click("nav.main-nav a:has-text('Hjälpmedel')")
    page.fill("#id_q", "rullstol")
    page.click("form[role=search] button[type=submit]")
    row = page.locator("tr.product-row", has=page.get_by_role("link", name="Rullstol Aktiv", exact=True))
    expect(row).to_have_count(1)
    assert "Återanvänd finns" in row.inner_text()
    row.get_by_role("link", name="Rullstol Aktiv", exact=True).click()
    page.wait_for_selector("h1:has-text('Rullstol Aktiv, sittbredd 40 cm')")
    body = page.inner_text("main")
    assert "450,00\u00a0kr per månad" in body
    assert "2 nya i lager" in body and "1 återanvända i lager" in body
    assert "Sittdyna Flexi 40 x 42 cm" in body


@pytest.mark.parametrize("viewport", list(VIEWPORTS))
def test_catalogue_rows_pictures_sort_and_variant_choice(page, world, small_catalogue, viewport):
    page.set_viewport_size(VIEWPORTS[viewport])
    for number in ("P001", "P002", "P003"):
        product = Product.objects.get(product_number=number)
        services.media_picture_add(product, pictures.pictogram_png(pictures.pictogram_for(product.name)))
    login_prescriber(page, world, username=f"frida-{viewport}")
    page.goto("/katalog/")
    page.fill("#id_q", "rullstol")
    page.click("form[role=search] button[type=submit]")
    rows = page.locator("#results tr.product-row")
    expect(rows.first).to_be_visible()
    names = rows.locator("th[scope=row] > a").all_inner_texts()
    assert len(names) == len(set(names)) and "Rullstol Aktiv" in names  # one row per product
    aktiv = rows.filter(has=page.get_by_role("link", name="Rullstol Aktiv", exact=True)).first
    thumb = aktiv.locator("img.thumb")
    expect(thumb).to_be_visible()
    # decode() waits for the picture to load and rejects when it is broken (complete alone races the load)
    assert thumb.evaluate("img => img.decode().then(() => img.naturalWidth)") == pictures.THUMB_PX
    no_sideways_scroll(page)
    shot(page, f"catalogue-search-{viewport}")

    page.select_option("#id_sort", "price")  # the form updates the results (htmx) on change
    page.wait_for_function("() => location.search.includes('sort=price')")
    expect(page.locator("#results tr.product-row").first).to_be_visible()
    prices = page.evaluate("""() => [...document.querySelectorAll('#results tr.product-row td[data-label="Pris"]')]
        .map(td => parseFloat(td.innerText.replace(/\\s|kr.*$/g, '').replace(',', '.'))).filter(n => !isNaN(n))""")
    assert prices == sorted(prices) and len(prices) >= 2

    aktiv = page.locator("#results tr.product-row").filter(has=page.get_by_role("link", name="Rullstol Aktiv", exact=True)).first
    choice = aktiv.get_by_label("3 varianter")
    choice.select_option(label=choice.locator("option", has_text="sittbredd 48 cm").inner_text().strip())
    aktiv.get_by_role("button", name="Visa").click()
    expect(page.locator("h1")).to_have_text("Rullstol Aktiv, sittbredd 48 cm")
    picture = page.locator(".article-pictures img")
    expect(picture).to_be_visible()
    assert picture.evaluate("img => img.decode().then(() => img.naturalWidth)") > 0
    expect(page.get_by_label("Variant", exact=True)).to_have_value("200103")
    no_sideways_scroll(page)
    shot(page, f"catalogue-article-{viewport}")
