"""SITHS login over OpenID Connect: the region's identity provider through Authlib's Django client
(authorization code flow with PKCE S256, discovery, ID token checked against the provider's JWKS).

The pieces (docs/login.md):
- `configured()` / `provider_client()`: settings `LYFTA_OIDC_*` from the environment; one Authlib
  client per configuration, its discovery document and JWKS cached in the process (a key the
  cache lacks makes Authlib fetch the JWKS again, so key rotation works).
- `id_token_claims(token, nonce)`: the ID token's signature (JWKS, asymmetric algorithms only),
  issuer (= the discovery document's), audience (must contain our client id; an `azp` must be our
  client id), expiry, issued-at and nonce (= the one we sent). Anything else raises `OidcFailed`.
- `authorize_redirect` / `complete_login` / `end_session_url`: what the views call.
The user is matched by HSA-id in `access.services.siths_login_resolve` (the write side).
"""
from __future__ import annotations

import logging
import time
from dataclasses import dataclass
from threading import Lock

from django.conf import settings

log = logging.getLogger(__name__)

# Asymmetric signatures only: a shared-secret (HS*) or unsigned ID token is refused.
ALLOWED_ALGORITHMS = ("RS256", "RS384", "RS512", "PS256", "PS384", "PS512", "ES256", "ES384", "ES512", "EdDSA")
NAME = "siths"
STATE_SECONDS = 600


class OidcFailed(Exception):
    """The login through the identity provider could not be completed (a provider error, a bad
    or foreign ID token, a lost or replayed state). `reason` goes to the audit log."""

    def __init__(self, reason: str, detail: str = ""):
        super().__init__(f"{reason}: {detail}" if detail else reason)
        self.reason = reason
        self.detail = detail[:300]


@dataclass(frozen=True)
class OidcConfig:
    discovery_url: str
    client_id: str
    client_secret: str
    hsa_claim: str
    scopes: str
    timeout: float


def config() -> OidcConfig | None:
    url = getattr(settings, "LYFTA_OIDC_DISCOVERY_URL", "")
    client_id = getattr(settings, "LYFTA_OIDC_CLIENT_ID", "")
    if not url or not client_id:
        return None
    return OidcConfig(discovery_url=url, client_id=client_id,
                      client_secret=getattr(settings, "LYFTA_OIDC_CLIENT_SECRET", ""),
                      hsa_claim=getattr(settings, "LYFTA_OIDC_HSA_CLAIM", "hsa_id") or "hsa_id",
                      scopes=getattr(settings, "LYFTA_OIDC_SCOPES", "openid profile") or "openid profile",
                      timeout=float(getattr(settings, "LYFTA_OIDC_TIMEOUT_SECONDS", 10)))


def configured() -> bool:
    return config() is not None


_clients: dict[OidcConfig, object] = {}
_clients_lock = Lock()


def provider_client(cfg: OidcConfig | None = None):
    """The Authlib Django client for the configured provider (cached per configuration)."""
    from authlib.integrations.django_client import OAuth

    cfg = cfg or config()
    if cfg is None:
        raise OidcFailed("not_configured")
    with _clients_lock:
        client = _clients.get(cfg)
        if client is None:
            oauth = OAuth()
            client = oauth.register(
                NAME, client_id=cfg.client_id, client_secret=cfg.client_secret,
                server_metadata_url=cfg.discovery_url,
                client_kwargs={"scope": cfg.scopes, "code_challenge_method": "S256",
                               "default_timeout": cfg.timeout,
                               "token_endpoint_auth_method": "client_secret_basic"})
            client.framework.expires_in = STATE_SECONDS  # a login started must finish within this
            _clients[cfg] = client
        return client


def metadata(client=None) -> dict:
    """The provider's discovery document (fetched once per process and configuration), with the
    ID token algorithms narrowed to asymmetric ones (Authlib verifies with these)."""
    import requests

    client = client or provider_client()
    try:
        meta = client.load_server_metadata()
    except (requests.RequestException, ValueError) as exc:
        raise OidcFailed("discovery_unavailable", str(exc)) from exc
    for key in ("issuer", "authorization_endpoint", "token_endpoint", "jwks_uri"):
        if not meta.get(key):
            raise OidcFailed("discovery_incomplete", key)
    offered = meta.get("id_token_signing_alg_values_supported") or ["RS256"]
    meta["id_token_signing_alg_values_supported"] = [a for a in offered if a in ALLOWED_ALGORITHMS] or ["RS256"]
    return meta


