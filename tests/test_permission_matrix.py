"""Each role × each page and API endpoint → allowed or denied.

Pages are every URL pattern guarded by `require_perm`; API operations are every operation
guarded by `api_perm` (or one `require(Perm.X)` in its body). Both lists are discovered, so a new page or endpoint is covered
automatically, and one without a declared permission fails `test_everything_declares_*`.
Parametrised routes (object pages) must declare one too (`test_object_pages_declare_a_permission`);
their isolation is covered by the contexts' own tests, and here for the customer's approver."""
import functools
import inspect
import re

import pytest
from django.conf import settings
from django.shortcuts import resolve_url
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from access.roles import CUSTOMER_ROLES, ROLE_PERMISSIONS, Role
from conftest import login_verified
from integration.api import api
from ordering.tests.conftest import shop  # noqa: F401  (fixture)

EXEMPT_NAMES = {"access:login", "access:enrol", "access:logout", "access:oidc_login", "access:oidc_callback", "core:healthz", "set_language", "core:start",
                "operations:access_request_new", "operations:access_request_sent", "operations:fallback_forms"}


def _walk(patterns, prefix="", namespace=None):
    for p in patterns:
        if isinstance(p, URLResolver):
            ns = p.namespace or namespace
            if ns in ("admin", "api", "fhir"):  # the APIs are checked by their operations
                continue
            yield from _walk(p.url_patterns, prefix + str(p.pattern), ns)
        elif isinstance(p, URLPattern):
            name = f"{namespace}:{p.name}" if namespace and p.name else p.name
            yield prefix + str(p.pattern), name, p.callback


# Object pages reached without a login: the activation link carries its own token; the paper
# forms of the fallback routine are public as their list is.
OBJECT_EXEMPT_NAMES = {"operations:account_activate", "operations:fallback_form_pdf"}


def guarded_pages(*, objects: bool = False):
    """(name, declared permission) of the plain pages, or with `objects` of the parametrised ones."""
    pages = []
    for route, name, callback in _walk(get_resolver().url_patterns):
        if ("<" in route) != objects or not name or name in EXEMPT_NAMES | OBJECT_EXEMPT_NAMES:
            continue
        pages.append((name, getattr(callback, "lyfta_permission", None)))
    return sorted(pages, key=lambda p: p[0])


def api_operations():
    """(path, methods, view_func) for every operation of the API, read from its URL patterns."""
    result = []
    patterns, _, _ = api.urls
    for pattern in patterns:
        if not inspect.isfunction(pattern.callback):  # openapi.json and docs views
            continue
        path_view = inspect.getclosurevars(pattern.callback).nonlocals["self"]
        route = "/api/v1/" + str(pattern.pattern)
        for op in path_view.operations:
            result.append((route, op.methods, op.view_func))
    assert result, "the API has no operations"
    return result




def declared_api_perm(fn):
    """`@api_perm(Perm.X)` records the permission on the function (the one way to declare it;
    the matrix reads the registry, never the source text)."""
    return getattr(fn, "lyfta_permission", None)


PAGES = guarded_pages()
ROLES = list(Role)


def test_everything_declares_a_permission():
    undeclared = [name for name, perm in PAGES if perm is None]
    assert not undeclared, f"pages without require_perm: {undeclared}"
    undeclared_api = [path for path, _, fn in api_operations() if declared_api_perm(fn) is None]
    assert not undeclared_api, f"API operations without api_perm: {undeclared_api}"


def test_object_pages_declare_a_permission():
    undeclared = [name for name, perm in guarded_pages(objects=True) if perm is None]
    assert not undeclared, f"object pages without require_perm: {undeclared}"


def _declared_permissions() -> set[str]:
    declared = {perm for _, perm in PAGES + guarded_pages(objects=True)} | {
        declared_api_perm(fn) for _, _, fn in api_operations()}
    return declared - {""}


def test_every_declared_permission_is_held_by_a_role():
    """No page or endpoint that no role can reach."""
    assert _declared_permissions() - set().union(*ROLE_PERMISSIONS.values()) == set()


