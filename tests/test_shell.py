"""The page shell: header badge with unread messages, navigation per role."""
import re

from ordering.models import Message


def test_header_shows_unread_message_count(client_for):
    client, user = client_for("prescriber")
    body = client.get("/").content.decode()
    assert 'id="inbox-unread"' not in body
    for i in range(2):
        Message.objects.create(recipient=user, kind=Message.Kind.INFO, subject=f"Ämne {i}", text="Text")
    body = client.get("/").content.decode()
    badge = re.search(r'id="inbox-unread">(\d+)', body)
    assert badge and badge.group(1) == "2"


def test_no_inbox_for_roles_without_it(client_for):
    client, _ = client_for("auditor")
    assert "inbox-badge" not in client.get("/").content.decode()
