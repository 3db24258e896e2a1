"""One input-sanitising layer for the API and the web UI alike.

Before any view runs, `InputSanitizingMiddleware` refuses requests whose input no view can
handle safely, instead of letting them reach the database or the date arithmetic and end in a
500:

- a request body larger than `DATA_UPLOAD_MAX_MEMORY_SIZE` (multipart uploads: file parts are
  exempt, Django checks the other fields) → 413 `payload_too_large`;
- a NUL byte or a lone UTF-16 surrogate in the path, a query parameter, a form field or a JSON
  string (names and values) → 422 `invalid_input`, naming the field (`path` for the path);
- an ISO date (`YYYY-MM-DD`, optionally with a time) outside the years 1900–2200 in any of those
  places → 422 `invalid_input` (`date_to=9999-12-31` used to overflow `date + 1 day`).

API paths (`/api/`) answer with an RFC 9457 problem document, the UI with a Swedish error page
(`core/input_error.html`). See docs/contracts.md.
"""
from __future__ import annotations

import json
import re
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import RequestDataTooBig, TooManyFieldsSent
from django.http.multipartparser import MultiPartParserError
from django.shortcuts import render
from django.utils.translation import gettext as _

from .problem import problem_response

MIN_YEAR = 1900
MAX_YEAR = 2200

_ISO_DATE_RE = re.compile(
    r"^(?P<year>\d{4,})-\d{2}-\d{2}(?:[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:Z|[+-]\d{2}:?\d{2})?)?$")
CHECKED_HEADERS = ("Idempotency-Key",)  # headers whose values reach the database
_FORM_TYPES = ("application/x-www-form-urlencoded", "multipart/form-data")


@dataclass(frozen=True)
class InputProblem:
    field: str
    code: str
    message: str

    def as_dict(self) -> dict:
        return {"field": self.field, "code": self.code, "message": self.message}


def check_text(field: str, value: str) -> InputProblem | None:
    """The problem with one text value, or None."""
    if "\x00" in value:
        return InputProblem(field, "nul_byte", _("Fältet innehåller ett otillåtet tecken (NUL)."))
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        return InputProblem(field, "lone_surrogate", _("Fältet innehåller ogiltig teckenkodning."))
    match = _ISO_DATE_RE.match(value) if len(value) <= 40 else None
    if match and not MIN_YEAR <= int(match["year"]) <= MAX_YEAR:
        return InputProblem(field, "date_out_of_range",
                            _("Datumet måste ligga mellan år %(min)s och %(max)s.") % {"min": MIN_YEAR,
                                                                                      "max": MAX_YEAR})
    return None


def check_querydict(data) -> list[InputProblem]:
    problems = []
    for key, values in data.lists():
        name_problem = check_text(key, key)
        if name_problem is not None and name_problem.code != "date_out_of_range":
            problems.append(InputProblem(repr_field(key), name_problem.code, name_problem.message))
            continue
        for value in values:
            problem = check_text(key, value) if isinstance(value, str) else None
            if problem is not None:
                problems.append(problem)
                break
    return problems


def repr_field(name: str) -> str:
    """A field name that is safe to echo back (NUL and surrogates escaped)."""
    return name.encode("utf-8", "backslashreplace").decode("utf-8").replace("\x00", "\\x00")


def check_json(value, path: str = "") -> list[InputProblem]:
    """Problems in every string (object keys included) of a parsed JSON document. Paths use the
    same form as schema validation errors: `lines.0.article_number`."""
    problems: list[InputProblem] = []
    stack = [(path, value)]
    while stack:
        where, item = stack.pop()
        if isinstance(item, str):
            problem = check_text(where, item)
            if problem is not None:
                problems.append(problem)
        elif isinstance(item, dict):
            for key, sub in item.items():
                key_problem = check_text(key, key)
                if key_problem is not None and key_problem.code != "date_out_of_range":
                    problems.append(InputProblem(repr_field(f"{where}.{key}" if where else key), key_problem.code,
                                                 key_problem.message))
                    continue
                stack.append((f"{where}.{key}" if where else key, sub))
        elif isinstance(item, list):
            for i, sub in enumerate(item):
                stack.append((f"{where}.{i}" if where else str(i), sub))
    problems.sort(key=lambda p: p.field)
    return problems


