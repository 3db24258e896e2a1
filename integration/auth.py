from ninja.security import APIKeyCookie, HttpBearer

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


class VerifiedSessionAuth(APIKeyCookie):
    """Logged-in users of the web UI (password + TOTP). CSRF is enforced for unsafe methods."""

    param_name = "sessionid"
    openapi_description = "Session of a user logged in with password and TOTP."

    def __init__(self):
        super().__init__(csrf=True)

    def _get_key(self, request):
        from django.conf import settings

        return request.COOKIES.get(settings.SESSION_COOKIE_NAME)

    def authenticate(self, request, key):
        principal = principal_for_request(request)
        return principal if principal.user is not None else None


bearer_auth = BearerTokenAuth()
session_auth = VerifiedSessionAuth()
API_AUTH = [bearer_auth, session_auth]
