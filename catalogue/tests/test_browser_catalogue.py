import pytest
from django.utils import timezone
from django_otp.oath import TOTP

from access.roles import Role
from catalogue.models import ArticleAvailability
from tests import factories as f

KEY = "3132333435363738393031323334353637383930"


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_prescriber_searches_and_opens_a_wheelchair(page, world, small_catalogue):
    user = f.UserFactory(username="frida")
    f.RoleAssignmentFactory(user=user, unit=world["region_unit"], role=Role.PRESCRIBER)
    f.totp_device(user, KEY)
    ArticleAvailability.objects.create(article=small_catalogue["200101"], qty_new=2, qty_refurbished=1)

    page.goto("/konto/logga-in/")
    page.fill("input[name=username]", "frida")
    page.fill("input[name=password]", "pw-Lyfta-2026!")
    totp = TOTP(bytes.fromhex(KEY), step=30, t0=0, digits=6)
    totp.time = timezone.now().timestamp()
    page.fill("input[name=otp_token]", f"{totp.token():06d}")
    with page.expect_navigation():
        page.click("main button[type=submit]")
    assert "logga-in" not in page.url

    page.click("nav.main-nav a:has-text('Hjälpmedel')")
    page.fill("#id_q", "rullstol")
    page.click("form[role=search] button[type=submit]")
    page.wait_for_selector("text=Rullstol Aktiv, sittbredd 40 cm")
    assert "Återanvänd finns" in page.inner_text("#results")
    page.click("text=Rullstol Aktiv, sittbredd 40 cm")
    page.wait_for_selector("h1:has-text('Rullstol Aktiv, sittbredd 40 cm')")
    body = page.inner_text("main")
    assert "450,00\u00a0kr per månad" in body
    assert "2 nya i lager" in body and "1 återanvända i lager" in body
    assert "Sittdyna Flexi 40 x 42 cm" in body
