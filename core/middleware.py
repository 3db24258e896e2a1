import re

from . import context

_REQUEST_ID_RE = re.compile(r"^[A-Za-z0-9._-]{1,64}$")


class RequestContextMiddleware:
    """Gives every request an id (honouring a sane incoming X-Request-ID) and records the
    client address for audit rows; echoes the id back in the response."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        incoming = request.headers.get("X-Request-ID", "")
        rid = incoming if _REQUEST_ID_RE.match(incoming) else None
        token = context.begin(request.META.get("REMOTE_ADDR"), request.path, rid)
        request.request_id = context.current().request_id
        try:
            response = self.get_response(request)
        finally:
            context.end(token)
        response["X-Request-ID"] = request.request_id
        return response


API_PREFIXES = ("/api/", "/fhir/")


def _accept_language(request) -> str:
    """The first supported language of an explicit Accept-Language header, or ""."""
    from django.conf import settings
    from django.utils.translation.trans_real import parse_accept_lang_header

    supported = dict(settings.LANGUAGES)
    for code, _q in parse_accept_lang_header(request.headers.get("Accept-Language", "")):
        base = code.split("-")[0].lower()
        if base in supported:
            return base
    return ""


def _user_language(request) -> str:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return ""
    return getattr(user, "language", "") or ""


def request_language(request) -> str:
    """The language of one request (documented in docs/ui.md, "Language").

    Pages: the language cookie (the switcher's explicit choice in this browser), else the
    logged-in user's language, else Swedish. The browser's Accept-Language is deliberately
    ignored: Lyfta is a Swedish workplace system and a clinician with an English browser should
    still get Swedish. API (`/api/`, `/fhir/`): an explicit Accept-Language naming a supported
    language, else the language of the user behind the session, else the cookie, else Swedish
    (system clients' bearer tokens belong to an organisation, not a user)."""
    from django.conf import settings

    supported = dict(settings.LANGUAGES)
    cookie = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME, "")
    cookie = cookie if cookie in supported else ""
    user_language = _user_language(request)
    user_language = user_language if user_language in supported else ""
    if request.path.startswith(API_PREFIXES):
        return _accept_language(request) or user_language or cookie or settings.LANGUAGE_CODE
    return cookie or user_language or settings.LANGUAGE_CODE


class SwedishFirstLocaleMiddleware:
    """Activates the request's language (`request_language`). Runs after authentication so a
    logged-in user's own language can apply."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        from django.utils import translation

        language = request_language(request)
        translation.activate(language)
        request.LANGUAGE_CODE = language
        response = self.get_response(request)
        response.headers.setdefault("Content-Language", language)
        return response
