from .models import AuditEvent, PatientAccess


def audit_events(*, object_type: str | None = None, object_id: str | None = None, action: str | None = None):
    qs = AuditEvent.objects.select_related("actor_user")
    if object_type:
        qs = qs.filter(object_type=object_type)
    if object_id:
        qs = qs.filter(object_id=str(object_id))
    if action:
        qs = qs.filter(action=action)
    return qs


def patient_access_log(patient_id: int):
    return PatientAccess.objects.filter(patient_id=patient_id).select_related("actor_user").order_by("at", "id")