def _page_status(client, name: str) -> int:
    """GET the page; an action that only takes POST (405 on GET) is tried with an empty POST."""
    response = client.get(reverse(name))
    status = response.status_code
    if status == 302 and not response["Location"].startswith(resolve_url(settings.LOGIN_URL)):
        return 200  # a GET that picks and redirects (catalogue:variant) ran: allowed
    if status == 405:
        status = client.post(reverse(name)).status_code
        if status == 302:  # the action ran and redirected back: allowed
            status = 200
    return status


@pytest.mark.parametrize("role", ROLES, ids=[r.value for r in ROLES])
def test_pages_by_role(role, make_user):
    user = make_user(role.value)
    client = login_verified(Client(), user)
    perms = ROLE_PERMISSIONS[role]
    for name, perm in PAGES:
        status = _page_status(client, name)
        if perm in perms or perm == "":
            assert status == 200, f"{role} should reach {name} ({perm}) but got {status}"
        else:
            assert status == 403, f"{role} must not reach {name} ({perm}) but got {status}"


@functools.lru_cache(maxsize=1)
def _openapi() -> dict:
    return api.get_openapi_schema()


def _dummy_query(path: str) -> dict:
    """Values for the required query parameters of GET `path` (from the OpenAPI document), so a
    request gets past parameter validation to the permission check."""
    spec_path = re.sub(r"<(?:\w+:)?(\w+)>", r"{\1}", path)
    operation = _openapi()["paths"].get(spec_path, {}).get("get", {})
    values = {}
    for param in operation.get("parameters", []):
        if param.get("in") == "query" and param.get("required"):
            values[param["name"]] = 1 if param.get("schema", {}).get("type") == "integer" else "x"
    return values


@pytest.mark.parametrize("role", ROLES, ids=[r.value for r in ROLES])
def test_api_by_role(role, make_user):
    user = make_user(role.value)
    client = login_verified(Client(), user)
    perms = ROLE_PERMISSIONS[role]
    for path, methods, fn in api_operations():
        if "GET" not in methods or "<" in path:
            continue
        status = client.get(path, _dummy_query(path)).status_code
        perm = declared_api_perm(fn)
        if perm == "" or perm in perms:
            # allowed: past authentication and authorisation (a dummy query may still be invalid)
            assert status not in (401, 403), f"{role} should reach GET {path} ({perm}) but got {status}"
        else:
            assert status == 403, f"{role} must not reach GET {path} ({perm}) but got {status}"


def test_anonymous_gets_login_redirect_or_401(db):
    client = Client()
    for name, _ in PAGES:
        response = client.get(reverse(name))
        if response.status_code == 405:
            response = client.post(reverse(name))
        assert response.status_code == 302 and reverse("access:login") in response.url, name
    for path, methods, _ in api_operations():
        if "GET" in methods and "<" not in path:
            response = client.get(path)
            assert response.status_code == 401, path
            assert response["Content-Type"] == "application/problem+json"


def test_start_page_navigation_shows_only_permitted_items(client_for):
    client, _ = client_for("auditor")
    body = client.get(reverse("core:start")).content.decode()
    assert 'href="/revision/' in body
    assert 'href="/katalog/' not in body


def test_buffer_store_permission(make_user):
    """`stock.store_keep` (issue 12): store keepers and prescribers reach the buffer-store pages
    (the service then requires their role at the store's unit); a customer's system client may
    withdraw for its customer; the supply centre's clients may not."""
    from access.principal import CUSTOMER_CLIENT_PERMS, SUPPLY_CLIENT_PERMS
    from access.roles import Perm

    holders = {r for r, perms in ROLE_PERMISSIONS.items() if Perm.STORE_KEEP in perms}
    assert holders == {Role.STORE_KEEPER, Role.PRESCRIBER}
    assert Perm.STORE_KEEP in CUSTOMER_CLIENT_PERMS and Perm.STORE_KEEP not in SUPPLY_CLIENT_PERMS
    assert dict(PAGES)["ordering:store_list"] == Perm.STORE_KEEP
    assert dict(PAGES)["stock:buffer_stores"] == Perm.STOCK_MANAGE
    for role, status in [(Role.STORE_KEEPER, 200), (Role.PRESCRIBER, 200), (Role.ORDERER, 403),
                         (Role.SUPPLY_HANDLER, 403)]:
        client = login_verified(Client(), make_user(role.value, "municipality"))
        assert client.get(reverse("ordering:store_list")).status_code == status, role


