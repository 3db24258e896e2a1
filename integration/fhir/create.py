"""`POST DeviceRequest` → a customer order through `ordering.flows.customer.order_draft_create`,
the service the UI and `POST /api/v1/orders` use. One DeviceRequest, or a transaction Bundle of
DeviceRequests sharing one `groupIdentifier`, is one order with one line per DeviceRequest."""
from __future__ import annotations

from django.utils.translation import gettext

from core.errors import NotFound, ValidationFailed

from . import mapping as m


def _fail(message: str, field: str = "DeviceRequest"):
    raise ValidationFailed(message, errors={field: [message]})


def _entries(body) -> tuple[list[dict], bool]:
    if not isinstance(body, dict):
        _fail("Begärans innehåll måste vara en FHIR-resurs (JSON-objekt).")
    kind = body.get("resourceType")
    if kind == "DeviceRequest":
        return [body], False
    if kind == "Bundle":
        if body.get("type") != "transaction":
            _fail("Endast Bundle av typen transaction stöds.", "Bundle.type")
        resources = []
        for i, entry in enumerate(body.get("entry") or []):
            res = (entry or {}).get("resource") or {}
            req = (entry or {}).get("request") or {}
            if res.get("resourceType") != "DeviceRequest" or req.get("method", "POST") != "POST":
                _fail("Varje post i transaktionen måste vara POST DeviceRequest.", f"Bundle.entry[{i}]")
            resources.append(res)
        if not resources:
            _fail("Transaktionen innehåller inga DeviceRequest.", "Bundle.entry")
        return resources, True
    _fail("Resurstypen måste vara DeviceRequest eller Bundle.", "resourceType")


def _patient_id(principal, subject) -> int | None:
    if not isinstance(subject, dict):
        _fail("DeviceRequest.subject måste vara en referens till Patient.", "DeviceRequest.subject")
    ref = subject.get("reference") or ""
    if ref:
        kind, _, pk = ref.rpartition("/")
        if kind != "Patient" or not pk.isdigit():
            _fail("DeviceRequest.subject måste vara Patient/<id>.", "DeviceRequest.subject")
        return int(pk)
    ident = subject.get("identifier") or {}
    value = ident.get("value") if isinstance(ident, dict) else None
    if not value:
        _fail("DeviceRequest.subject saknar referens eller identifierare.", "DeviceRequest.subject")
    from ordering.flows import core as order_core
    from patients.identity import known_identity_number
    from patients.models import Patient

    number = known_identity_number(str(value))
    patient = Patient.objects.filter(identity_number=number).first()
    if patient is None or not order_core.patient_visible(principal, patient):
        raise NotFound(gettext("Patienten finns inte."))
    return patient.pk


def _article(res: dict) -> str:
    for coding in ((res.get("codeCodeableConcept") or {}).get("coding") or []):
        if coding.get("system") == m.SYSTEM_ARTICLE and coding.get("code"):
            return str(coding["code"])
    _fail(f"DeviceRequest.codeCodeableConcept måste ha en kod i systemet {m.SYSTEM_ARTICLE} (artikelnummer).",
          "DeviceRequest.codeCodeableConcept")


def _quantity(res: dict) -> int:
    for p in res.get("parameter") or []:
        if ((p.get("code") or {}).get("text") == "quantity") and "valueQuantity" in p:
            value = (p.get("valueQuantity") or {}).get("value")
            if not isinstance(value, int) or isinstance(value, bool):
                _fail("Antal måste vara ett heltal.", "DeviceRequest.parameter")
            return value
    return 1


def order_from_fhir(principal, body):
    """(order, lines, was_bundle). Raises ValidationFailed/NotFound before anything is written."""
    from ordering.flows import customer as services

    resources, bundle = _entries(body)
    groups = {((r.get("groupIdentifier") or {}).get("value") or "") for r in resources}
    if len(groups) > 1:
        _fail("Alla DeviceRequest i en transaktion måste ha samma groupIdentifier (en order).",
              "DeviceRequest.groupIdentifier")
    first = resources[0]
    subjects = {repr(r.get("subject")) for r in resources}
    if len(subjects) > 1:
        _fail("Alla DeviceRequest i en order måste gälla samma patient.", "DeviceRequest.subject")
    statuses = {r.get("status") or "active" for r in resources}
    if not statuses <= {"draft", "active"} or len(statuses) > 1:
        _fail("DeviceRequest.status måste vara draft (utkast) eller active (skickas).", "DeviceRequest.status")
    requester = (first.get("requester") or {}).get("identifier") or {}
    notes = [n.get("text", "") for n in (first.get("note") or []) if isinstance(n, dict)]
    data = services.DraftInput(
        patient_id=_patient_id(principal, first.get("subject")),
        priority="urgent" if first.get("priority") in ("urgent", "asap", "stat") else "normal",
        note="\n".join(t for t in notes if t),
        orderer_hsa_id=str(requester.get("value") or ""),
        lines=[services.LineInput(_article(r), _quantity(r)) for r in resources],
    )
    order = services.order_draft_create(principal, data, submit=statuses == {"active"})
    lines = getattr(order, "_created_lines", None) or list(order.lines.select_related("article").order_by("line_no"))
    return order, lines, bundle
