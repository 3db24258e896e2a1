"""SITHS login over OpenID Connect against a real OpenID provider (tests/oidc/provider.mjs, Node's
oidc-provider on 127.0.0.1, started by the session fixture): Django's test client plays the
browser at Lyfta, `requests` plays it at the provider. No part of the provider is mocked."""
import base64
import json
from urllib.parse import parse_qs, urlsplit

import pytest
import requests
from django.test import Client
from django.urls import reverse

from access import oidc
from access.models import SithsDevice
from audit.models import AuditEvent
from tests import factories as f
from tests.oidc.fixtures import CALLBACK_PATH, OTHER_CALLBACK, OTHER_CLIENT_ID, OTHER_CLIENT_SECRET, drive_login

HSA = "SE2321000016-A0001"  # the provider's account "anna.sits"
CALLBACK = "http://testserver" + CALLBACK_PATH


@pytest.fixture
def anna(world):
    user = f.UserFactory(username="anna", first_name="Anna", hsa_id=HSA)
    f.RoleAssignmentFactory(user=user, unit=world["region_unit"], role="prescriber")
    return user


def start(client: Client, next_url: str = "") -> str:
    r = client.get(reverse("access:oidc_login") + (f"?next={next_url}" if next_url else ""))
    assert r.status_code == 302, r.content[:500]
    return r.url


def siths_login(client: Client, user_id: str, next_url: str = "", http: requests.Session | None = None):
    """The whole flow: Lyfta → provider (login form) → Lyfta's callback; returns the callback's
    response. `http` is the browser's cookie jar at the provider."""
    auth_url = start(client, next_url)
    back = drive_login(auth_url, user_id, stop_prefix=CALLBACK, session=http)
    parts = urlsplit(back)
    return client.get(parts.path + "?" + parts.query)


def test_login_page_offers_siths_only_when_configured(db, settings, oidc_provider):
    settings.LYFTA_OIDC_DISCOVERY_URL = ""
    body = Client().get(reverse("access:login")).content.decode()
    assert "Logga in med SITHS" not in body
    assert Client().get(reverse("access:oidc_login")).status_code == 404
    from tests.oidc.fixtures import configure

    configure(settings, oidc_provider)
    body = Client().get(reverse("access:login")).content.decode()
    assert "Logga in med SITHS" in body and reverse("access:oidc_login") in body


def test_authorization_request_uses_code_flow_with_pkce_s256_state_and_nonce(oidc_settings, db):
    auth_url = start(Client())
    assert auth_url.startswith(oidc_settings.discovery()["authorization_endpoint"])
    q = parse_qs(urlsplit(auth_url).query)
    assert q["response_type"] == ["code"]
    assert q["client_id"] == ["lyfta-test"]
    assert q["redirect_uri"] == [CALLBACK]
    assert q["code_challenge_method"] == ["S256"] and len(q["code_challenge"][0]) == 43
    assert q["state"][0] and q["nonce"][0]
    assert "openid" in q["scope"][0].split()


def test_user_logs_in_through_the_provider_verified_and_audited(oidc_settings, anna):
    c = Client()
    r = siths_login(c, "anna.sits", next_url="/bestallningar/")
    assert r.status_code == 302 and r.url == "/bestallningar/"
    start_page = c.get(reverse("core:start"))
    assert start_page.status_code == 200  # not sent to TOTP enrolment: SITHS is the second factor
    assert "Välkommen, Anna" in start_page.content.decode()
    device = SithsDevice.objects.get(user=anna)
    assert device.confirmed and device.issuer == oidc_settings.issuer and device.subject == "anna.sits"
    assert c.session["otp_device_id"] == device.persistent_id
    event = AuditEvent.objects.get(action="login.success", actor_user=anna)
    assert event.data["method"] == "siths" and event.data["hsa_id"] == HSA
    assert event.data["issuer"] == oidc_settings.issuer


def test_hsa_id_matches_case_insensitively(oidc_settings, anna):
    anna.hsa_id = HSA.lower()
    anna.save(update_fields=["hsa_id"])
    c = Client()
    assert siths_login(c, "anna.sits").status_code == 302
    assert c.get(reverse("core:start")).status_code == 200


