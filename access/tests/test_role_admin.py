from django.urls import reverse

from access.models import RoleAssignment
from audit.models import AuditEvent
from tests import factories as f


def test_customer_access_admin_assigns_and_revokes_roles_at_own_units(client_for, world):
    client, admin = client_for("customer_access_admin", "region")
    colleague = f.UserFactory(username="kollega")
    r = client.post(reverse("access:role_admin"), {"username": "kollega", "unit": world["region_unit"].pk,
                                                    "role": "prescriber"})
    assert r.status_code == 302
    ra = RoleAssignment.objects.get(user=colleague, role="prescriber")
    assert AuditEvent.objects.filter(action="role.assign", actor_user=admin).exists()
    page = client.get(reverse("access:role_admin")).content.decode()
    assert "kollega" in page
    client.post(reverse("access:role_admin"), {"revoke": ra.pk})
    assert not RoleAssignment.objects.filter(pk=ra.pk).exists()
    assert AuditEvent.objects.filter(action="role.revoke", actor_user=admin).exists()


def test_cannot_touch_other_customers_units_or_supply_roles(client_for, world, make_user):
    client, _ = client_for("customer_access_admin", "region")
    f.UserFactory(username="annan")
    r = client.post(reverse("access:role_admin"), {"username": "annan", "unit": world["municipality_unit"].pk,
                                                    "role": "prescriber"})
    assert r.status_code == 422 and not RoleAssignment.objects.filter(user__username="annan").exists()
    r = client.post(reverse("access:role_admin"), {"username": "annan", "unit": world["region_unit"].pk,
                                                    "role": "technician"})
    assert r.status_code == 422 and not RoleAssignment.objects.filter(user__username="annan").exists()
    other = make_user("prescriber", "municipality")
    other_ra = RoleAssignment.objects.get(user=other)
    client.post(reverse("access:role_admin"), {"revoke": other_ra.pk})
    assert RoleAssignment.objects.filter(pk=other_ra.pk).exists()
    assert "Testby" not in client.get(reverse("access:role_admin")).content.decode()


def test_unknown_username_gives_swedish_error(client_for, world):
    client, _ = client_for("customer_access_admin", "region")
    r = client.post(reverse("access:role_admin"), {"username": "finnsinte", "unit": world["region_unit"].pk,
                                                    "role": "orderer"})
    assert r.status_code == 422 and "Det finns ingen aktiv användare" in r.content.decode()


def test_users_of_another_organisation_need_an_approved_shared_staff_grant(client_for, world, make_user):
    """Issue 10: a customer's access admin could grant roles at their units to another
    organisation's users, unchecked. Now only to users of the same customer, or to shared staff
    whom the user's own organisation approved — audited on both sides."""
    from access.models import CrossOrganisationGrant

    region_admin, _ = client_for("customer_access_admin", "region")
    muni_admin, _ = client_for("customer_access_admin", "municipality")
    nurse = make_user("prescriber", "municipality", username="delad")
    grant_body = {"username": "delad", "unit": world["region_unit"].pk, "role": "prescriber"}
    r = region_admin.post(reverse("access:role_admin"), grant_body)
    assert r.status_code == 422 and "annan organisation" in r.content.decode()
    assert "Begär godkännande" in r.content.decode()
    assert not RoleAssignment.objects.filter(user=nurse, unit=world["region_unit"]).exists()
    r = region_admin.post(reverse("access:role_admin"), {**grant_body, "request_grant": "1"})
    assert r.status_code == 302
    grant = CrossOrganisationGrant.objects.get(user=nurse)
    assert grant.home_organisation == world["municipality"] and grant.approved_at is None
    assert region_admin.post(reverse("access:role_admin"), grant_body).status_code == 422  # not approved yet
    region_admin.post(reverse("access:role_admin"), {"approve": grant.pk})  # not theirs to approve
    grant.refresh_from_db()
    assert grant.approved_at is None
    assert "delad" in muni_admin.get(reverse("access:role_admin")).content.decode()
    assert muni_admin.post(reverse("access:role_admin"), {"approve": grant.pk}).status_code == 302
    grant.refresh_from_db()
    assert grant.approved_at is not None
    assert AuditEvent.objects.filter(action="access.cross_org_grant_approved").count() == 2
    assert region_admin.post(reverse("access:role_admin"), grant_body).status_code == 302
    assert RoleAssignment.objects.filter(user=nurse, unit=world["region_unit"], role="prescriber").exists()
