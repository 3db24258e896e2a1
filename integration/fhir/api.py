"""The FHIR R4 facade, `/fhir/R4/`: a second django-ninja API with the JSON API's bearer tokens
and session auth; errors as OperationOutcome. Reads use the owning apps' selectors."""
from __future__ import annotations

import json
import logging

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.http import Http404, JsonResponse
from django.utils.translation import gettext
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError
from ninja.errors import ValidationError as NinjaValidationError
from ninja.renderers import JSONRenderer

from access.decorators import api_perm
from access.roles import Perm
from core.errors import DomainError, NotFound, ValidationFailed
from core.idempotency import idempotent

from ..auth import API_AUTH, CsrfFailed
from . import mapping as m
from . import selectors as s

logger = logging.getLogger(__name__)
FHIR_JSON = "application/fhir+json"
ISSUE_CODE = {400: "invalid", 401: "login", 403: "forbidden", 404: "not-found", 409: "conflict",
              415: "not-supported", 422: "processing", 500: "exception"}


class FhirRenderer(JSONRenderer):
    media_type = FHIR_JSON


fhir_api = NinjaAPI(title="Lyfta FHIR R4", version="R4", urls_namespace="fhir", auth=API_AUTH,
                    renderer=FhirRenderer(), docs_url=None, openapi_url=None)


def outcome(status: int, text: str, *, code: str = "", expression: list[str] | None = None,
            headers: dict | None = None) -> JsonResponse:
    issue = {"severity": "error", "code": ISSUE_CODE.get(status, "processing"), "diagnostics": text}
    if code:
        issue["details"] = {"coding": [{"system": "urn:lyfta:error", "code": code}], "text": text}
    if expression:
        issue["expression"] = expression
    resp = JsonResponse({"resourceType": "OperationOutcome", "issue": [issue]}, status=status,
                        content_type=FHIR_JSON, json_dumps_params={"ensure_ascii": False})
    for k, v in (headers or {}).items():
        resp[k] = v
    return resp


@fhir_api.exception_handler(DomainError)
def _domain_error(request, exc: DomainError):
    return outcome(exc.status, exc.message, code=exc.code, expression=sorted(exc.errors) or None)


@fhir_api.exception_handler(NinjaValidationError)
def _validation_error(request, exc):
    return outcome(400, "Ogiltiga sökparametrar: " + "; ".join(str(e.get("msg")) for e in exc.errors))


@fhir_api.exception_handler(AuthenticationError)
def _auth_error(request, exc):
    return outcome(401, "Giltig bearer-token eller inloggning krävs.", code="unauthenticated",
                   headers={"WWW-Authenticate": 'Bearer realm="lyfta"'})


@fhir_api.exception_handler(Http404)
def _not_found(request, exc):
    return outcome(404, "Resursen finns inte.", code="not_found")


@fhir_api.exception_handler(DjangoPermissionDenied)
def _forbidden(request, exc):
    return outcome(403, "Du saknar behörighet för detta.", code="forbidden")


@fhir_api.exception_handler(CsrfFailed)
def _csrf(request, exc):
    return outcome(403, "Anrop med inloggningssession kräver en giltig CSRF-token.", code="csrf_failed")


@fhir_api.exception_handler(HttpError)
def _http_error(request, exc):
    return outcome(exc.status_code if exc.status_code < 500 else 400, "Felaktig begäran.")


@fhir_api.exception_handler(Exception)
def _unexpected(request, exc):
    logger.exception("Unhandled FHIR error")
    return outcome(500, "Ett oväntat fel inträffade. Försök igen senare.", code="server_error")


# --------------------------------------------------------------------------- paging

MAX_COUNT = 200


def _paging(request) -> tuple[int, int]:
    try:
        count = int(request.GET.get("_count", 50))
        offset = int(request.GET.get("_offset", 0))
    except ValueError:
        raise ValidationFailed(gettext("_count och _offset måste vara heltal."), errors={"_count": ["heltal"]}) from None
    if not 1 <= count <= MAX_COUNT or offset < 0:
        raise ValidationFailed(gettext("_count måste vara 1–%(max_count)s och _offset ≥ 0.") % {"max_count": MAX_COUNT}, errors={"_count": ["intervall"]})
    return count, offset