def test_unknown_hsa_id_is_refused_with_the_swedish_page(oidc_settings, anna):
    c = Client()
    r = siths_login(c, "SE2321000016-OKAND9")
    assert r.status_code == 403
    body = r.content.decode()
    assert "Du har ingen behörighet i Lyfta" in body
    assert "inget konto i Lyfta med det HSA-id:t" in body and "SE2321000016-OKAND9" in body
    assert reverse("operations:access_request_new") + "?hsa_id=SE2321000016-OKAND9" in body
    assert c.get(reverse("core:start")).status_code == 302  # not logged in
    event = AuditEvent.objects.get(action="login.siths_refused")
    assert event.data["reason"] == "unknown_hsa_id" and event.data["hsa_id"] == "SE2321000016-OKAND9"
    assert not SithsDevice.objects.exists()
    # the access-request page the link names opens with the HSA-id filled in
    form = c.get(reverse("operations:access_request_new") + "?hsa_id=SE2321000016-OKAND9")
    assert form.status_code == 200 and 'value="SE2321000016-OKAND9"' in form.content.decode()


def test_account_without_role_is_refused(oidc_settings, world):
    f.UserFactory(username="norole", hsa_id="SE2321000016-NOROLE1")
    r = siths_login(Client(), "SE2321000016-NOROLE1")
    assert r.status_code == 403
    assert "ingen roll" in r.content.decode()
    assert AuditEvent.objects.get(action="login.siths_refused").data["reason"] == "no_role"


def test_inactive_account_is_refused(oidc_settings, anna):
    anna.is_active = False
    anna.save(update_fields=["is_active"])
    r = siths_login(Client(), "anna.sits")
    assert r.status_code == 403 and "inaktiverat" in r.content.decode()


def test_token_without_the_hsa_claim_is_refused(oidc_settings, anna):
    r = siths_login(Client(), "utan-hsa")
    assert r.status_code == 403
    assert AuditEvent.objects.get(action="login.siths_refused").data["reason"] == "no_hsa_claim"


def test_configurable_claim_name(oidc_settings, settings, anna):
    settings.LYFTA_OIDC_HSA_CLAIM = "family_name"  # the provider puts "Sithsson" there for anna.sits
    anna.hsa_id = "Sithsson"
    anna.save(update_fields=["hsa_id"])
    assert siths_login(Client(), "anna.sits").status_code == 302


def test_callback_state_is_single_use(oidc_settings, anna):
    c = Client()
    auth_url = start(c)
    back = urlsplit(drive_login(auth_url, "anna.sits", stop_prefix=CALLBACK))
    assert c.get(back.path + "?" + back.query).status_code == 302
    c2 = Client()  # another browser replaying the same callback URL
    r = c2.get(back.path + "?" + back.query)
    assert r.status_code == 400 and "Inloggningen med SITHS misslyckades" in r.content.decode()
    assert AuditEvent.objects.filter(action="login.siths_failed", data__reason="state_unknown").count() == 1


def test_provider_error_answer_is_a_swedish_page(oidc_settings, db):
    c = Client()
    auth_url = start(c)
    state = parse_qs(urlsplit(auth_url).query)["state"][0]
    r = c.get(CALLBACK_PATH, {"error": "access_denied", "error_description": "user cancelled", "state": state})
    assert r.status_code == 400 and "Inloggningen med SITHS misslyckades" in r.content.decode()
    assert AuditEvent.objects.get(action="login.siths_failed").data["reason"] == "provider_error"


def _other_client_token(provider) -> dict:
    """A real token response of the provider for ANOTHER client (its own flow with PKCE)."""
    import hashlib
    import secrets

    meta = provider.discovery()
    verifier = secrets.token_urlsafe(48)
    challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()
    nonce = secrets.token_urlsafe(16)
    params = {"client_id": OTHER_CLIENT_ID, "response_type": "code", "scope": "openid profile",
              "redirect_uri": OTHER_CALLBACK, "state": "s1", "nonce": nonce, "code_challenge": challenge,
              "code_challenge_method": "S256"}
    url = requests.Request("GET", meta["authorization_endpoint"], params=params).prepare().url
    back = drive_login(url, "anna.sits", stop_prefix=OTHER_CALLBACK)
    code = parse_qs(urlsplit(back).query)["code"][0]
    resp = requests.post(meta["token_endpoint"], auth=(OTHER_CLIENT_ID, OTHER_CLIENT_SECRET), timeout=10,
                         data={"grant_type": "authorization_code", "code": code, "redirect_uri": OTHER_CALLBACK,
                               "code_verifier": verifier})
    assert resp.status_code == 200, resp.text
    return {**resp.json(), "_nonce": nonce, "_code": code}


