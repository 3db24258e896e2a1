"""Each role × each page and API endpoint → allowed or denied.

Pages are every URL pattern guarded by `require_perm`; API operations are every operation
guarded by `api_perm` (or one `require(Perm.X)` in its body). Both lists are discovered, so a new page or endpoint is covered
automatically, and one without a declared permission fails `test_everything_declares_*`.
Parametrised routes (object pages) are covered by the contexts' own isolation tests."""
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


def guarded_pages():
    pages = []
    for route, name, callback in _walk(get_resolver().url_patterns):
        if "<" in route or not name or name in EXEMPT_NAMES:
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