def searchset(request, rows: list[dict], count: int, offset: int, total: int) -> dict:
    base = request.build_absolute_uri(request.path)
    params = {k: v for k, v in request.GET.items() if k not in ("_offset",)}

    def url(off):
        q = "&".join(f"{k}={v}" for k, v in {**params, "_offset": off}.items())
        return f"{base}?{q}"

    links = [{"relation": "self", "url": url(offset)}]
    if offset + count < total:
        links.append({"relation": "next", "url": url(offset + count)})
    if offset > 0:
        links.append({"relation": "previous", "url": url(max(0, offset - count))})
    return {"resourceType": "Bundle", "type": "searchset", "total": total, "link": links,
            "entry": [{"fullUrl": request.build_absolute_uri(f"/fhir/R4/{r['resourceType']}/{r['id']}"),
                       "resource": r, "search": {"mode": "match"}} for r in rows]}


def _ref_id(value: str, kind: str) -> str:
    """`123` or `Patient/123` → `123`."""
    value = (value or "").strip()
    if "/" in value:
        prefix, _, value = value.rpartition("/")
        if prefix.split("/")[-1] != kind:
            raise ValidationFailed(gettext("Referensen måste gälla %(kind)s.") % {"kind": kind}, errors={"reference": [gettext("typ")]})
    if not value:
        raise ValidationFailed(gettext("Sökparametern saknar värde."), errors={"reference": [gettext("saknas")]})
    return value


def _int_id(value: str) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        raise NotFound(gettext("Resursen finns inte.")) from None


# --------------------------------------------------------------------------- metadata


RESOURCES = {
    "Patient": ["identifier"], "Device": ["patient"], "DeviceRequest": ["patient", "group-identifier"],
    "ServiceRequest": ["patient"], "Task": ["focus", "identifier", "patient"],
    "SupplyRequest": ["identifier", "subject", "status", "category"],
    "SupplyDelivery": ["patient", "identifier"], "Organization": [],
}
REFERENCE_PARAMS = ("patient", "focus", "subject")


@fhir_api.get("/metadata", auth=None, operation_id="fhir_metadata")
def metadata(request):
    return {
        "resourceType": "CapabilityStatement", "status": "active", "date": "2026-12-03", "kind": "instance",
        "name": "LyftaFhirR4", "publisher": "Lyfta", "fhirVersion": "4.0.1", "format": ["json"],
        "software": {"name": "Lyfta"},
        "implementation": {"description": "Lyfta FHIR R4 facade",
                           "url": request.build_absolute_uri("/fhir/R4")},
        "rest": [{
            "mode": "server",
            "security": {"service": [{"coding": [{"system": "http://terminology.hl7.org/CodeSystem/restful-security-service",
                                                  "code": "OAuth"}]}],
                         "description": "Bearer token of a Lyfta API client (same as /api/v1/)."},
            "resource": [{
                "type": name,
                "interaction": [{"code": "read"}, {"code": "search-type"}]
                + ([{"code": "create"}] if name == "DeviceRequest" else []),
                "searchParam": [{"name": p, "type": "reference" if p in REFERENCE_PARAMS else "token"}
                                for p in params] + [{"name": "_count", "type": "number"}],
            } for name, params in RESOURCES.items()],
            "interaction": [{"code": "transaction"}],
        }],
    }


# --------------------------------------------------------------------------- Patient


@fhir_api.get("/Patient", operation_id="fhir_patient_search")
@api_perm(Perm.PATIENT_VIEW)
def patient_search(request):
    count, offset = _paging(request)
    ident = request.GET.get("identifier", "")
    if not ident:
        raise ValidationFailed(gettext("Sök patient med identifier=<system>|<personnummer>."), errors={"identifier": [gettext("saknas")]})
    system, _, value = ident.rpartition("|")
    if system and system not in m.IDENTITY_SYSTEMS.values():
        return searchset(request, [], count, offset, 0)
    p = s.patient_by_identity(request.auth, value)
    rows = [m.patient(p)] if p is not None else []
    return searchset(request, rows[offset:offset + count], count, offset, len(rows))


@fhir_api.get("/Patient/{pid}", operation_id="fhir_patient_read")
@api_perm(Perm.PATIENT_VIEW)
def patient_read(request, pid: str):
    return m.patient(s.patient_get(request.auth, _int_id(pid), "fhir_patient"))


# --------------------------------------------------------------------------- Device


@fhir_api.get("/Device", operation_id="fhir_device_search")
@api_perm(Perm.PATIENT_VIEW)
def device_search(request):
    count, offset = _paging(request)
    patient = request.GET.get("patient", "")
    if not patient:
        raise ValidationFailed(gettext("Sök hjälpmedel med patient=Patient/<id>."), errors={"patient": [gettext("saknas")]})
    loans = s.patient_loans(request.auth, _int_id(_ref_id(patient, "Patient")))
    rows = [m.device(loan.device, loan.patient_id) for loan in loans[offset:offset + count]]
    return searchset(request, rows, count, offset, len(loans))


