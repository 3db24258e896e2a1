import pytest
from django.db import DatabaseError, connection, transaction
from django.test import Client
from django.urls import reverse

from audit.models import AppendOnlyError, AuditEvent, PatientAccess
from audit.services import audit_record, patient_access_record
from core import context


@pytest.fixture
def event(db):
    return audit_record(None, "test.action", object_type="x.y", object_id="1", data={"a": 1})


def test_record_carries_actor_request_id_and_address(db, make_user):
    user = make_user("prescriber")
    token = context.begin("10.1.2.3", "/x", "req-123")
    try:
        ev = audit_record(user, "thing.done", user, {"k": "v"})
    finally:
        context.end(token)
    assert (ev.actor_user_id, ev.actor_label, ev.ip, ev.request_id) == (user.pk, user.username, "10.1.2.3", "req-123")
    assert ev.object_type == "access.user" and ev.object_id == str(user.pk)


def test_model_refuses_update_and_delete(event):
    event.action = "changed"
    with pytest.raises(AppendOnlyError):
        event.save()
    with pytest.raises(AppendOnlyError):
        event.delete()
    with pytest.raises(AppendOnlyError):
        AuditEvent.objects.filter(pk=event.pk).update(action="x")
    with pytest.raises(AppendOnlyError):
        AuditEvent.objects.all().delete()
    access = patient_access_record(None, 42, "test")
    with pytest.raises(AppendOnlyError):
        PatientAccess.objects.filter(pk=access.pk).delete()
    assert AuditEvent.objects.get(pk=event.pk).action == "test.action"


@pytest.mark.postgres_only(reason="the append-only trigger is PostgreSQL's; SQLite relies on the model guard")
def test_database_refuses_raw_update_and_delete_on_postgresql(event):
    patient_access_record(None, 1, "test")
    for sql in (f"UPDATE audit_auditevent SET action='x' WHERE id={event.pk}",
                f"DELETE FROM audit_auditevent WHERE id={event.pk}",
                "DELETE FROM audit_patientaccess"):
        with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(sql)
    assert AuditEvent.objects.filter(pk=event.pk, action="test.action").exists()


def test_admin_has_no_audit_models_to_edit(client_for):
    client, _ = client_for("system_admin")
    assert client.get("/admin/audit/auditevent/").status_code == 404


def test_request_id_header_is_echoed_and_logged(client_for):
    client, user = client_for("auditor")
    response = client.get(reverse("audit:events"), HTTP_X_REQUEST_ID="abc-123")
    assert response["X-Request-ID"] == "abc-123"
    bad = client.get(reverse("audit:events"), HTTP_X_REQUEST_ID="<script>")
    assert bad["X-Request-ID"] != "<script>" and len(bad["X-Request-ID"]) == 32


def test_patient_log_extract_is_itself_audited_and_csv(client_for):
    client, user = client_for("auditor")
    patient_access_record(None, 7, "patient_view", "test")
    patient_access_record(None, 7, "patient_view", "test")
    patient_access_record(None, 8, "patient_view", "test")
    response = client.get(reverse("audit:patient_log"), {"patient": "7", "format": "csv"})
    assert response.status_code == 200
    lines = response.content.decode("utf-8-sig").strip().splitlines()
    assert len(lines) == 3  # header + two rows for patient 7 only
    assert AuditEvent.objects.filter(action="patient_access_log.extract", actor_user=user, object_id="7").exists()


def test_prescriber_cannot_read_audit_log(client_for):
    client, _ = client_for("prescriber")
    assert client.get(reverse("audit:events")).status_code == 403
    assert Client().get(reverse("audit:events")).status_code == 302


def test_one_actor_three_labels(db, make_user, world):
    """audit rows, order events and stock movements label the same actors each their way, from
    `audit.services.actor_parts`."""
    import tests.factories as f
    from access.principal import principal_for_client, principal_for_user
    from access.roles import Role
    from audit.services import actor_parts, audit_record_many
    from ordering.transitions import actor_fields
    from stock.services import actor_label

    user = make_user(Role.PRESCRIBER, "region", first_name="Eva", last_name="Ek")
    client = f.api_client(world["region"], "t-actor")
    as_user, as_client = principal_for_user(user), principal_for_client(client)
    assert actor_parts(as_user) == (user, None) and actor_parts(user) == (user, None)
    assert actor_parts(as_client) == (None, client) and actor_parts(None) == (None, None)
    rows = audit_record_many(as_client, [("x.one", user, None), ("x.two", user, {"a": 1})])
    assert [(r.action, r.actor_client_id, r.actor_label, r.data) for r in rows] == [
        ("x.one", client.pk, f"api:{client.name}", {}), ("x.two", client.pk, f"api:{client.name}", {"a": 1})]
    assert AuditEvent.objects.filter(action__startswith="x.").count() == 2
    assert actor_fields(as_user) == {"actor_user": user, "actor_label": "Eva Ek"}
    assert actor_fields(as_client) == {"actor_user": None, "actor_label": f"api:{client.name}"}
    assert actor_fields(None)["actor_label"] == "system" and actor_label(None) == "system"
    assert actor_label(user) == user.get_username() and actor_label(as_client) == f"api:{client.name}"
