import pytest

from access.principal import principal_for_user
from audit.models import AuditEvent, PatientAccess
from core.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from patients import selectors, services
from patients.models import Patient
from patients.tests.factories import PatientFactory, personnummer

pytestmark = pytest.mark.django_db


def test_create_normalises_and_audits(world, principal_of):
    p = principal_of("prescriber")
    patient = services.patient_create(p, identity_number="121212+1212", customer=world["region"],
                                      first_name=" Tolvan ", last_name="Tolvansson", registered_postal_code="12345")
    patient.refresh_from_db()
    assert patient.identity_number == "191212121212"
    assert patient.identity_kind == "personnummer"
    assert patient.first_name == "Tolvan"
    assert patient.registered_postal_code == "123 45"
    assert patient.name_search == "tolvan tolvansson"
    assert AuditEvent.objects.filter(action="patient.create", object_id=str(patient.pk)).count() == 1


def test_create_rejects_bad_input_without_writing(world, principal_of):
    p = principal_of("prescriber")
    with pytest.raises(ValidationFailed) as exc:
        services.patient_create(p, identity_number="19121212-1213", customer=world["region"], first_name="",
                                last_name="X", registered_postal_code="12")
    assert set(exc.value.errors) == {"identity_number", "first_name", "registered_postal_code"}
    assert Patient.objects.count() == 0 and AuditEvent.objects.filter(action="patient.create").count() == 0


def test_create_duplicate_is_conflict(world, principal_of):
    p = principal_of("prescriber")
    services.patient_create(p, identity_number="191212121212", customer=world["region"], first_name="A",
                            last_name="B")
    with pytest.raises(Conflict):
        services.patient_create(p, identity_number="19121212-1212", customer=world["region"], first_name="A",
                                last_name="B")


def test_create_marks_samordningsnummer_and_reservnummer(world, principal_of):
    p = principal_of("prescriber")
    s = services.patient_create(p, identity_number=personnummer("19800101", coordination=True),
                                customer=world["region"], first_name="S", last_name="Samordning")
    r = services.patient_create(p, identity_number="19700101-R001", customer=world["region"], first_name="R",
                                last_name="Reserv")
    assert (s.identity_kind, r.identity_kind) == ("samordningsnummer", "reservnummer")


def test_customer_user_cannot_create_for_other_customer(world, principal_of):
    p = principal_of("prescriber", "region")
    with pytest.raises(PermissionDenied):
        services.patient_create(p, identity_number="191212121212", customer=world["municipality"],
                                first_name="A", last_name="B")


def test_update_records_changed_fields_and_isolation(world, principal_of, patients):
    p = principal_of("prescriber")
    services.patient_update(p, patients["region"], phone="08-123", first_name="Rita")
    ev = AuditEvent.objects.get(action="patient.update")
    assert ev.data == {"fields": ["phone"]}
    with pytest.raises(NotFound):
        services.patient_update(p, patients["municipality"], phone="1")


def test_get_for_view_isolation_and_one_access_row(world, principal_of, patients):
    p = principal_of("prescriber", "region")
    got = selectors.patient_get_for_view(p, patients["region"].pk, "test_view")
    assert got == patients["region"]
    assert PatientAccess.objects.filter(patient_id=got.pk, view="test_view").count() == 1
    with pytest.raises(NotFound):
        selectors.patient_get_for_view(p, patients["municipality"].pk, "test_view")
    assert PatientAccess.objects.filter(patient_id=patients["municipality"].pk).count() == 0
    supply = principal_of("supply_handler")
    assert selectors.patient_get_for_view(supply, patients["municipality"].pk, "v") == patients["municipality"]


def test_exact_lookup_unknown_and_malformed(world, principal_of):
    p = principal_of("prescriber")
    with pytest.raises(selectors.CareRelationshipRequired):  # nobody has it: the same answer as another's
        selectors.patient_find_by_identity(p, "19121212-1212")
    assert selectors.patient_find_by_identity(principal_of("supply_handler"), "19121212-1212") is None
    with pytest.raises(ValidationFailed):
        selectors.patient_find_by_identity(p, "19121212-1213")
    assert PatientAccess.objects.count() == 0
    digits_reserve = services.patient_create(p, identity_number="19500101-9999", allow_reserve=True,
                                             customer=world["region"], first_name="R", last_name="Reserv")
    assert selectors.patient_find_by_identity(p, "19500101-9999") == digits_reserve


