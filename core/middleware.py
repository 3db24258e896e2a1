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


class SwedishFirstLocaleMiddleware:
    """Swedish unless the user has chosen another language (language cookie from the
    language switcher). Deliberately ignores the browser's Accept-Language: Lyfta is a Swedish
    workplace system and a clinician with an English browser should still get Swedish.

    The APIs (`/api/`, `/fhir/`) are used by other systems, which send no cookie: there a supported
    language asked for in Accept-Language (`en`, `en-GB`, `sv;q=0.9, en;q=0.8`) is honoured, so
    problem documents come in the client's language; without one they are Swedish."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        from django.conf import settings
        from django.utils import translation

        chosen = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME, "")
        if chosen not in dict(settings.LANGUAGES) and request.path.startswith(API_PREFIXES):
            chosen = _accepted_language(request.headers.get("Accept-Language", ""))
        language = chosen if chosen in dict(settings.LANGUAGES) else settings.LANGUAGE_CODE
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
