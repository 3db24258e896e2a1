"""Issue 15: start pages show work to do per role (core.startpage panels registered by ordering,
supply and audit), and the list fixes that came with them."""
import datetime as dt

from django.urls import reverse
from django.utils import timezone

from audit.models import PatientAccess
from conftest import login_verified
from ordering.models import Message, Order, OrderLine
from ordering.tests.conftest import make_order
from ordering.tests.service_fixtures import *  # noqa: F401,F403
from supply import services
from tests.browser.markup import problems


def test_prescriber_start_page_shows_orders_messages_recent_patients_and_a_focused_search(stocked, client):
    order = make_order(stocked)
    services.order_confirm(stocked.h, order.pk)  # a message to the prescriber
    make_order(stocked, submit=False)
    c = login_verified(client, stocked.prescriber)
    c.get(reverse("ordering:patient_view", args=[stocked.patient.pk]))
    r = c.get(reverse("core:start"))
    html = r.content.decode()
    assert r.status_code == 200 and not problems(html)
    assert 'id="start-q" name="q" autofocus' in html
    assert "Mina öppna beställningar" in html and "?status=confirmed" in html and "?status=draft" in html
    unread = html[html.index("Olästa meddelanden"):html.index("Senaste patienter")]
    assert stocked.patient.first_name in unread and stocked.patient.last_name in unread
    recent = html[html.index("Senaste patienter"):]
    assert stocked.patient.last_name in recent
    assert PatientAccess.objects.filter(patient_id=stocked.patient.pk, view="start_page").count() == 1
    assert Message.objects.filter(recipient=stocked.prescriber, read_at__isnull=True).exists()


def test_handler_start_page_counts_link_to_filtered_inbox(stocked, client):
    urgent = make_order(stocked, priority="urgent")
    late = make_order(stocked)
    services.order_confirm(stocked.h, late.pk)
    Order.objects.filter(pk=late.pk).update(planned_date=timezone.localdate() - dt.timedelta(days=2))
    back = make_order(stocked)
    services.order_confirm(stocked.h, back.pk)
    OrderLine.objects.filter(order=back).update(backordered_quantity=1)
    c = login_verified(client, stocked.handler)
    html = c.get(reverse("core:start")).content.decode()
    assert not problems(html) and "Att göra i orderinkorgen" in html
    for q in ("?status=submitted", "?status=submitted&amp;priority=urgent", "?status=&amp;flag=overdue",
              "?status=&amp;flag=backordered"):
        assert q in html
    inbox = reverse("supply:inbox")
    assert urgent.number in c.get(inbox, {"status": "submitted", "priority": "urgent"}).content.decode()
    overdue = c.get(inbox, {"status": "", "flag": "overdue"}).content.decode()
    assert late.number in overdue and back.number not in overdue and urgent.number not in overdue
    backordered = c.get(inbox, {"status": "", "flag": "backordered"}).content.decode()
    assert back.number in backordered and late.number not in backordered


def test_auditor_start_page_lists_recent_extracts_with_readable_views(stocked, client_for):
    c, _ = client_for("auditor", "region")
    r = c.get(reverse("audit:patient_log"), {"patient": stocked.patient.identity_number})
    html = r.content.decode()
    assert "identity_lookup" not in html
    html = c.get(reverse("core:start")).content.decode()
    assert "Senaste logguttag" in html and "rader" in html and not problems(html)


def test_order_list_shows_the_promised_date_before_confirmation(stocked, client):
    order = make_order(stocked)
    c = login_verified(client, stocked.prescriber)
    html = c.get(reverse("ordering:order_search")).content.decode()
    assert f"{order.promised_date.isoformat()} (utlovat)" in html


def test_return_receipt_pdf_names_the_prescriber_not_the_user_name(svc, monkeypatch):
    from ordering import documents
    from ordering.flows import pickup as pickups

    receipt = pickups.return_receipt_create(svc.p, svc.patient.pk, [svc.walker_device.serial])
    seen = []
    real = documents.Table

    def spy(rows, *a, **kw):
        seen.extend(str(cell) for row in rows for cell in row)
        return real(rows, *a, **kw)

    monkeypatch.setattr(documents, "Table", spy)
    assert documents.render_return_receipt(receipt, svc.p).startswith(b"%PDF")
    name = svc.prescriber.get_full_name()
    assert any(name in cell for cell in seen) and svc.prescriber.username not in " ".join(seen)


def test_review_step_before_submitting(stocked, client):
    order = make_order(stocked, submit=False)
    c = login_verified(client, stocked.prescriber)
    html = c.get(reverse("ordering:order_detail", args=[order.pk])).content.decode()
    review = reverse("ordering:order_review", args=[order.pk])
    assert review in html and 'id="submit-order"' not in html
    r = c.get(review)
    html = r.content.decode()
    assert r.status_code == 200 and "Granska och skicka" in html and 'id="submit-order"' in html
    assert stocked.chair.name in html and not problems(html)
    assert c.post(reverse("ordering:order_submit", args=[order.pk])).status_code == 302
    assert c.get(review).status_code == 302  # sent: the review goes to the order's page


def test_dispatch_asks_for_confirmation(stocked, client):
    order = make_order(stocked)
    services.order_confirm(stocked.h, order.pk)
    c = login_verified(client, stocked.handler)
    html = c.get(reverse("supply:order_handle", args=[order.pk])).content.decode()
    assert 'id="dispatch-order" data-confirm=' in html


def test_inbox_messages_name_the_patient_and_log_the_access(stocked, client):
    order = make_order(stocked)
    services.order_confirm(stocked.h, order.pk)
    c = login_verified(client, stocked.prescriber)
    before = PatientAccess.objects.filter(patient_id=stocked.patient.pk, view="inbox").count()
    html = c.get(reverse("ordering:inbox")).content.decode()
    assert f"Patient: {stocked.patient.first_name} {stocked.patient.last_name}" in html and not problems(html)
    assert PatientAccess.objects.filter(patient_id=stocked.patient.pk, view="inbox").count() == before + 1
    msg = Message.objects.filter(order=order).first()
    assert stocked.patient.last_name not in msg.text and stocked.patient.last_name not in msg.subject
