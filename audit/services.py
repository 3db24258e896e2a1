"""The only writers of audit rows. `actor` is an `access.principal.Principal`, a user, or
None (system)."""
from __future__ import annotations

from typing import Any

from core import context

from .models import AuditEvent, PatientAccess


def actor_parts(actor: Any) -> tuple[Any, Any]:
    """(user, API client) of whoever acts: a Principal (user or API client), a bare user, or None
    (the system). The one place that knows what an actor can be; audit rows, order events
    (`ordering.transitions.actor_fields`) and stock movements (`stock.services.actor_label`) each
    label it their way from these parts."""
    if actor is None:
        return None, None
    user = getattr(actor, "user", None) if hasattr(actor, "client") else actor
    if user is not None and not getattr(user, "pk", None):
        user = None
    return user, getattr(actor, "client", None)


def _actor_fields(actor: Any) -> dict:
    if actor is None:
        return {"actor_label": "system"}
    user, client = actor_parts(actor)
    fields: dict[str, Any] = {}
    if user is not None:
        fields["actor_user_id"] = user.pk
        fields["actor_label"] = user.get_username()
    if client is not None:
        fields["actor_client_id"] = client.pk
        fields["actor_label"] = f"api:{client.name}"
    fields.setdefault("actor_label", getattr(actor, "label", "") or "anonymous")
    return fields


def _request_fields() -> dict:
    ctx = context.current()
    if ctx is None:
        return {}
    return {"ip": ctx.ip, "request_id": ctx.request_id}


def audit_record(actor: Any, action: str, obj: Any = None, data: dict | None = None, *,
                 object_type: str = "", object_id: str = "", object_repr: str = "") -> AuditEvent:
    if obj is not None:
        object_type = object_type or f"{obj._meta.app_label}.{obj._meta.model_name}"
        object_id = object_id or str(obj.pk)
        object_repr = object_repr or str(obj)[:300]
    return AuditEvent.objects.create(
        action=action, object_type=object_type, object_id=str(object_id), object_repr=object_repr[:300],
        data=data or {}, **_actor_fields(actor), **_request_fields(),
    )


def audit_record_many(actor: Any, entries: list[tuple[str, Any, dict | None]]) -> list[AuditEvent]:
    """Several audit rows (action, object, data) of one actor in a single insert, e.g. an order
    created and submitted in one request."""
    fields = {**_actor_fields(actor), **_request_fields()}
    rows = [
        AuditEvent(action=action, object_type=f"{obj._meta.app_label}.{obj._meta.model_name}",
                   object_id=str(obj.pk), object_repr=str(obj)[:300], data=data or {}, **fields)
        for action, obj, data in entries
    ]
    return AuditEvent.objects.bulk_create(rows)


def patient_access_record(actor: Any, patient_id: int, view: str, purpose: str = "") -> PatientAccess:
    return PatientAccess.objects.create(
        patient_id=patient_id, view=view, purpose=purpose[:200], **_actor_fields(actor), **_request_fields(),
    )


def patient_access_record_many(actor: Any, patient_ids: list[int], view: str, purpose: str = "") -> list[PatientAccess]:
    """One access row per patient shown (e.g. a search result list), in a single insert."""
    fields = {**_actor_fields(actor), **_request_fields()}
    return PatientAccess.objects.bulk_create(
        [PatientAccess(patient_id=pk, view=view, purpose=purpose[:200], **fields) for pk in patient_ids]
    )
