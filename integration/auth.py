from django.conf import settings
from ninja.security import APIKeyCookie, HttpBearer
from ninja.utils import check_csrf

from access.principal import principal_for_client, principal_for_request
from access.services import api_client_authenticate


class BearerTokenAuth(HttpBearer):
    """System clients: `Authorization: Bearer <token>`; the token acts for one organisation."""

    openapi_description = "Bearer token for a system client, scoped to one organisation."

    def authenticate(self, request, token):
        client = api_client_authenticate(token)
        if client is None:
            return None
        principal = principal_for_client(client)
        request._lyfta_principal = principal
        return principal


class CsrfFailed(Exception):
    """An unsafe API call authenticated by the session cookie without a valid CSRF token (or
    from a foreign origin). Answered 403 with code `csrf_failed`."""

    def __init__(self, reason: str = ""):
        super().__init__(reason)
        self.reason = reason


class VerifiedSessionAuth(APIKeyCookie):
    """Logged-in users of the web UI (password + TOTP). CSRF is enforced for unsafe methods,
    with django-ninja's `APIKeyCookie(csrf=True)` mechanics (Django's CsrfViewMiddleware checks:
    token in `X-CSRFToken` matching the CSRF cookie, and Origin/Referer on HTTPS). Bearer tokens
    are tried first and are exempt: a request carrying a valid token never reaches this class."""

    param_name = "sessionid"
    openapi_description = ("Session of a user logged in with password and TOTP. Unsafe methods need the "
                           "`X-CSRFToken` header (value of the CSRF cookie).")

    def __init__(self):
        super().__init__(csrf=True)

    def _get_key(self, request):
        key = request.COOKIES.get(settings.SESSION_COOKIE_NAME)
        if not key:
            return None  # no session: nothing to protect, the answer is 401
        if self.csrf and not getattr(request, "_ninja_csrf_exempt", False):
            refusal = check_csrf(request)
            if refusal is not None:
                raise CsrfFailed("CSRF check failed")
        return key

    def authenticate(self, request, key):
        principal = principal_for_request(request)
        return principal if principal.user is not None else None


bearer_auth = BearerTokenAuth()
session_auth = VerifiedSessionAuth()
API_AUTH = [bearer_auth, session_auth]
