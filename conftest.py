"""Fixtures shared by all tests: a small world of one region, one municipality and the
supply centre; users per role logged in with a verified second factor; API clients."""
import os
import types

import pytest
from django.test import Client
from django_otp import DEVICE_ID_SESSION_KEY

from access.roles import CUSTOMER_ROLES, Role
from tests import factories as f

# The real OpenID provider for the SITHS login tests (tests/oidc/fixtures.py).
pytest_plugins = ["tests.oidc.fixtures"]


@pytest.fixture(autouse=True)
def _fresh_cache():
    """Each test starts with an empty cache (price terms, notices): a test's rolled-back rows
    must not reach the next test through a cached value."""
    from django.core.cache import cache

    cache.clear()
    yield


@pytest.fixture(autouse=True)
def _swedish_first():
    """Each test starts in Swedish (the default language): a test that activates English (a
    request with the English cookie, `translation.activate`) must not leave English active for the
    next test's service calls in the same thread."""
    from django.utils import translation

    translation.activate("sv")
    yield
    translation.deactivate()


@pytest.fixture(autouse=True)
def _postgres_only(request):
    """Tests marked `postgres_only` check races between real concurrent transactions with row
    locks. SQLite serialises every writer (IMMEDIATE transactions), so the race cannot happen
    there: those tests run on PostgreSQL (CI runs the suite on both) and skip on SQLite."""
    marker = request.node.get_closest_marker("postgres_only")
    if marker:
        from django.db import connection

        if connection.vendor != "postgresql":
            pytest.skip("runs on PostgreSQL only: " + marker.kwargs.get(
                "reason", "real concurrent transactions with row locks (SQLite serialises writers)"))


@pytest.fixture
def world(db):
    """Two customers (a region and a municipality) and the supply centre, each with a unit."""
    region = f.OrganisationFactory(name="Region Test", kind="region")
    municipality = f.OrganisationFactory(name="Testby kommun", kind="municipality")
    supply = f.SupplyCentreFactory(name="HMC Test")
    return {
        "region": region,
        "municipality": municipality,
        "supply": supply,
        "region_unit": f.UnitFactory(organisation=region, name="Rehab Region"),
        "municipality_unit": f.UnitFactory(organisation=municipality, name="Hemsjukvård Testby"),
        "supply_unit": f.UnitFactory(organisation=supply, name="HMC Kundtjänst"),
    }


@pytest.fixture
def make_user(world):
    """make_user(role, customer="region"|"municipality") -> user holding that role at a unit."""

    def _make(role: str, customer: str = "region", **kwargs):
        if role in CUSTOMER_ROLES:
            unit = world[f"{customer}_unit"]
        else:
            unit = world["supply_unit"]
        user = f.UserFactory(**kwargs)
        f.RoleAssignmentFactory(user=user, unit=unit, role=role)
        return user

    return _make


def login_verified(client: Client, user) -> Client:
    """Log `user` in with a confirmed TOTP device marked verified in the session."""
    device = user.totpdevice_set.filter(confirmed=True).first() or f.totp_device(user)
    client.force_login(user)
    session = client.session
    session[DEVICE_ID_SESSION_KEY] = device.persistent_id
    session.save()
    return client


@pytest.fixture
def client_for(make_user):
    """client_for(role, customer="region") -> (Client logged in with 2FA, user)."""

    def _client(role: str, customer: str = "region"):
        user = make_user(role, customer)
        return login_verified(Client(), user), user

    return _client


@pytest.fixture
def api(world):
    """Bearer-token clients: api.region, api.municipality, api.supply are django Clients whose
    requests carry the token of a system client of that organisation. A system client names the
    orderer of its orders: `region-orderer` / `municipality-orderer` (api.orderers[key]) are
    prescribers at the customer's unit."""

    holder = types.SimpleNamespace(orderers={})
    for key in ("region", "municipality", "supply"):
        token = f"test-{key}-token"
        f.api_client(world[key], token)
        setattr(holder, key, Client(HTTP_AUTHORIZATION=f"Bearer {token}"))
        if key != "supply":
            user = f.UserFactory(username=f"{key}-orderer", hsa_id=f"SE2321000016-P{len(holder.orderers) + 1:05d}")
            f.RoleAssignmentFactory(user=user, unit=world[f"{key}_unit"], role=Role.PRESCRIBER)
            holder.orderers[key] = user
    return holder


@pytest.fixture(scope="session")
def browser_launch_args():
    return {
        "executable_path": os.environ.get("LYFTA_CHROMIUM", "/usr/bin/chromium"),
        "headless": True,
        "args": [
            "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
            "--disable-background-networking", "--disable-component-update", "--disable-sync",
            "--disable-dev-shm-usage",
        ],
    }


@pytest.fixture(scope="session")
def browser(browser_launch_args):
    from playwright.sync_api import sync_playwright

    # Playwright's sync API runs an event loop in this thread; the ORM calls that the test
    # itself makes between page actions are still synchronous and safe.
    os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    with sync_playwright() as pw:
        b = pw.chromium.launch(**browser_launch_args)
        yield b
        b.close()


@pytest.fixture
def page(browser, live_server):
    """A Playwright page on the live server. Every page it loads is checked for duplicate ids,
    dangling aria-describedby/labelledby and label-for, and radio/checkbox groups without
    fieldset/legend (tests/browser/markup.py), and by axe-core with the WCAG 2.1 A/AA rules, after
    the load and after every htmx swap (tests/browser/axe.py); the test fails at teardown if any
    page had a problem."""
    from tests.browser.axe import AxeWatch
    from tests.browser.markup import BROWSER_CHECK

    context = browser.new_context(base_url=live_server.url, locale="sv-SE")
    context.add_init_script(BROWSER_CHECK)
    axe = AxeWatch(context)
    pg = context.new_page()
    pg.set_default_timeout(15000)
    markup: list[str] = []
    pg.on("console", lambda msg: markup.append(msg.text) if msg.text.startswith("LYFTA-MARKUP: ") else None)
    yield pg
    axe.finish()
    context.close()
    assert not markup, "markup problems on pages the test visited:\n" + "\n".join(sorted(set(markup)))
    violations = axe.problems()
    assert not violations, "axe-core (WCAG 2.1 A/AA) violations on pages the test visited:\n" + "\n".join(violations)


__all__ = ["Role", "login_verified"]
