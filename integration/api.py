"""The JSON API, `/api/v1/`. Each context contributes a router from its own `api.py`;
errors are RFC 9457 problem documents."""
from __future__ import annotations

import importlib
import logging

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import RequestDataTooBig
from django.http import Http404
from django.utils.translation import gettext as _
from ninja import Router, Schema
from ninja.errors import AuthenticationError, HttpError
from ninja.errors import ValidationError as NinjaValidationError

from access.decorators import api_perm
from access.principal import principal_for_request
from core.errors import DomainError
from core.problem import problem_response
from core.sanitize import too_large_response

from .auth import API_AUTH, CsrfFailed
from .openapi import ProblemDocumentedAPI
from .parser import StrictJsonParser, UnsupportedMediaType, error_field, require_object_bodies

logger = logging.getLogger(__name__)

api = ProblemDocumentedAPI(
    title="Lyfta API",
    version="1",
    description=(
        "Lyfta's integration API: catalogue, patients and orders for customers' systems; the supply "
        "centre's order handling for an external business system. Authenticate with a bearer token "
        "(system clients) or a logged-in session (unsafe methods then need the `X-CSRFToken` header). "
        "JSON bodies must be sent as `application/json`. Errors are RFC 9457 problem documents "
        "(schema `Problem`); their `errors` member is always a list of `{field, code, message}`. Every "
        "POST honours an `Idempotency-Key` header."
    ),
    urls_namespace="api",
    auth=API_AUTH,
    docs_url="/docs",
    openapi_url="/openapi.json",
    parser=StrictJsonParser(),
)


@api.exception_handler(DomainError)
def _domain_error(request, exc: DomainError):
    return problem_response(exc.status, exc.title, exc.message, code=exc.code, errors=exc.errors)


@api.exception_handler(NinjaValidationError)
def _validation_error(request, exc: NinjaValidationError):
    errors = [
        {"field": error_field(e.get("loc")), "code": e.get("type") or "invalid",
         "message": e.get("msg")}
        for e in exc.errors
    ]
    return problem_response(422, _("Ogiltiga uppgifter"), _("Begäran innehåller ogiltiga eller saknade fält."),
                            code="validation", errors=errors)


@api.exception_handler(AuthenticationError)
def _auth_error(request, exc):
    return problem_response(401, _("Inte autentiserad"), _("Giltig bearer-token eller inloggning krävs."),
                            code="unauthenticated", headers={"WWW-Authenticate": 'Bearer realm="lyfta"'})


@api.exception_handler(Http404)
def _not_found(request, exc):
    return problem_response(404, _("Hittades inte"), _("Resursen finns inte."), code="not_found")


@api.exception_handler(DjangoPermissionDenied)
def _forbidden(request, exc):
    return problem_response(403, _("Behörighet saknas"), _("Du saknar behörighet för detta."), code="forbidden")


@api.exception_handler(CsrfFailed)
def _csrf_failed(request, exc):
    return problem_response(403, _("CSRF-kontroll misslyckades"),
                            _("Anrop med inloggningssession kräver en giltig CSRF-token (X-CSRFToken) från "
                            "samma ursprung. System använder bearer-token."), code="csrf_failed")


@api.exception_handler(RequestDataTooBig)
def _too_big(request, exc):
    return too_large_response(request)


@api.exception_handler(HttpError)
def _http_error(request, exc: HttpError):
    cause = exc.__cause__
    if isinstance(cause, UnsupportedMediaType):
        return problem_response(415, _("Medietypen stöds inte"),
                                _("Begärans innehåll måste skickas som application/json (fick %(value)s).") % {"value": cause.content_type or _("ingen")}, code="unsupported_media_type",
                                headers={"Accept": "application/json"})
    if isinstance(cause, RequestDataTooBig):
        return too_large_response(request)
    if isinstance(cause, ValueError):  # JSONDecodeError, UnicodeDecodeError
        return problem_response(400, _("Felaktig begäran"), _("Begärans innehåll är inte giltig JSON."), code="bad_request")
    detail = str(exc) or _("Fel")
    if exc.status_code == 400 and "JSON" in detail.upper():
        detail = _("Begärans innehåll är inte giltig JSON.")
    return problem_response(exc.status_code, _("Felaktig begäran") if exc.status_code < 500 else _("Internt fel"), detail,
                            code="bad_request" if exc.status_code < 500 else "server_error")


@api.exception_handler(Exception)
def _unexpected(request, exc):
    logger.exception("Unhandled API error")
    return problem_response(500, _("Internt fel"), _("Ett oväntat fel inträffade. Försök igen senare."),
                            code="server_error")


class MeOut(Schema):
    kind: str
    name: str
    organisation_ids: list[int]
    is_supply: bool
    permissions: list[str]


system = Router(tags=["system"])


@system.get("/me", response=MeOut, summary="Who am I (the authenticated principal)")
@api_perm("")
def me(request):
    p = principal_for_request(request)
    return {
        "kind": "client" if p.client else "user",
        "name": p.label,
        "organisation_ids": sorted(p.customer_ids) if not p.is_supply or p.client is None
        else [p.client.organisation_id],
        "is_supply": p.is_supply,
        "permissions": sorted(p.perms),
    }


api.add_router("/", system)

# Routers of the contexts, mounted at the API root (each defines its own paths).
for module_name, tag in [
    ("catalogue.api", "catalogue"),
    ("patients.api", "patients"),
    ("ordering.api", "ordering"),
    ("supply.api", "supply"),
    ("stock.api", "stock"),
    ("invoicing.api", "invoicing"),
    ("operations.api", "operations"),
    ("integration.webhooks_api", "integration"),
]:
    try:
        module = importlib.import_module(module_name)
    except ModuleNotFoundError as exc:
        if exc.name != module_name:
            raise
        continue
    router = getattr(module, "router", None)
    if router is not None:
        api.add_router("/", router, tags=[tag])

require_object_bodies(api)