@pytest.mark.parametrize("role", sorted(CUSTOMER_ROLES), ids=sorted(r.value for r in CUSTOMER_ROLES))
def test_customer_statistics_of_another_customer_are_404(role, make_user, world):
    """Statistics (issue 16): every customer role reaches its own customer's statistics page and
    downloads, and another customer's answer 404 (not 403: no existence leak)."""
    client = login_verified(Client(), make_user(role.value, "region"))
    other = {"kund": world["municipality"].pk}
    for name in ("operations:customer_statistics", "operations:customer_statistics_xlsx",
                 "operations:customer_statistics_csv"):
        assert client.get(reverse(name)).status_code == 200, (role, name)
        assert client.get(reverse(name), other).status_code == 404, (role, name)


# --------------------------------------------------------------------------- the customer's approver
# Issue 17 (docs/prescribing.md "The customer's own approver"): `ordering.customer_approvals` is held
# by *Godkännare hos kunden* only; its pages and endpoints declare exactly that permission, every
# other role is refused (403) on the queue, the decision page and each decision endpoint, and an
# approver of another customer gets 404 for the order (no existence leak).

APPROVER_PAGES = {"ordering:approval_queue", "ordering:approval_decide"}
APPROVER_API = "/api/v1/customer-approvals"


def _approver_api_operations():
    return [(path, methods, fn) for path, methods, fn in api_operations() if path.startswith(APPROVER_API)]


def test_customer_approver_role_and_declared_permissions():
    from access.principal import CUSTOMER_CLIENT_PERMS, SUPPLY_CLIENT_PERMS
    from access.roles import Perm

    holders = {r for r, perms in ROLE_PERMISSIONS.items() if Perm.CUSTOMER_APPROVAL_DECIDE in perms}
    assert holders == {Role.CUSTOMER_APPROVER} and Role.CUSTOMER_APPROVER in CUSTOMER_ROLES
    # A decision needs a named person (four eyes): no system client holds it.
    assert Perm.CUSTOMER_APPROVAL_DECIDE not in CUSTOMER_CLIENT_PERMS | SUPPLY_CLIENT_PERMS
    pages = dict(PAGES + guarded_pages(objects=True))
    assert {name: pages[name] for name in APPROVER_PAGES} == dict.fromkeys(APPROVER_PAGES,
                                                                           Perm.CUSTOMER_APPROVAL_DECIDE)
    ops = _approver_api_operations()
    assert sorted((path.rsplit("/", 1)[-1], tuple(m)) for path, m, _ in ops) == [
        ("approve", ("POST",)), ("ask", ("POST",)), ("customer-approvals", ("GET",)), ("reject", ("POST",))]
    assert {declared_api_perm(fn) for _, _, fn in ops} == {Perm.CUSTOMER_APPROVAL_DECIDE}
    # Every permission the role holds guards something it can use (the pages by role prove 200).
    assert ROLE_PERMISSIONS[Role.CUSTOMER_APPROVER] <= _declared_permissions()
    reachable = {perm for _, perm in PAGES}
    assert ROLE_PERMISSIONS[Role.CUSTOMER_APPROVER] - reachable == set(), "a permission with no plain page"


@pytest.fixture
def awaiting(shop, make_user):  # noqa: F811  (the fixture imported above)
    """A special request of each customer waiting at its own approver (both customers' terms
    require one); the region's approver and the municipality's."""
    from access.models import CustomerPrescribingTerms
    from access.principal import principal_for_user
    from catalogue.models import PrescribingLevel
    from catalogue.prescribing import prescribing_rule_set
    from ordering.flows import customer as services
    from ordering.flows import special
    from ordering.models import OrderStatus
    from ordering.tests import factories as of

    why = {"reason": "Utanför sortimentet", "need": "Stöd vid förflyttning", "tried": "Rollator"}
    prescribing_rule_set(actor=shop.h, level=PrescribingLevel.CONSULTATION, article=shop.cushion)
    for org in (shop.world["region"], shop.world["municipality"]):
        CustomerPrescribingTerms.objects.create(organisation=org, customer_approval_required=True)
    line = [services.LineInput(shop.cushion.article_number, 1)]
    shop.order = special.special_request_submit(
        shop.p, services.order_draft_create(shop.p, services.DraftInput(patient_id=shop.patient.pk, lines=line)).pk,
        **why)
    op = principal_for_user(make_user(Role.PRESCRIBER, "municipality"))
    patient = of.patient(shop.world["municipality"])
    shop.other = special.special_request_submit(
        op, services.order_draft_create(op, services.DraftInput(patient_id=patient.pk, lines=line)).pk, **why)
    assert shop.order.status == shop.other.status == OrderStatus.CUSTOMER_APPROVAL
    shop.approver = login_verified(Client(), make_user(Role.CUSTOMER_APPROVER, "region"))
    shop.other_approver = login_verified(Client(), make_user(Role.CUSTOMER_APPROVER, "municipality"))
    return shop


