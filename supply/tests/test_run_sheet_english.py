"""Issue 15: the run sheet (körlista) is printed in the language of the user asking for it, with
the date in that language's format; the protected address stays masked in either language."""
from django.conf import settings
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from conftest import login_verified
from supply.runs import services as rs
from supply.tests.runs_fixtures import *  # noqa: F401,F403
from tests.pdf_text import pdf_text


def sheet(user, run, language=None, name="supply:run_sheet") -> str:
    client = login_verified(Client(), user)
    if language:
        client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    r = client.get(reverse(name, args=[run.pk]))
    assert r.status_code == 200 and r["Content-Type"] == "application/pdf"
    return pdf_text(r.content)


def test_run_sheet_in_english_and_swedish(runs):
    from ordering.models import Order

    Order.objects.filter(pk=runs.delivery.pk).update(delivery_protected=True)
    today = timezone.localdate()
    run = rs.run_create(runs.h, date=today, driver_id=runs.driver.pk, vehicle="Bil 3")
    rs.run_stop_add(runs.h, run.pk, order_id=runs.delivery.pk)
    rs.run_stop_add(runs.h, run.pk, order_id=runs.pickup.pk)

    english = sheet(runs.handler, run, "en")
    assert f"Run sheet {today.strftime('%-d %b %Y')} – run {run.pk}" in english
    for text in ("Driver: Charlie Chaufför", "Vehicle: Bil 3", "Stops: 2", "Address and contact", "Bring / collect", "Done /",
                 "Load list", "Quantity / device", "Protected address", "Delivery", "Pickup"):
        assert text in english, text
    assert "Körlista" not in english and "Lastlista" not in english and "Skyddad adress" not in english

    swedish = sheet(runs.handler, run)
    assert f"Körlista {today.isoformat()} – körning {run.pk}" in swedish
    for text in ("Chaufför: Charlie Chaufför", "Fordon: Bil 3", "Lastlista", "Skyddad adress", "Ta med / hämta"):
        assert text in swedish, text
    assert "Run sheet" not in swedish

    for_driver = sheet(runs.driver, run, "en", name="supply:driver_sheet")
    assert "Run sheet" in for_driver and "Protected address" not in for_driver
