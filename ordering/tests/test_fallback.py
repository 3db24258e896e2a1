"""Late entry of paper orders (issue 16, fallback routine): the paper's time on the events, the
order and the figures; `is_fallback` shown on every page, the JSON API and the FHIR facade; bad
input refused next to the field with nothing written."""
import datetime as dt

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from access.roles import Role
from audit.models import AuditEvent
from conftest import login_verified
from core.errors import PermissionDenied, ValidationFailed
from ordering.flows import fallback
from ordering.models import Order, OrderAttachment, OrderEvent
from tests import factories as f

PDF = b"%PDF-1.4\n% paper order scan\n"


def scan(name="blankett.pdf", content=PDF):
    return SimpleUploadedFile(name, content, content_type="application/pdf")


def entry(shop, **kw):
    values = dict(paper_at=timezone.now() - dt.timedelta(days=2, hours=3), signed_by="Greta Förskrivare",
                  unit_hsa_id=shop.world["region_unit"].hsa_id, patient_identity=shop.patient.identity_number,
                  lines=[(shop.chair.article_number, 1), (shop.cushion.article_number, 2)])
    values.update(kw)
    return fallback.LateEntryInput(**values)


def test_late_entry_keeps_the_paper_time_and_is_marked(shop):
    paper_at = (timezone.now() - dt.timedelta(days=3)).replace(second=0, microsecond=0)
    before = timezone.now()
    order = fallback.order_late_enter(shop.h, entry(shop, paper_at=paper_at, orderer=shop.prescriber.username), scan())
    order.refresh_from_db()
    assert order.is_fallback and order.status == "submitted" and order.order_type == "customer"
    assert order.customer_id == shop.world["region"].pk and order.patient_id == shop.patient.pk
    assert order.created_at == paper_at and order.submitted_at == paper_at
    assert order.orderer_id == shop.prescriber.pk and order.prescriber_id == shop.prescriber.pk
    assert order.lines.count() == 2
    events = list(OrderEvent.objects.filter(order=order))
    assert len(events) == 1 and events[0].to_status == "submitted" and events[0].at == paper_at
    entered_at = dt.datetime.fromisoformat(events[0].data["entered_at"])
    assert before <= entered_at <= timezone.now()
    assert events[0].data["signed_by"] == "Greta Förskrivare" and events[0].data["fallback"] is True
    assert events[0].actor_user_id == shop.handler.pk
    att = OrderAttachment.objects.get(order=order)
    assert att.content_type == "application/pdf" and att.file.read() == PDF
    assert order.extra["fallback"]["attachment_id"] == att.pk
    assert AuditEvent.objects.filter(action="order.fallback_entered", object_id=str(order.pk)).exists()


def test_a_normal_order_is_not_fallback(shop):
    from ordering.tests.conftest import make_order

    assert make_order(shop).is_fallback is False


def test_without_an_account_the_order_has_no_orderer_and_a_unit_order_goes_to_the_delivery_point(shop):
    point = f.DeliveryPointFactory(unit=shop.world["region_unit"])
    order = fallback.order_late_enter(shop.h, entry(shop, kind="to_unit", patient_identity="",
                                                    lines=[(shop.cushion.article_number, 3)]), scan())
    assert order.orderer_id is None and order.patient_id is None and order.delivery_point_id == point.pk


@pytest.mark.parametrize(("change", "field"), [
    ({"paper_at": None}, "paper_at"),
    ({"paper_at": "igår"}, "paper_at"),
    ({"paper_at_delta": dt.timedelta(hours=1)}, "paper_at"),  # in the future
    ({"paper_at_delta": -dt.timedelta(days=31)}, "paper_at"),  # older than the bound
    ({"signed_by": "  "}, "signed_by"),
    ({"unit_hsa_id": "SE0000000000-XXXX"}, "unit_hsa_id"),
    ({"patient_identity": ""}, "patient_identity"),
    ({"lines": []}, "lines"),
    ({"lines": [("NOPE-1", 1)]}, "lines.0.article_number"),
    ({"lines": "QTY"}, "lines.0.quantity"),
    ({"orderer": "nobody-here"}, "orderer"),
    ({"kind": "buffer_manual"}, "kind"),
])
def test_bad_input_is_refused_next_to_the_field_and_writes_nothing(shop, change, field):
    change = dict(change)
    if "paper_at_delta" in change:
        change["paper_at"] = timezone.now() + change.pop("paper_at_delta")
    if change.get("lines") == "QTY":
        change["lines"] = [(shop.cushion.article_number, "två")]
    with pytest.raises(ValidationFailed) as exc:
        fallback.order_late_enter(shop.h, entry(shop, **change), scan())
    assert field in exc.value.errors
    assert not Order.objects.exists() and not OrderAttachment.objects.exists()


def test_a_patient_of_another_customer_is_refused(shop, world):
    from ordering.tests import factories as of

    other = of.patient(world["municipality"])
    with pytest.raises(ValidationFailed) as exc:
        fallback.order_late_enter(shop.h, entry(shop, patient_identity=other.identity_number), scan())
    assert "patient_identity" in exc.value.errors and not Order.objects.exists()


