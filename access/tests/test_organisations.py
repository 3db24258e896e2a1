import pytest

from access import services
from access.models import Organisation, RoleAssignment, Unit
from audit.models import AuditEvent
from core.errors import Conflict, ValidationFailed
from tests import factories as f


def test_create_organisation_validates_and_normalises_org_number(db):
    org = services.organisation_create(actor=None, name="Åby kommun", kind="municipality", org_number="2120000142")
    assert org.org_number == "212000-0142"
    assert AuditEvent.objects.filter(action="organisation.create", object_id=str(org.pk)).exists()


@pytest.mark.parametrize("number", ["212000-0143", "12345", "abcdefghij", ""])
def test_invalid_org_number_is_refused_in_swedish_and_nothing_saved(db, number):
    with pytest.raises(ValidationFailed) as exc:
        services.organisation_create(actor=None, name="X", kind="municipality", org_number=number)
    assert "organisationsnummer" in exc.value.message.lower() or "org_number" in exc.value.errors
    assert Organisation.objects.count() == 0
    assert AuditEvent.objects.count() == 0


def test_duplicate_org_number_is_refused(db):
    services.organisation_create(actor=None, name="A", kind="municipality", org_number="212000-0142")
    with pytest.raises((ValidationFailed, Conflict)):
        services.organisation_create(actor=None, name="B", kind="municipality", org_number="212000-0142")
    assert Organisation.objects.count() == 1


@pytest.mark.parametrize("hsa", ["SE2321000016", "2321000016-15CQ", "SE232100001-15CQ", "SE2321000016-15 CQ", "se2321000016-1"])
def test_invalid_hsa_id_is_refused(db, hsa):
    org = f.OrganisationFactory()
    with pytest.raises(ValidationFailed) as exc:
        services.unit_create(actor=None, organisation=org, name="Enhet", hsa_id=hsa)
    assert "HSA-id" in exc.value.message
    assert Unit.objects.count() == 0


def test_duplicate_hsa_id_is_refused(db):
    org = f.OrganisationFactory()
    services.unit_create(actor=None, organisation=org, name="Enhet", hsa_id="SE2321000016-15CQ")
    with pytest.raises((ValidationFailed, Conflict)):
        services.unit_create(actor=None, organisation=org, name="Annan", hsa_id="SE2321000016-15CQ")
    assert Unit.objects.count() == 1


def test_unit_tree_parent_must_be_same_organisation(db):
    a, b = f.OrganisationFactory(), f.OrganisationFactory()
    parent = services.unit_create(actor=None, organisation=a, name="Rot", hsa_id="SE2321000016-0001")
    child = services.unit_create(actor=None, organisation=a, name="Barn", hsa_id="SE2321000016-0002", parent=parent)
    assert child.parent == parent
    with pytest.raises(ValidationFailed):
        services.unit_create(actor=None, organisation=b, name="Fel", hsa_id="SE2321000016-0003", parent=parent)


def test_roles_are_per_unit_several_allowed_and_side_checked(world):
    user = f.UserFactory()
    services.role_assign(actor=None, user=user, unit=world["region_unit"], role="prescriber")
    services.role_assign(actor=None, user=user, unit=world["municipality_unit"], role="orderer")
    with pytest.raises(ValidationFailed):
        services.role_assign(actor=None, user=user, unit=world["region_unit"], role="technician")
    with pytest.raises(ValidationFailed):
        services.role_assign(actor=None, user=user, unit=world["supply_unit"], role="prescriber")
    assert RoleAssignment.objects.filter(user=user).count() == 2
    assert AuditEvent.objects.filter(action="role.assign").count() == 2
    ra = RoleAssignment.objects.filter(user=user).first()
    services.role_revoke(actor=None, assignment=ra)
    assert AuditEvent.objects.filter(action="role.revoke").count() == 1


def test_system_admin_maintains_organisations_in_admin_and_it_is_audited(client_for):
    client, admin_user = client_for("system_admin")
    response = client.post("/admin/access/organisation/add/", {
        "name": "Västra Kommun", "kind": "municipality", "org_number": "212000-1355", "is_active": "on",
    })
    assert response.status_code == 302, response.content.decode()[:2000]
    org = Organisation.objects.get(name="Västra Kommun")
    assert AuditEvent.objects.filter(action="organisation.create", actor_user=admin_user, object_id=str(org.pk)).exists()
    bad = client.post("/admin/access/organisation/add/", {"name": "Fel", "kind": "municipality",
                                                           "org_number": "212000-1356"})
    assert bad.status_code == 200 and "Ogiltigt organisationsnummer" in bad.content.decode()
    assert not Organisation.objects.filter(name="Fel").exists()


def test_admin_is_closed_to_customer_roles(client_for):
    client, _ = client_for("prescriber")
    response = client.get("/admin/access/organisation/")
    assert response.status_code in (302, 403)
    assert Organisation.objects.filter(name="Fel").count() == 0
