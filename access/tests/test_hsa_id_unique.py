"""A person's HSA-id names one account: SITHS login matches the account by it (case-insensitively),
so two accounts with one HSA-id would lock both out. Blank is allowed for any number of accounts."""
import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from access.models import User
from access.principal import ANONYMOUS, principal_for_user
from access.roles import Role
from core.errors import ValidationFailed
from operations.services import access_requests as ar
from tests import factories as f


def test_the_database_refuses_a_second_account_with_the_same_hsa_id_in_any_case(db):
    f.UserFactory(username="a", hsa_id="SE2321000016-AB01")
    for value in ("SE2321000016-AB01", "se2321000016-ab01"):
        with pytest.raises(IntegrityError), transaction.atomic():
            f.UserFactory(username=f"b-{value}", hsa_id=value)
    f.UserFactory(username="c", hsa_id="")
    f.UserFactory(username="d", hsa_id="")  # many accounts without SITHS
    assert User.objects.filter(hsa_id="").count() == 2


def test_validation_names_the_duplicate_and_the_format_in_swedish(db):
    f.UserFactory(username="a", hsa_id="SE2321000016-AB01")
    other = User(username="b", hsa_id="SE2321000016-ab01")
    with pytest.raises(ValidationError) as exc:
        other.full_clean(exclude=["password"])
    assert "redan en användare med detta HSA-id" in str(exc.value)
    with pytest.raises(ValidationError, match="Ogiltigt HSA-id"):
        User(username="c", hsa_id="inte-ett-id").full_clean(exclude=["password"])


def test_admin_form_refuses_a_duplicate_hsa_id(db, client):
    from django.test import RequestFactory

    from access.admin_site import site

    f.UserFactory(username="a", hsa_id="SE2321000016-AB01")
    b = f.UserFactory(username="b", hsa_id="")
    model_admin = site._registry[User]
    request = RequestFactory().get("/")
    form_class = model_admin.get_form(request, b, change=True)
    data = {k: v for k, v in form_class(instance=b).initial.items() if v is not None}
    data.update({"username": "b", "hsa_id": "SE2321000016-ab01", "date_joined_0": "2026-01-01",
                 "date_joined_1": "10:00:00", "failed_login_count": 0})
    form = form_class(data, instance=b)
    assert not form.is_valid()
    assert "redan en användare med detta HSA-id" in str(form.errors)


def test_approving_a_request_whose_hsa_id_belongs_to_an_inactive_account_is_a_clear_refusal(world, make_user):
    admin = principal_for_user(make_user(Role.CUSTOMER_ACCESS_ADMIN, "region"))
    f.UserFactory(username="gone", hsa_id="SE2321000016-NY01", is_active=False)
    req = ar.access_request_create(principal=ANONYMOUS, unit_id=world["region_unit"].pk, role=Role.ORDERER,
                                   reason="Jag behöver beställa åt enheten.", manager_email="chef@example.se",
                                   first_name="Ny", last_name="Person", email="ny.person@example.se",
                                   hsa_id="SE2321000016-NY01", client_ip="10.0.0.1")
    with pytest.raises(ValidationFailed, match="inaktiverat"):
        ar.access_request_decide(actor=admin, request_id=req.pk, approve=True)
    assert User.objects.filter(hsa_id__iexact="SE2321000016-NY01").count() == 1