def claims_options(client, meta: dict) -> dict:
    """Built anew for each check (Authlib consumes the dict)."""
    return {
        "iss": {"essential": True, "value": meta["issuer"]},
        "aud": {"essential": True, "value": client.client_id},
        "sub": {"essential": True},
        "exp": {"essential": True},
        "iat": {"essential": True},
    }


def id_token_claims(token: dict, nonce: str, client=None) -> dict:
    """Validate the ID token of a token response; returns its claims. Raises OidcFailed."""
    import requests
    from joserfc.errors import JoseError

    client = client or provider_client()
    meta = metadata(client)
    if not token.get("id_token"):
        raise OidcFailed("no_id_token")
    if not nonce:
        raise OidcFailed("no_nonce")
    try:
        claims = client.parse_id_token(token, nonce=nonce, claims_options=claims_options(client, meta), leeway=60)
    except JoseError as exc:
        raise OidcFailed("id_token_invalid", f"{type(exc).__name__}: {exc}") from exc
    except (requests.RequestException, ValueError) as exc:
        raise OidcFailed("jwks_unavailable", str(exc)) from exc
    return dict(claims)


def redirect_uri(request) -> str:
    from django.urls import reverse

    return getattr(settings, "LYFTA_OIDC_REDIRECT_URI", "") or request.build_absolute_uri(reverse("access:oidc_callback"))


def authorize_redirect(request):
    """Start the login: an authorization request with state, nonce and a PKCE challenge (S256);
    the verifier and nonce stay in the session until the callback."""
    import requests

    client = provider_client()
    metadata(client)
    try:
        response = client.authorize_redirect(request, redirect_uri(request))
    except requests.RequestException as exc:
        raise OidcFailed("discovery_unavailable", str(exc)) from exc
    return response


def complete_login(request) -> tuple[dict, dict]:
    """The callback: check the state, exchange the code (with the PKCE verifier and our client
    credentials) at the token endpoint, validate the ID token. Returns (claims, token)."""
    import requests
    from authlib.integrations.base_client import MismatchingStateError, OAuthError

    client = provider_client()
    meta = metadata(client)
    if request.GET.get("error"):
        raise OidcFailed("provider_error", f"{request.GET.get('error')}: {request.GET.get('error_description', '')}")
    if request.GET.get("iss") and request.GET["iss"] != meta["issuer"]:
        raise OidcFailed("issuer_mismatch", request.GET["iss"])  # RFC 9207 mix-up defence
    state = request.GET.get("state") or ""
    entry = request.session.get(f"_state_{NAME}_{state}") if state else None
    state_data = (entry or {}).get("data") or {}
    if not entry or (entry.get("exp") or 0) < time.time() or not state_data.get("nonce"):
        raise OidcFailed("state_unknown", "state missing, expired or used already")
    nonce = state_data["nonce"]
    try:
        # Authlib clears the state (one use), sends code + code_verifier, and validates the ID
        # token itself when the state holds a nonce; id_token_claims checks again with our options.
        token = client.authorize_access_token(request, claims_options=claims_options(client, meta), leeway=60)
    except MismatchingStateError as exc:
        raise OidcFailed("state_unknown", str(exc)) from exc
    except OAuthError as exc:
        raise OidcFailed("token_error", f"{exc.error}: {exc.description or ''}") from exc
    except requests.RequestException as exc:
        raise OidcFailed("token_endpoint_unavailable", str(exc)) from exc
    except Exception as exc:  # joserfc's errors from the ID token check inside Authlib
        from joserfc.errors import JoseError

        if isinstance(exc, JoseError):
            raise OidcFailed("id_token_invalid", f"{type(exc).__name__}: {exc}") from exc
        raise
    claims = id_token_claims(token, nonce, client)
    return claims, token


def end_session_url(id_token: str, post_logout_redirect_uri: str) -> str | None:
    """The provider's end_session_endpoint with id_token_hint and where to come back, or None
    when the discovery document offers none (or the provider cannot be reached)."""
    try:
        client = provider_client()
        meta = metadata(client)
    except OidcFailed as exc:
        log.warning("SITHS logout: no end_session (%s)", exc)
        return None
    if not meta.get("end_session_endpoint"):
        return None
    return client.create_logout_url(post_logout_redirect_uri=post_logout_redirect_uri, id_token_hint=id_token,
                                    client_id=client.client_id)["url"]
