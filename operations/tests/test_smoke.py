from django.core import mail
from django.test import Client
from django.urls import reverse

from operations.services import notices


def test_notice_on_start_and_login_pages_and_emailed(client_for, make_user):
    admin, admin_user = client_for("supply_admin")
    body = admin.post(reverse("operations:notice_admin"), {"kind": "fallback", "title": "Lyfta nere",
                                                           "text": "Reservrutin gäller."})
    assert body.status_code == 302
    user_client, _ = client_for("prescriber")
    assert "Lyfta nere" in user_client.get("/").content.decode()
    login = Client().get(reverse("access:login")).content.decode()
    assert "Lyfta nere" in login and reverse("operations:fallback_forms") in login
    assert Client().get(reverse("operations:fallback_form_pdf", args=["kundorder"])).content.startswith(b"%PDF")
    assert Client().get(reverse("operations:access_request_new") + "?q=Rehab").status_code == 200
    assert notices.ServiceNotice.objects.count() == 1
    assert isinstance(mail.outbox, list)
