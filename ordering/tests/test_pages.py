"""Customer-side pages: patient view (one access row, isolation), draft builder, submit,
search (query counts), inbox and delivery note."""
import pytest
from django.urls import reverse

from access.roles import Role
from audit.models import PatientAccess
from ordering.context_processors import inbox as inbox_cp
from ordering.flows import customer as services
from ordering.models import Message, Order, OrderEvent, OrderLine
from ordering.tests import factories as of
from ordering.tests.conftest import make_order
from supply import services as supply


@pytest.fixture
def prescriber_client(shop, client):
    from conftest import login_verified

    return login_verified(client, shop.prescriber)


def access_rows(patient):
    return PatientAccess.objects.filter(patient_id=patient.pk).count()


def delivered_order(shop):
    order = make_order(shop)
    supply.order_confirm(shop.h, order.pk)
    supply.order_dispatch(shop.h, order.pk)
    supply.order_deliver(shop.h, order.pk, receiver_name="Astrid", place="stay_address")
    return order


def test_patient_view_shows_loans_and_orders_and_writes_one_access_row(stocked, prescriber_client,
                                                                       django_assert_max_num_queries):
    done = delivered_order(stocked)
    open_order = make_order(stocked, lines=[services.LineInput(stocked.cushion.article_number, 1)])
    before = access_rows(stocked.patient)
    url = reverse("ordering:patient_view", args=[stocked.patient.pk])
    with django_assert_max_num_queries(15):
        r = prescriber_client.get(url)
    assert r.status_code == 200
    html = r.content.decode()
    serial = done.lines.get(line_no=1).device.serial
    assert serial in html and stocked.chair.name in html and stocked.patient.last_name in html
    assert open_order.number in html and done.number in html
    assert access_rows(stocked.patient) == before + 1


def test_patient_view_query_count_does_not_grow_with_data(stocked, prescriber_client, django_assert_num_queries):
    url = reverse("ordering:patient_view", args=[stocked.patient.pk])
    make_order(stocked)
    prescriber_client.get(url)
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as few:
        prescriber_client.get(url)
    for _ in range(5):
        make_order(stocked, lines=[services.LineInput(stocked.cushion.article_number, 1)])
    delivered_order(stocked)
    with django_assert_num_queries(len(few.captured_queries)):
        prescriber_client.get(url)


def test_other_customer_gets_404_on_patient_order_and_note(stocked, client_for):
    order = delivered_order(stocked)
    other, _ = client_for(Role.PRESCRIBER, "municipality")
    before = access_rows(stocked.patient)
    assert other.get(reverse("ordering:patient_view", args=[stocked.patient.pk])).status_code == 404
    assert other.get(reverse("ordering:order_detail", args=[order.pk])).status_code == 404
    assert other.get(reverse("ordering:delivery_note", args=[order.deliveries.get().pk])).status_code == 404
    assert other.post(reverse("ordering:order_withdraw", args=[order.pk])).status_code == 404
    assert other.post(reverse("ordering:order_submit", args=[order.pk])).status_code == 404
    assert access_rows(stocked.patient) == before


def test_build_and_submit_a_draft_through_the_pages(stocked, prescriber_client):
    c = prescriber_client
    r = c.get(reverse("ordering:draft_new") + f"?patient={stocked.patient.pk}")
    assert r.status_code == 200 and "450" in r.content.decode()  # urgent fee shown
    r = c.post(reverse("ordering:draft_new"), {
        "patient": stocked.patient.pk, "unit": stocked.world["region_unit"].pk, "delivery_to": "stay_address",
        "priority": "normal", "contact_name": "Kim", "contact_phone": "070-1", "note": "Portkod 1234"})
    assert r.status_code == 302
    order = Order.objects.get()
    r = c.post(reverse("ordering:line_add", args=[order.pk]), {"article_number": stocked.chair.article_number,
                                                              "quantity": 1})
    assert r.status_code == 302
    page = c.get(reverse("ordering:order_detail", args=[order.pk]) + "?q=Rullstol").content.decode()
    assert stocked.cushion.name in page  # offered accessory
    assert "350,00 kr" in page  # estimated monthly cost, Swedish format
    assert str(order.promised_date or "") in page
    line = order.lines.get()
    c.post(reverse("ordering:line_add", args=[order.pk]), {"article_number": stocked.cushion.article_number,
                                                          "quantity": 1, "main_line": line.pk})
    assert order.lines.count() == 2
    r1 = c.post(reverse("ordering:order_submit", args=[order.pk]))
    r2 = c.post(reverse("ordering:order_submit", args=[order.pk]))  # double click
    assert r1.status_code == r2.status_code == 302
    order.refresh_from_db()
    assert order.status == "submitted"
    assert OrderEvent.objects.filter(order=order, to_status="submitted").count() == 1
    html = c.get(reverse("ordering:order_detail", args=[order.pk])).content.decode()
    assert "Återkalla beställningen" in html and order.number in html


