"""Dates on printed documents (PDFs) in the active language."""
from __future__ import annotations

import datetime as dt

from django.utils import dateformat, timezone, translation


def document_date(value: dt.date | dt.datetime | None) -> str:
    """Swedish: ISO 8601 (`2026-12-04`, SS-ISO 8601 as on Swedish forms). English: `4 Dec 2026` —
    day, month name, year, so `04/12` vs `12/04` cannot be misread by British or American readers."""
    if value is None:
        return "–"
    if isinstance(value, dt.datetime):
        value = timezone.localtime(value) if timezone.is_aware(value) else value
        value = value.date()
    if (translation.get_language() or "sv").split("-")[0] == "en":
        return dateformat.format(value, "j M Y")
    return value.isoformat()
