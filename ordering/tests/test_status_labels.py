"""Issue 15: "Skickad" and "Skickad från HMC" read alike. A submitted order reads "Skickad till
HMC", a dispatched one "Under leverans" (English: "Sent to supply centre" / "Out for delivery"),
on the pages, in the filters and in the messages that name a status."""
import pytest
from django.conf import settings
from django.urls import reverse
from django.utils import translation

from conftest import login_verified
from core.errors import IllegalTransition
from ordering.models import OrderStatus
from ordering.tests.conftest import make_order
from ordering.tests.service_fixtures import *  # noqa: F401,F403
from supply import services


def test_submitted_and_dispatched_read_apart_in_both_languages():
    with translation.override("sv"):
        assert str(OrderStatus.SUBMITTED.label) == "Skickad till HMC"
        assert str(OrderStatus.DISPATCHED.label) == "Under leverans"
    with translation.override("en"):
        assert str(OrderStatus.SUBMITTED.label) == "Sent to supply centre"
        assert str(OrderStatus.DISPATCHED.label) == "Out for delivery"


def test_order_page_shows_the_new_labels(stocked, client):
    submitted = make_order(stocked)
    dispatched = make_order(stocked)
    services.order_confirm(stocked.h, dispatched.pk)
    services.order_dispatch(stocked.h, dispatched.pk)
    c = login_verified(client, stocked.prescriber)
    html = c.get(reverse("ordering:patient_view", args=[stocked.patient.pk])).content.decode()
    assert "Skickad till HMC" in html and "Under leverans" in html and "Skickad från HMC" not in html
    c.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    html = c.get(reverse("ordering:patient_view", args=[stocked.patient.pk])).content.decode()
    assert "Sent to supply centre" in html and "Out for delivery" in html
    assert submitted.number in html


def test_a_refused_move_names_the_status_with_hmc_in_capitals(stocked):
    order = make_order(stocked)
    with translation.override("sv"), pytest.raises(IllegalTransition) as e:
        services.order_dispatch(stocked.h, order.pk)
    assert "skickad till HMC" in e.value.message
