import re

from django.http import FileResponse

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


def _accepted_language(header: str) -> str:
    """The first supported language in an Accept-Language header, by quality ("" if none)."""
    from django.conf import settings
    from django.utils.translation.trans_real import parse_accept_lang_header

    supported = dict(settings.LANGUAGES)
    for code, _quality in parse_accept_lang_header(header[:255]):
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
    """The language of one request (docs/ui.md, "Language"); the language cookie (an explicit
    choice in this browser) always wins.

    Pages: the cookie, else the logged-in user's own language, else Swedish. The browser's
    Accept-Language is deliberately ignored: Lyfta is a Swedish workplace system and a clinician
    with an English browser should still get Swedish.

    APIs (`/api/`, `/fhir/`), used by other systems that send no cookie: the cookie, else a
    supported language asked for in Accept-Language (`en`, `en-GB`, `sv;q=0.9, en;q=0.8`), else
    the language of the user behind the session, else Swedish. (System clients' bearer tokens
    belong to an organisation, not a user.)"""
    from django.conf import settings

    supported = dict(settings.LANGUAGES)
    cookie = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME, "")
    if cookie in supported:
        return cookie
    if request.path.startswith(API_PREFIXES):
        asked = _accepted_language(request.headers.get("Accept-Language", ""))
        if asked:
            return asked
    user_language = _user_language(request)
    return user_language if user_language in supported else settings.LANGUAGE_CODE


class SwedishFirstLocaleMiddleware:
    """Activates the request's language (`request_language`). Runs after authentication, so a
    logged-in user's own language can apply."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        from django.utils import translation

        language = request_language(request)
        # The thread's language is restored afterwards: a worker thread (and the test client, which
        # runs requests in the test's thread) must not keep one request's language for the next
        # request's or task's service calls.
        previous = translation.get_language()
        translation.activate(language)
        request.LANGUAGE_CODE = language
        try:
            response = self.get_response(request)
        finally:
            if previous:
                translation.activate(previous)
            else:
                translation.deactivate()
        response.headers.setdefault("Content-Language", language)
        if getattr(response, "streaming", False) and not isinstance(response, FileResponse):
            # A streamed body (CSV exports) is produced after this returns: in the request's language.
            response.streaming_content = _in_language(response.streaming_content, language)
        return response


def _in_language(chunks, language):
    from django.utils import translation

    with translation.override(language):
        yield from chunks