def is_api(request) -> bool:
    return request.path.startswith("/api/")


def too_large_response(request):
    limit_mb = settings.DATA_UPLOAD_MAX_MEMORY_SIZE / (1024 * 1024)
    detail = _("Begärans innehåll är större än gränsen på %(mb)s MB.") % {"mb": f"{limit_mb:g}"}
    if is_api(request):
        return problem_response(413, _("För stor begäran"), detail, code="payload_too_large")
    return render(request, "core/input_error.html", {"title": _("För stor begäran"), "detail": detail,
                                                     "problems": []}, status=413)


def too_many_fields_response(request):
    detail = _("Begäran innehåller för många fält.")
    if is_api(request):
        return problem_response(400, _("Felaktig begäran"), detail, code="too_many_fields")
    return render(request, "core/input_error.html", {"title": _("Felaktig begäran"), "detail": detail,
                                                     "problems": []}, status=400)


def malformed_body_response(request):
    detail = _("Begärans innehåll kunde inte läsas (felaktig multipart-data).")
    if is_api(request):
        return problem_response(400, _("Felaktig begäran"), detail, code="malformed_body")
    return render(request, "core/input_error.html", {"title": _("Felaktig begäran"), "detail": detail,
                                                     "problems": []}, status=400)


def invalid_input_response(request, problems: list[InputProblem]):
    detail = _("Begäran innehåller otillåtna tecken eller värden i: %(fields)s.") % {
        "fields": ", ".join(p.field for p in problems)}
    if is_api(request):
        return problem_response(422, _("Ogiltiga uppgifter"), detail, code="invalid_input",
                                errors=[p.as_dict() for p in problems])
    return render(request, "core/input_error.html", {"title": _("Ogiltiga uppgifter"), "detail": detail,
                                                     "problems": problems}, status=422)


def _content_length(request) -> int:
    try:
        return int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        return 0


class InputSanitizingMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.check(request)
        if response is not None:
            return response
        return self.get_response(request)

    def check(self, request):
        limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
        content_type = (request.content_type or "").lower()
        if limit is not None and content_type != "multipart/form-data" and _content_length(request) > limit:
            return too_large_response(request)
        problems = []
        path_problem = check_text("path", request.path_info)
        if path_problem is not None and path_problem.code != "date_out_of_range":
            problems.append(path_problem)  # e.g. /api/v1/stock/devices/A%00 (a string path parameter)
        for header in CHECKED_HEADERS:
            value = request.headers.get(header)
            header_problem = check_text(header, value) if value else None
            if header_problem is not None and header_problem.code != "date_out_of_range":
                problems.append(header_problem)
        problems += check_querydict(request.GET)
        if request.method not in ("GET", "HEAD", "OPTIONS"):
            try:
                if content_type == "multipart/form-data":
                    if limit is None or _content_length(request) <= limit:
                        request.body  # noqa: B018 - keep the raw body readable after POST is parsed
                    elif is_api(request):
                        # A large upload to the API: file endpoints parse it themselves (file parts
                        # only), a JSON endpoint reads the body and answers 413.
                        return None
                    problems += check_querydict(request.POST)
                elif content_type in _FORM_TYPES:
                    problems += check_querydict(request.POST)
                elif content_type == "application/json" or content_type.endswith("+json"):
                    problems += self._check_json_body(request)
            except RequestDataTooBig:
                return too_large_response(request)
            except TooManyFieldsSent:
                return too_many_fields_response(request)
            except MultiPartParserError:  # e.g. multipart/form-data without a boundary
                return malformed_body_response(request)
        if problems:
            return invalid_input_response(request, problems)
        return None

    @staticmethod
    def _check_json_body(request) -> list[InputProblem]:
        body = request.body
        if not body:
            return []
        try:
            data = json.loads(body)
        except (ValueError, UnicodeDecodeError):
            return []  # not JSON: the endpoint's parser answers 400
        return check_json(data)