@pytest.mark.parametrize("data,message", [
    ({"article_number": "FINNS-INTE", "quantity": 1}, "finns inte"),
    ({"article_number": "@", "quantity": 0}, "1"),
    ({"article_number": "@", "quantity": -5}, "1"),
    ({"article_number": "@", "quantity": 100000}, "999"),
    ({"article_number": "@", "quantity": "många"}, "heltal"),
], ids=["unknown", "zero", "negative", "huge", "text"])
def test_bad_line_input_on_the_page(stocked, prescriber_client, data, message):
    order = make_order(stocked, submit=False, lines=[services.LineInput(stocked.cushion.article_number, 1)])
    data = dict(data, article_number=stocked.chair.article_number if data["article_number"] == "@"
                else data["article_number"])
    before = OrderLine.objects.count()
    r = prescriber_client.post(reverse("ordering:line_add", args=[order.pk]), data)
    assert r.status_code == 422 and message in r.content.decode()
    assert OrderLine.objects.count() == before


def test_bad_draft_input_on_the_page(stocked, prescriber_client):
    r = prescriber_client.post(reverse("ordering:draft_new"), {
        "patient": stocked.patient.pk, "unit": stocked.world["region_unit"].pk, "delivery_to": "stay_address",
        "priority": "normal", "requested_date": "2001-01-01", "note": "x" * 3000})
    assert r.status_code == 422
    html = r.content.decode()
    assert "2000 tecken" in html
    assert Order.objects.count() == 0
    r = prescriber_client.post(reverse("ordering:draft_new"), {
        "patient": stocked.patient.pk, "unit": stocked.world["region_unit"].pk, "delivery_to": "stay_address",
        "priority": "normal", "requested_date": "2001-01-01"})
    assert r.status_code == 422 and "bakåt i tiden" in r.content.decode()
    assert Order.objects.count() == 0


def test_order_search_page_query_count_is_constant(stocked, prescriber_client, django_assert_num_queries):
    for _ in range(3):
        make_order(stocked, lines=[services.LineInput(stocked.cushion.article_number, 1)])
    url = reverse("ordering:order_search")
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    prescriber_client.get(url)  # warm up (session, counters)
    with CaptureQueriesContext(connection) as ctx:
        r = prescriber_client.get(url, {"status": "submitted"})
    assert len(ctx.captured_queries) <= 10
    assert r.status_code == 200 and r.content.decode().count("KO0") >= 3
    for _ in range(6):
        make_order(stocked, lines=[services.LineInput(stocked.cushion.article_number, 1)])
    with django_assert_num_queries(len(ctx.captured_queries)):
        r = prescriber_client.get(url, {"status": "submitted"})
    assert r.content.decode().count("Skickad") >= 9


def test_order_search_by_patient_writes_one_access_row_and_validates(stocked, prescriber_client):
    order = make_order(stocked)
    before = access_rows(stocked.patient)
    r = prescriber_client.get(reverse("ordering:order_search"), {"identity": stocked.patient.identity_number})
    assert r.status_code == 200 and order.number in r.content.decode()
    assert access_rows(stocked.patient) == before + 1
    r = prescriber_client.get(reverse("ordering:order_search"), {"identity": "19121212-1213"})
    assert "Personnumret är inte giltigt" in r.content.decode() and order.number not in r.content.decode()