@fhir_api.get("/Device/{did}", operation_id="fhir_device_read")
@api_perm(Perm.PATIENT_VIEW)
def device_read(request, did: str):
    device, holder = s.device_get(request.auth, _int_id(did))
    return m.device(device, holder)


def _patient_or_number(request, number_param: str) -> tuple[int | None, str]:
    """A search by `patient=Patient/<id>` or by an order number in `number_param` (one is required):
    → (patient id or None, the number without its `system|`)."""
    patient = request.GET.get("patient", "")
    number = request.GET.get(number_param, "")
    if not patient and not number:
        raise ValidationFailed(gettext("Sök med patient=Patient/<id> eller %(number_param)s=<ordernummer>.") % {"number_param": number_param},
                               errors={"patient": [gettext("saknas")]})
    return (_int_id(_ref_id(patient, "Patient")) if patient else None), number.rpartition("|")[2]


# --------------------------------------------------------------------------- DeviceRequest


@fhir_api.get("/DeviceRequest", operation_id="fhir_devicerequest_search")
@api_perm(Perm.ORDER_VIEW)
def device_request_search(request):
    count, offset = _paging(request)
    patient_id, number = _patient_or_number(request, "group-identifier")
    qs = s.customer_lines(request.auth, patient_id=patient_id, number=number)
    total = qs.count()
    page = list(qs[offset:offset + count])
    if patient_id is None:  # by order number: log the patients on the page (by patient: logged above)
        s.log_patients(request.auth, [ln.order.patient_id for ln in page], "fhir_devicerequest_search")
    rows = [m.device_request(ln, ln.order) for ln in page]
    return searchset(request, rows, count, offset, total)


@fhir_api.get("/DeviceRequest/{lid}", operation_id="fhir_devicerequest_read")
@api_perm(Perm.ORDER_VIEW)
def device_request_read(request, lid: str):
    line = s.customer_line_get(request.auth, _int_id(lid))
    return m.device_request(line, line.order)


@fhir_api.post("/DeviceRequest", response={200: dict, 201: dict}, operation_id="fhir_devicerequest_create")
@api_perm(Perm.ORDER_CREATE)
def device_request_create(request):
    return _create(request)


def _create(request):
    from . import create

    try:
        body = json.loads(request.body or b"null")
    except ValueError:
        raise ValidationFailed(gettext("Begärans innehåll är inte giltig JSON.")) from None
    principal = request.auth

    def work():
        order, lines, bundle = create.order_from_fhir(principal, body)
        if bundle:
            return 200, {"resourceType": "Bundle", "type": "transaction-response", "entry": [
                {"response": {"status": "201 Created", "location": f"DeviceRequest/{ln.pk}"},
                 "resource": m.device_request(ln, order)} for ln in lines]}
        return 201, m.device_request(lines[0], order)

    return idempotent(request, work)


@fhir_api.post("/", response={200: dict, 201: dict}, operation_id="fhir_transaction")
@api_perm(Perm.ORDER_CREATE)
def transaction(request):
    """A transaction Bundle whose entries are all `POST DeviceRequest`."""
    return _create(request)


# --------------------------------------------------------------------------- ServiceRequest, Task


@fhir_api.get("/ServiceRequest", operation_id="fhir_servicerequest_search")
@api_perm(Perm.ORDER_VIEW)
def service_request_search(request):
    count, offset = _paging(request)
    patient = request.GET.get("patient", "")
    if not patient:
        raise ValidationFailed(gettext("Sök med patient=Patient/<id>."), errors={"patient": [gettext("saknas")]})
    qs = s.orders(request.auth, order_type="work", patient_id=_int_id(_ref_id(patient, "Patient")))
    total = qs.count()
    return searchset(request, [m.service_request(o) for o in qs[offset:offset + count]], count, offset, total)


@fhir_api.get("/ServiceRequest/{oid}", operation_id="fhir_servicerequest_read")
@api_perm(Perm.ORDER_VIEW)
def service_request_read(request, oid: str):
    return m.service_request(s.order_get(request.auth, _int_id(oid), order_type="work"))