@pytest.mark.parametrize(("upload", "message"), [
    (None, "Bifoga"),
    (("blankett.gif", b"GIF89a"), "Endast PDF"),
    (("blankett.pdf", b"not a pdf at all"), "stämmer inte"),
    (("blankett.png", b""), "tom"),
])
def test_the_scan_is_required_and_checked(shop, upload, message):
    file = None if upload is None else SimpleUploadedFile(upload[0], upload[1])
    with pytest.raises(ValidationFailed) as exc:
        fallback.order_late_enter(shop.h, entry(shop), file)
    assert message in exc.value.errors["scan"][0]
    assert not Order.objects.exists()


def test_only_supply_handlers_enter(shop):
    with pytest.raises(PermissionDenied):
        fallback.order_late_enter(shop.p, entry(shop), scan())
    assert not Order.objects.exists()


def test_parse_lines():
    assert fallback.parse_lines("A-1 2\n\nB-2\nC-3; 4\n") == [("A-1", "2"), ("B-2", "1"), ("C-3", "4")]
    with pytest.raises(ValidationFailed):
        fallback.parse_lines("A-1 2 3")


# --------------------------------------------------------------------------- pages, API, FHIR


def _form(shop, **kw):
    paper = timezone.localtime(timezone.now() - dt.timedelta(days=1)).strftime("%Y-%m-%dT%H:%M")
    data = {"paper_at": paper, "signed_by": "Greta Förskrivare", "orderer": "", "kind": "to_patient",
            "unit_hsa_id": shop.world["region_unit"].hsa_id, "patient_identity": shop.patient.identity_number,
            "lines": f"{shop.chair.article_number} 1\n{shop.cushion.article_number} 1", "priority": "urgent",
            "contact_name": "", "contact_phone": "", "note": "Från pappret", "scan": scan()}
    data.update(kw)
    return data


def test_handler_page_enters_the_order_and_every_page_marks_it(shop):
    handler = login_verified(Client(), shop.handler)
    url = reverse("operations:fallback_late_entry")
    form_page = handler.get(url)
    assert form_page.status_code == 200
    from tests.browser.markup import problems

    assert not problems(form_page.content.decode())
    r = handler.post(url, _form(shop))
    assert r.status_code == 302, r.content.decode()[:2000]
    order = Order.objects.get()
    assert r["Location"] == reverse("supply:order_handle", args=[order.pk])
    page = handler.get(r["Location"]).content.decode()
    assert "Reservrutin" in page and "Greta Förskrivare" in page and "Pappersbeställning (reservrutin)" in page
    assert "Reservrutin" in handler.get(reverse("supply:inbox")).content.decode()
    customer = login_verified(Client(), shop.prescriber)
    detail = customer.get(reverse("ordering:order_detail", args=[order.pk])).content.decode()
    assert "Reservrutin" in detail and "Efterregistrerad" in detail
    search = customer.get(reverse("ordering:order_search")).content.decode()
    assert order.number in search and "Reservrutin" in search


def test_handler_page_shows_errors_with_422_and_writes_nothing(shop):
    handler = login_verified(Client(), shop.handler)
    future = timezone.localtime(timezone.now() + dt.timedelta(days=1)).strftime("%Y-%m-%dT%H:%M")
    r = handler.post(reverse("operations:fallback_late_entry"), _form(shop, paper_at=future, lines="NOPE 1"))
    assert r.status_code == 422
    body = r.content.decode()
    assert "framtiden" in body and not Order.objects.exists()
    r = handler.post(reverse("operations:fallback_late_entry"), _form(shop, lines="NOPE 1"))
    assert r.status_code == 422 and "NOPE finns inte" in r.content.decode() and not Order.objects.exists()


@pytest.mark.parametrize("role", [Role.PRESCRIBER, Role.TECHNICIAN, Role.DRIVER, Role.CUSTOMER_ACCESS_ADMIN])
def test_other_roles_get_403(shop, make_user, role):
    client = login_verified(Client(), make_user(role))
    assert client.get(reverse("operations:fallback_late_entry")).status_code == 403
    assert client.post(reverse("operations:fallback_late_entry"), _form(shop)).status_code == 403
    assert not Order.objects.exists()


def test_json_api_and_fhir_say_fallback(shop, api):
    order = fallback.order_late_enter(shop.h, entry(shop), scan())
    got = api.region.get(f"/api/v1/orders/{order.pk}").json()
    assert got["is_fallback"] is True
    assert dt.datetime.fromisoformat(got["created_at"].replace("Z", "+00:00")) == order.created_at
    assert [o["is_fallback"] for o in api.region.get("/api/v1/orders").json() if o["id"] == order.pk] == [True]
    task = api.region.get(f"/fhir/R4/Task/{order.pk}").json()
    assert task["meta"]["tag"][0]["code"] == "fallback"
    assert api.municipality.get(f"/api/v1/orders/{order.pk}").status_code == 404