def _payload(id_token: str) -> dict:
    body = id_token.split(".")[1]
    return json.loads(base64.urlsafe_b64decode(body + "=" * (-len(body) % 4)))


def test_id_token_for_another_client_id_is_refused(oidc_settings, anna):
    token = _other_client_token(oidc_settings)
    assert _payload(token["id_token"])["aud"] == OTHER_CLIENT_ID  # a genuine, validly signed token
    nonce = token.pop("_nonce")
    token.pop("_code")
    with pytest.raises(oidc.OidcFailed) as exc:
        oidc.id_token_claims(token, nonce)
    assert exc.value.reason == "id_token_invalid" and "aud" in exc.value.detail
    # the same token passes for the client it was issued to: the refusal is about the audience
    other = oidc.provider_client(oidc.OidcConfig(
        discovery_url=oidc_settings.discovery_url, client_id=OTHER_CLIENT_ID, client_secret=OTHER_CLIENT_SECRET,
        hsa_claim="hsa_id", scopes="openid profile", timeout=5))
    assert oidc.id_token_claims(token, nonce, other)["hsa_id"] == HSA


def test_id_token_with_wrong_nonce_or_tampered_signature_is_refused(oidc_settings, db):
    token = _other_client_token(oidc_settings)
    nonce = token.pop("_nonce")
    token.pop("_code")
    other = oidc.provider_client(oidc.OidcConfig(
        discovery_url=oidc_settings.discovery_url, client_id=OTHER_CLIENT_ID, client_secret=OTHER_CLIENT_SECRET,
        hsa_claim="hsa_id", scopes="openid profile", timeout=5))
    with pytest.raises(oidc.OidcFailed, match="nonce"):
        oidc.id_token_claims(token, "another-nonce", other)
    head, body, sig = token["id_token"].split(".")
    claims = _payload(token["id_token"])
    claims["hsa_id"] = "SE2321000016-ADMIN1"
    forged = base64.urlsafe_b64encode(json.dumps(claims).encode()).rstrip(b"=").decode()
    with pytest.raises(oidc.OidcFailed) as exc:
        oidc.id_token_claims({**token, "id_token": f"{head}.{forged}.{sig}"}, nonce, other)
    assert exc.value.reason == "id_token_invalid"


def test_code_issued_to_another_client_is_refused_at_the_callback(oidc_settings, anna):
    """A code from another client's flow, pasted into Lyfta's callback with Lyfta's own state:
    the provider refuses to exchange it for Lyfta (invalid_grant) and nobody is logged in."""
    c = Client()
    state = parse_qs(urlsplit(start(c)).query)["state"][0]
    token = _other_client_token(oidc_settings)
    r = c.get(CALLBACK_PATH, {"code": token["_code"], "state": state})
    assert r.status_code == 400
    assert c.get(reverse("core:start")).status_code == 302
    assert AuditEvent.objects.get(action="login.siths_failed").data["reason"] == "token_error"


def test_logout_ends_the_session_and_goes_to_end_session(oidc_settings, anna):
    c, http = Client(), requests.Session()
    assert siths_login(c, "anna.sits", http=http).status_code == 302
    id_token = c.session["lyfta_siths_id_token"]
    r = c.post(reverse("access:logout"))
    end_session = oidc_settings.discovery()["end_session_endpoint"]
    assert r.status_code == 302 and r.url.startswith(end_session + "?")
    q = parse_qs(urlsplit(r.url).query)
    assert q["id_token_hint"] == [id_token]
    assert q["post_logout_redirect_uri"] == ["http://testserver/konto/logga-in/"]
    assert c.get(reverse("core:start")).status_code == 302  # the Lyfta session is gone
    # the provider accepts the request (hint valid for our client, redirect URI registered), asks,
    # ends its session and sends the browser back to Lyfta's login page
    import re

    answer = http.get(r.url, allow_redirects=False, timeout=10)
    assert answer.status_code == 200 and "op.logoutForm" in answer.text, answer.text[:1000]
    action = re.search(r'<form[^>]*action="([^"]+)"', answer.text).group(1)
    fields = dict(re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)"', answer.text))
    done = http.post(action, data={**fields, "logout": "yes"}, allow_redirects=False, timeout=10)
    assert done.status_code in (302, 303)
    assert done.headers["location"].startswith("http://testserver/konto/logga-in/")
    # the provider's session is over: a new login asks for the user again
    url = start(Client())
    while not url.startswith("http://testserver"):
        again = http.get(url, allow_redirects=False, timeout=10)
        if not again.is_redirect:
            break
        url = requests.compat.urljoin(url, again.headers["location"])
    assert not url.startswith("http://testserver"), "the provider logged the user in again without asking"
    assert 'name="login"' in again.text
    assert AuditEvent.objects.get(action="logout", actor_user=anna).data == {"method": "siths"}