def _json_post(client, path, body):
    import json

    return client.post(path, data=json.dumps(body), content_type="application/json")


@pytest.mark.parametrize("role", ROLES, ids=[r.value for r in ROLES])
def test_customer_approver_pages_and_api_by_role(role, awaiting, make_user):
    """Every role on the region's waiting request: the approver passes the permission, customer and
    four-eyes checks (an empty reason or question is then refused next to the field: 422, nothing
    written; the approval goes through); every other role — the order's own customer's prescriber
    included — is refused with 403 and the request still waits."""
    from ordering.models import Order, OrderStatus

    oid = awaiting.order.pk
    client = awaiting.approver if role == Role.CUSTOMER_APPROVER else login_verified(Client(), make_user(role.value))
    allowed = role == Role.CUSTOMER_APPROVER
    decide = reverse("ordering:approval_decide", args=[oid])
    checks = [
        ("queue page", client.get(reverse("ordering:approval_queue")).status_code, 200),
        ("decision page", client.get(decide).status_code, 200),
        ("decision POST", client.post(decide + "?action=avsla", {"text": ""}).status_code, 422),
        ("GET queue", client.get(APPROVER_API).status_code, 200),
    ]
    for verb, body in (("reject", {"reason": " "}), ("ask", {"question": ""})):
        checks.append((verb, _json_post(client, f"{APPROVER_API}/{oid}/{verb}", body).status_code, 422))
    checks.append(("approve", _json_post(client, f"{APPROVER_API}/{oid}/approve", {"note": ""}).status_code, 200))
    for what, status, when_allowed in checks:
        assert status == (when_allowed if allowed else 403), f"{role}: {what} answered {status}"
    status = Order.objects.get(pk=oid).status
    assert status == (OrderStatus.SPECIAL_REQUESTED if allowed else OrderStatus.CUSTOMER_APPROVAL)


def test_customer_approver_sees_and_decides_its_own_customer_only(awaiting):
    """The region's approver: the own request in the queue (page and API), not the municipality's;
    the municipality's order answers 404 on the page and every endpoint, and so does the region's
    to the municipality's approver."""
    from ordering.models import Order, OrderStatus

    a, other = awaiting.approver, awaiting.other_approver
    body = a.get(reverse("ordering:approval_queue")).content.decode()
    assert awaiting.order.number in body and awaiting.other.number not in body
    assert [r["order_id"] for r in a.get(APPROVER_API).json()] == [awaiting.order.pk]
    assert [r["order_id"] for r in other.get(APPROVER_API).json()] == [awaiting.other.pk]
    for client, order in ((a, awaiting.other), (other, awaiting.order)):
        decide = reverse("ordering:approval_decide", args=[order.pk])
        assert client.get(decide).status_code == 404
        assert client.post(decide + "?action=godkann", {"text": "ok"}).status_code == 404
        for verb, body in (("approve", {}), ("reject", {"reason": "nej"}), ("ask", {"question": "?"})):
            r = _json_post(client, f"{APPROVER_API}/{order.pk}/{verb}", body)
            assert r.status_code == 404 and order.number not in r.content.decode(), verb
    assert set(Order.objects.filter(pk__in=[awaiting.order.pk, awaiting.other.pk]).values_list("status", flat=True)) \
        == {OrderStatus.CUSTOMER_APPROVAL}
    # Its own customer's request: decided.
    r = _json_post(a, f"{APPROVER_API}/{awaiting.order.pk}/approve", {"note": "Inom budget"})
    assert r.status_code == 200 and r.json()["status"] == OrderStatus.SPECIAL_REQUESTED
