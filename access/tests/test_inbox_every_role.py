"""Messages reach users of every role (orders, access requests, support answers), so every role
can open its inbox and read them."""
import pytest
from django.urls import reverse

from access.roles import Role
from ordering.models import Message

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("role", Role.values)
def test_every_role_reads_its_messages(client_for, role):
    client, user = client_for(role)
    Message.objects.create(recipient=user, kind=Message.Kind.INFO, subject=f"Till {role}", text="Hej")
    response = client.get(reverse("ordering:inbox"))
    assert response.status_code == 200
    assert f"Till {role}" in response.content.decode()