def test_local_logout_does_not_visit_the_provider(oidc_settings, client_for):
    c, _user = client_for("prescriber")
    r = c.post(reverse("access:logout"))
    assert r.status_code == 302 and r.url == reverse("access:login")


def test_provider_down_gives_a_swedish_page_not_500(settings, db):
    from tests.oidc.fixtures import CLIENT_ID

    settings.LYFTA_OIDC_DISCOVERY_URL = "http://127.0.0.1:9/.well-known/openid-configuration"
    settings.LYFTA_OIDC_CLIENT_ID = CLIENT_ID
    settings.LYFTA_OIDC_TIMEOUT_SECONDS = 2
    r = Client().get(reverse("access:oidc_login"))
    assert r.status_code == 502 and "Inloggningen med SITHS misslyckades" in r.content.decode()
    assert AuditEvent.objects.get(action="login.siths_failed").data["reason"] == "discovery_unavailable"


def test_local_totp_login_still_works_when_siths_is_configured(oidc_settings, world):
    from django_otp.oath import TOTP

    key = "3132333435363738393031323334353637383930"
    user = f.UserFactory(username="lokal")
    f.RoleAssignmentFactory(user=user, unit=world["region_unit"], role="prescriber")
    f.totp_device(user, key)
    code = f"{TOTP(bytes.fromhex(key), step=30, t0=0, digits=6).token():06d}"
    c = Client()
    r = c.post(reverse("access:login"), {"username": "lokal", "password": "pw-Lyfta-2026!", "otp_token": code})
    assert r.status_code == 302 and r.url == reverse("core:start")
    assert c.get(reverse("core:start")).status_code == 200
    assert AuditEvent.objects.filter(action="login.success", actor_user=user).count() == 1


def test_siths_device_never_verifies_a_code(db, anna):
    device = SithsDevice.objects.create(user=anna, name="SITHS", confirmed=True)
    assert device.verify_token("123456") is False


def test_deploy_checks_name_half_or_insecure_configuration(settings):
    from access.checks import oidc_settings_check

    settings.LYFTA_OIDC_DISCOVERY_URL, settings.LYFTA_OIDC_CLIENT_ID = "", ""
    assert oidc_settings_check(None) == []
    settings.LYFTA_OIDC_DISCOVERY_URL = "http://idp.region.se/.well-known/openid-configuration"
    assert {w.id for w in oidc_settings_check(None)} == {"access.W101", "access.W102"}
    settings.LYFTA_OIDC_DISCOVERY_URL = "https://idp.region.se/.well-known/openid-configuration"
    settings.LYFTA_OIDC_CLIENT_ID, settings.LYFTA_OIDC_CLIENT_SECRET = "lyfta", "s"
    assert oidc_settings_check(None) == []


def test_check_deploy_is_clean_with_siths_configured_under_production_settings():
    from core.tests.test_health_and_settings import PROD_ENV, run

    env = {**PROD_ENV, "LYFTA_OIDC_DISCOVERY_URL": "https://idp.region.se/.well-known/openid-configuration",
           "LYFTA_OIDC_CLIENT_ID": "lyfta", "LYFTA_OIDC_CLIENT_SECRET": "s3cret-from-the-region"}
    result = run(["manage.py", "check", "--deploy", "--fail-level", "WARNING"], env, is_code=False)
    assert result.returncode == 0 and "no issues" in result.stdout, result.stdout + result.stderr
    result = run(["manage.py", "check", "--deploy", "--fail-level", "WARNING"],
                 {**env, "LYFTA_OIDC_CLIENT_SECRET": ""}, is_code=False)
    assert result.returncode != 0 and "access.W103" in result.stdout + result.stderr
    csp = run("import django; django.setup(); from django.conf import settings; "
              "print(settings.CONTENT_SECURITY_POLICY['DIRECTIVES']['form-action'])", env)
    assert "https://idp.region.se" in csp.stdout, csp.stdout + csp.stderr