def test_other_customer_search_does_not_show_orders(stocked, client_for):
    order = make_order(stocked)
    other, _ = client_for(Role.PRESCRIBER, "municipality")
    html = other.get(reverse("ordering:order_search")).content.decode()
    assert order.number not in html
    html = other.get(reverse("ordering:order_search"), {"identity": stocked.patient.identity_number}).content.decode()
    assert order.number not in html


def test_inbox_and_unread_badge(stocked, prescriber_client, rf):
    order = make_order(stocked)
    supply.order_confirm(stocked.h, order.pk)
    r = prescriber_client.get(reverse("ordering:inbox"))
    assert r.status_code == 200 and f"Order {order.number} är bekräftad" in r.content.decode()
    request = rf.get("/")
    request.user = stocked.prescriber
    request._lyfta_principal = stocked.p
    assert int(inbox_cp(request)["inbox_unread"]) == 1
    msg = Message.objects.get()
    r = prescriber_client.post(reverse("ordering:message_read", args=[msg.pk]), {"open": "1"})
    assert r.status_code == 302 and r.url == reverse("ordering:order_detail", args=[order.pk])
    assert int(inbox_cp(request)["inbox_unread"]) == 0


def test_delivery_note_pdf_for_customer_and_protected_address(stocked, prescriber_client, client_for):
    protected = of.patient(stocked.world["region"], protected=True)
    stocked.patient = protected
    order = delivered_order(stocked)
    delivery = order.deliveries.get()
    r = prescriber_client.get(reverse("ordering:delivery_note", args=[delivery.pk]))
    assert r.status_code == 200 and r["Content-Type"] == "application/pdf" and r.content.startswith(b"%PDF")
    from access.principal import principal_for_user
    from ordering.delivery_note import delivery_note_content

    content = delivery_note_content(delivery, stocked.p)
    meta = dict(content["meta"])
    assert meta["Ordernummer"] == order.number and meta["Leveransadress"] == "Skyddad adress"
    assert meta["Patient"] == "Skyddad identitet"
    serial = order.lines.get(line_no=1).device.serial
    assert content["lines"][0][4] == serial and content["receiver"] == "Astrid"
    supply_view = dict(delivery_note_content(delivery, principal_for_user(stocked.handler))["meta"])
    assert protected.stay_street in supply_view["Leveransadress"]


def test_inbox_names_the_patient_with_one_access_row(stocked, prescriber_client):
    """Issue 15: messages name the patient on the inbox page (the reader needs to know whom the
    order is for); that is a read of patient data, so one access row per patient shown. The
    message texts and e-mails still carry no patient data."""
    order = make_order(stocked)
    supply.order_confirm(stocked.h, order.pk)
    before = access_rows(stocked.patient)
    html = prescriber_client.get(reverse("ordering:inbox")).content.decode()
    assert order.number in html and stocked.patient.last_name in html
    assert access_rows(stocked.patient) == before + 1


def test_order_pages_write_exactly_one_access_row(stocked, prescriber_client, client_for):
    order = make_order(stocked)
    for client, url in [
        (prescriber_client, reverse("ordering:order_detail", args=[order.pk])),
        (client_for(Role.SUPPLY_HANDLER)[0], reverse("supply:order_handle", args=[order.pk])),
        (prescriber_client, reverse("ordering:draft_new") + f"?patient={stocked.patient.pk}"),
    ]:
        before = access_rows(stocked.patient)
        assert client.get(url).status_code == 200
        assert access_rows(stocked.patient) == before + 1, url
    unit_order = Order.objects.create(number="KO9999999", status="submitted", customer=stocked.world["region"])
    before = PatientAccess.objects.count()
    assert prescriber_client.get(reverse("ordering:order_detail", args=[unit_order.pk])).status_code == 200
    assert PatientAccess.objects.count() == before  # no patient, no access row