@fhir_api.get("/Task", operation_id="fhir_task_search")
@api_perm(Perm.ORDER_VIEW)
def task_search(request):
    count, offset = _paging(request)
    focus, ident, patient = (request.GET.get(k, "") for k in ("focus", "identifier", "patient"))
    if focus:
        kind = focus.partition("/")[0] if "/" in focus else "DeviceRequest"
        if kind == "DeviceRequest":
            qs = s.orders(request.auth, line_id=_int_id(_ref_id(focus, "DeviceRequest")))
        else:
            qs = s.orders(request.auth, order_id=_int_id(_ref_id(focus, "ServiceRequest")), order_type="work")
    elif ident:
        qs = s.orders(request.auth, number=ident.rpartition("|")[2])
    elif patient:
        qs = s.orders(request.auth, patient_id=_int_id(_ref_id(patient, "Patient")))
    else:
        raise ValidationFailed(gettext("Sök med focus=, identifier= eller patient=."), errors={"focus": [gettext("saknas")]})
    total = qs.count()
    page = list(qs[offset:offset + count])
    if focus or ident:  # by focus or order number (by patient: logged by the selector): log the patients on the page
        s.log_patients(request.auth, [o.patient_id for o in page], "fhir_order_search")
    rows = [m.task(o, s.supply_org_id(), s.line_ids(o)) for o in page]
    return searchset(request, rows, count, offset, total)


@fhir_api.get("/Task/{oid}", operation_id="fhir_task_read")
@api_perm(Perm.ORDER_VIEW)
def task_read(request, oid: str):
    order = s.order_get(request.auth, _int_id(oid))
    return m.task(order, s.supply_org_id(), s.line_ids(order))


# --------------------------------------------------------------------------- SupplyRequest, SupplyDelivery


def _supply_statuses(value: str) -> list[str] | None:
    """FHIR SupplyRequest.status (comma = or) → Lyfta order statuses; unknown codes match nothing."""
    if not value:
        return None
    wanted = {v.strip().rpartition("|")[2] for v in value.split(",")}
    return [lyfta for lyfta, fhir in m.SUPPLY_REQUEST_STATUS.items() if fhir in wanted]


@fhir_api.get("/SupplyRequest", operation_id="fhir_supplyrequest_search")
@api_perm(Perm.ORDER_VIEW)
def supply_request_search(request):
    """Lines of buffer-store orders (automatic replenishment, manual store orders)."""
    count, offset = _paging(request)
    subject = request.GET.get("subject", "")
    unit_id = None
    if subject:
        ref = _ref_id(subject, "Organization")
        if not ref.startswith("unit-"):
            raise ValidationFailed(gettext("subject måste vara en enhet: Organization/unit-<id>."), errors={"subject": ["typ"]})
        unit_id = _int_id(ref.removeprefix("unit-"))
    kind = request.GET.get("category", "").rpartition("|")[2]
    if kind and kind not in m.BUFFER_KINDS:
        return searchset(request, [], count, offset, 0)
    qs = s.supply_requests(request.auth, number=request.GET.get("identifier", "").rpartition("|")[2],
                           unit_id=unit_id, statuses=_supply_statuses(request.GET.get("status", "")), kind=kind)
    total = qs.count()
    supplier = s.supply_org_id()
    rows = [m.supply_request(ln, ln.order, supplier) for ln in qs[offset:offset + count]]
    return searchset(request, rows, count, offset, total)


@fhir_api.get("/SupplyRequest/{lid}", operation_id="fhir_supplyrequest_read")
@api_perm(Perm.ORDER_VIEW)
def supply_request_read(request, lid: str):
    line = s.supply_request_get(request.auth, _int_id(lid))
    return m.supply_request(line, line.order, s.supply_org_id())


@fhir_api.get("/SupplyDelivery", operation_id="fhir_supplydelivery_search")
@api_perm(Perm.ORDER_VIEW)
def supply_delivery_search(request):
    """Delivered lines (to a patient, a unit or a buffer store)."""
    count, offset = _paging(request)
    patient_id, number = _patient_or_number(request, "identifier")
    qs = s.supply_deliveries(request.auth, patient_id=patient_id, number=number)
    total = qs.count()
    page = list(qs[offset:offset + count])
    if patient_id is None:
        s.log_patients(request.auth, [d.delivery.order.patient_id for d in page], "fhir_supplydelivery_search")
    supplier = s.supply_org_id()
    return searchset(request, [m.supply_delivery(d, supplier) for d in page], count, offset, total)


@fhir_api.get("/SupplyDelivery/{did}", operation_id="fhir_supplydelivery_read")
@api_perm(Perm.ORDER_VIEW)
def supply_delivery_read(request, did: str):
    return m.supply_delivery(s.supply_delivery_get(request.auth, _int_id(did)), s.supply_org_id())


# --------------------------------------------------------------------------- Organization


@fhir_api.get("/Organization/{oid}", operation_id="fhir_organization_read")
@api_perm(Perm.ORDER_VIEW)
def organization_read(request, oid: str):
    kind, _, pk = oid.partition("-")
    if kind == "org":
        return m.organisation(s.organisation_get(request.auth, _int_id(pk)))
    if kind == "unit":
        return m.unit(s.unit_get(request.auth, _int_id(pk)))
    raise NotFound(gettext("Resursen finns inte."))
