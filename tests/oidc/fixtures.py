"""The real OpenID provider for the SITHS/OIDC login tests: `tests/oidc/provider.mjs` (Node's
oidc-provider from node_modules, installed by `make test`) started as a subprocess on 127.0.0.1,
once per test session (and xdist worker), stopped at the end.

Fixtures (registered through the root conftest's pytest_plugins):
- `oidc_provider`: a provider whose Lyfta client redirects to the test client's host
  (http://testserver); `oidc_settings` points Lyfta's LYFTA_OIDC_* settings at it.
- `oidc_provider_live`: one for the browser tests, redirecting to the live server;
  `oidc_live_settings` points the settings at it.
- `drive_login(start_url, user_id)`: plays the user's part at the provider with `requests`
  (the login form), returns the redirect back to the client (the URL with code and state).
"""
from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urljoin, urlsplit

import pytest
import requests

SCRIPT = Path(__file__).with_name("provider.mjs")
CLIENT_ID = "lyfta-test"
CLIENT_SECRET = "lyfta-test-secret-0123456789abcdef"
OTHER_CLIENT_ID = "annan-tjanst"
OTHER_CLIENT_SECRET = "annan-tjanst-secret-0123456789abcdef"
CALLBACK_PATH = "/konto/siths/svar/"
LOGIN_PATH = "/konto/logga-in/"
OTHER_CALLBACK = "http://127.0.0.1:9/annan/svar/"  # never called: the test stops at the redirect


@dataclass
class Provider:
    port: int
    process: subprocess.Popen
    log_path: str
    base: str
    clients: list = field(default_factory=list)

    @property
    def issuer(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def discovery_url(self) -> str:
        return f"{self.issuer}/.well-known/openid-configuration"

    def discovery(self) -> dict:
        return requests.get(self.discovery_url, timeout=5).json()

    def log(self) -> str:
        return Path(self.log_path).read_text(errors="replace")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_provider(base: str) -> Provider:
    node = shutil.which("node")
    if node is None:
        pytest.fail("node is not installed: run `make test` (scripts/ensure_node_tools) or apt-get install nodejs npm")
    if not (SCRIPT.parent.parent.parent / "node_modules" / "oidc-provider").is_dir():
        pytest.fail("node_modules/oidc-provider is missing: run `bash scripts/ensure_node_tools` (npm ci)")
    clients = [
        {"client_id": CLIENT_ID, "client_secret": CLIENT_SECRET, "redirect_uris": [base + CALLBACK_PATH],
         "post_logout_redirect_uris": [base + LOGIN_PATH]},
        {"client_id": OTHER_CLIENT_ID, "client_secret": OTHER_CLIENT_SECRET, "redirect_uris": [OTHER_CALLBACK]},
    ]
    last_error = ""
    for _attempt in range(3):  # a free port can be taken between the probe and node's bind
        port = _free_port()
        log = tempfile.NamedTemporaryFile(prefix="lyfta-oidc-provider-", suffix=".log", delete=False)
        proc = subprocess.Popen([node, str(SCRIPT), str(port), json.dumps({"clients": clients})],
                                stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                                cwd=SCRIPT.parent.parent.parent, env={**os.environ, "NODE_ENV": "test"})
        provider = Provider(port=port, process=proc, log_path=log.name, base=base, clients=clients)
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline and proc.poll() is None:
            try:
                if requests.get(provider.discovery_url, timeout=1).status_code == 200:
                    return provider
            except requests.RequestException:
                pass
            time.sleep(0.1)
        stop_provider(provider)
        last_error = provider.log()
    pytest.fail(f"the test OpenID provider did not start:\n{last_error}")


def stop_provider(provider: Provider) -> None:
    if provider.process.poll() is None:
        provider.process.terminate()
        try:
            provider.process.wait(timeout=5)
        except subprocess.TimeoutExpired:
            provider.process.kill()
            provider.process.wait(timeout=5)


@pytest.fixture(scope="session")
def oidc_provider():
    provider = start_provider("http://testserver")
    yield provider
    stop_provider(provider)


@pytest.fixture(scope="session")
def oidc_provider_live(live_server):
    provider = start_provider(live_server.url)
    yield provider
    stop_provider(provider)


def configure(settings, provider: Provider, *, client_id: str = CLIENT_ID, client_secret: str = CLIENT_SECRET):
    import copy

    settings.LYFTA_OIDC_DISCOVERY_URL = provider.discovery_url
    settings.LYFTA_OIDC_CLIENT_ID = client_id
    settings.LYFTA_OIDC_CLIENT_SECRET = client_secret
    settings.LYFTA_OIDC_HSA_CLAIM = "hsa_id"
    csp = copy.deepcopy(settings.CONTENT_SECURITY_POLICY)
    csp["DIRECTIVES"]["form-action"] = [*csp["DIRECTIVES"]["form-action"], provider.issuer]
    settings.CONTENT_SECURITY_POLICY = csp  # what config/settings/base.py adds from the env
    return provider


@pytest.fixture
def oidc_settings(settings, oidc_provider):
    return configure(settings, oidc_provider)


@pytest.fixture
def oidc_live_settings(settings, oidc_provider_live):
    return configure(settings, oidc_provider_live)


def drive_login(start_url: str, user_id: str, *, stop_prefix: str, session: requests.Session | None = None) -> str:
    """Follow the provider's redirects from an authorization URL, fill in its login form with
    `user_id`, and return the first redirect whose target starts with `stop_prefix` (the client's
    redirect URI with code and state). Raises AssertionError with the provider's page otherwise."""
    http = session or requests.Session()
    url, method, data = start_url, "GET", None
    for _hop in range(12):
        if url.startswith(stop_prefix):
            return url
        resp = http.request(method, url, data=data, allow_redirects=False, timeout=10)
        if resp.is_redirect:
            url, method, data = urljoin(url, resp.headers["location"]), "GET", None
            continue
        if resp.status_code == 200 and 'name="login"' in resp.text and urlsplit(url).path.startswith("/interaction/"):
            url, method, data = url, "POST", {"login": user_id}
            continue
        raise AssertionError(f"unexpected answer from the provider at {url}: {resp.status_code}\n{resp.text[:2000]}")
    raise AssertionError("too many redirects at the provider")