def test_name_search_own_customers_word_prefix(world, principal_of, patients):
    p = principal_of("prescriber", "region")
    PatientFactory(customer=world["region"], first_name="Ann-Britt", last_name="Öberg")
    assert [x.last_name for x in selectors.patient_search(p, "regio")] == ["Regionsson"]
    assert [x.last_name for x in selectors.patient_search(p, "rita reg")] == ["Regionsson"]
    assert [x.last_name for x in selectors.patient_search(p, "ÖBERG")] == ["Öberg"]
    assert selectors.patient_search(p, "egionsson") == []
    assert selectors.patient_search(p, "kommunsson") == []
    assert PatientAccess.objects.filter(view="patient_search").count() == 3
    supply = principal_of("supply_handler")
    assert len(selectors.patient_search(supply, "kommunsson")) == 1


def test_delivery_address_stay_first_and_protected(world, principal_of, patients):
    customer_side = principal_of("prescriber", "region")
    supply = principal_of("driver")
    plain = patients["region"]
    assert str(selectors.delivery_address(plain, customer_side)) == "Storgatan 1, 123 45 Mellanstad"
    plain.stay_street, plain.stay_postal_code, plain.stay_city = "Sommarvägen 2", "222 33", "Sjöby"
    addr = selectors.delivery_address(plain, customer_side)
    assert addr.is_stay and str(addr) == "Sommarvägen 2, 222 33 Sjöby"
    hidden = selectors.delivery_address(patients["protected"], customer_side)
    assert hidden.protected and str(hidden) == "Skyddad adress" and hidden.street == ""
    shown = selectors.delivery_address(patients["protected"], supply)
    assert str(shown) == "Hemliga vägen 3, 111 22 Gömstad"


def test_principal_without_patient_perm_is_refused(world, make_user, patients):
    p = principal_for_user(make_user("invoice_viewer"))
    with pytest.raises(PermissionDenied):
        selectors.patient_get_for_view(p, patients["region"].pk, "v")


def test_care_relationship_is_per_user_audited_and_lapses(world, principal_of, patients, settings):
    """Within one's own customer nothing changes; another customer's patient is reached only by
    the user who stated a care relationship (not their colleagues), for the configured days."""
    import datetime as dt

    from django.utils import timezone

    from audit.models import AuditEvent
    from patients.models import CareRelationship

    settings.LYFTA_CARE_RELATIONSHIP_DAYS = 10
    anna, bo = principal_of("prescriber", "region"), principal_of("prescriber", "region")
    other = patients["municipality"]
    assert selectors.patient_find_by_identity(anna, patients["region"].identity_display) == patients["region"]
    with pytest.raises(selectors.CareRelationshipRequired):
        selectors.patient_find_by_identity(anna, other.identity_display)
    with pytest.raises(ValidationFailed) as exc:
        services.care_relationship_state(anna, identity_number=other.identity_display, reason="", note="")
    assert set(exc.value.errors) == {"reason", "note"}
    rel = services.care_relationship_state(anna, identity_number=other.identity_display, reason="treated_by_unit",
                                           note="Rehab efter höftoperation")
    assert dt.timedelta(days=9) < rel.expires_at - timezone.now() <= dt.timedelta(days=10)
    assert selectors.patient_find_by_identity(anna, other.identity_display) == other
    assert selectors.patient_get_for_view(anna, other.pk, "v") == other
    with pytest.raises(NotFound):  # Bo, at the same unit, has stated nothing
        selectors.patient_get_for_view(bo, other.pk, "v")
    assert AuditEvent.objects.filter(action="patient.care_relationship_stated", object_id=str(other.pk)).count() == 1
    renewed = services.care_relationship_state(anna, identity_number=other.identity_display,
                                               reason="treated_by_unit", note="Fortsatt rehab")
    assert renewed.pk == rel.pk and renewed.renewed_at is not None and CareRelationship.objects.count() == 1
    CareRelationship.objects.update(expires_at=timezone.now() - dt.timedelta(seconds=1))
    with pytest.raises(NotFound):
        selectors.patient_get_for_view(anna, other.pk, "v")
    assert selectors.care_relationships_for_audit(customer_id=world["region"].pk)[0].note == "Fortsatt rehab"
