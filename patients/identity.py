"""Swedish identity numbers: personnummer, samordningsnummer and regional reservnummer.

Stored form: 12 characters, no separator. Personnummer and samordningsnummer are stored as
12 digits `YYYYMMDDNNNN` (century added when the input has 10 digits; a `+` separator means
the person is 100 or older). Checksums are verified with python-stdnum (`stdnum.se.personnummer`
for personnummer, the same Luhn check for samordningsnummer, whose day is the birth day + 60).

Reservnummer acceptance rule (regional temporary numbers, formats differ between regions):
  * 12 characters after removing spaces and one hyphen, only digits and letters A–Z;
  * the first four characters are a plausible birth year (1870 up to the current year);
  * and EITHER it contains at least one letter (e.g. `19500101-R123`, `1950RV001234`) —
    accepted as reservnummer automatically —
  * OR it is 12 digits that are not a valid personnummer/samordningsnummer (date or
    checksum fails) AND the caller explicitly asks for a reservnummer
    (`allow_reserve=True`; the form's "Reservnummer" box, the API's `identity_kind`).
    Without that explicit choice such a number is rejected as a mistyped personnummer,
    so a typo never silently becomes a reservnummer.
Reservnummer are stored upper-case and marked `identity_kind=reservnummer`.
"""
from __future__ import annotations

import datetime
import re
from dataclasses import dataclass

from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop
from stdnum import luhn
from stdnum.se import personnummer as stdnum_pnr

from core.errors import ValidationFailed

PERSONNUMMER = "personnummer"
SAMORDNINGSNUMMER = "samordningsnummer"
RESERVNUMMER = "reservnummer"

_DIGITS_RE = re.compile(r"^(\d{6}|\d{8})([-+]?)(\d{4})$")
_RESERVE_RE = re.compile(r"^(\d{4})[0-9A-Z]{8}$")

MSG_FORMAT = gettext_noop("Personnumret är inte giltigt: ange personnummer eller samordningsnummer som ÅÅÅÅMMDD-NNNN "
              "eller ÅÅMMDD-NNNN (ÅÅMMDD+NNNN för den som fyllt 100).")
MSG_DATE = gettext_noop("Personnumret är inte giltigt: datumet finns inte.")
MSG_FUTURE = gettext_noop("Personnumret är inte giltigt: födelsedatumet ligger i framtiden.")
MSG_CHECKSUM = gettext_noop("Personnumret är inte giltigt: kontrollsiffran stämmer inte.")
MSG_RESERVE = gettext_noop("Ogiltigt reservnummer: det ska vara 12 tecken och börja med födelseåret.")


@dataclass(frozen=True)
class Identity:
    number: str  # stored form, 12 characters
    kind: str

    @property
    def display(self) -> str:
        return format_identity(self.number)


def format_identity(number: str) -> str:
    """`YYYYMMDDNNNN` → `YYYYMMDD-NNNN` (the usual way to show it)."""
    if number and len(number) == 12:
        return f"{number[:8]}-{number[8:]}"
    return number or ""


def _century_year(yy: int, plus: bool, today: datetime.date) -> int:
    century = today.year // 100
    if yy > today.year % 100:
        century -= 1
    if plus:
        century -= 1
    return century * 100 + yy


def _check_digits(twelve: str, today: datetime.date) -> tuple[str | None, str | None]:
    """→ (kind, error message). Kind personnummer/samordningsnummer when valid."""
    year, month, day = int(twelve[:4]), int(twelve[4:6]), int(twelve[6:8])
    kind = PERSONNUMMER
    if day > 60:
        kind, day = SAMORDNINGSNUMMER, day - 60
    try:
        born = datetime.date(year, month, day)
    except ValueError:
        return None, _(MSG_DATE)
    if year < 1870:
        return None, _(MSG_DATE)
    if born > today:
        return None, _(MSG_FUTURE)
    if kind == PERSONNUMMER:
        if not stdnum_pnr.is_valid(twelve):
            return None, _(MSG_CHECKSUM)
    elif not luhn.is_valid(twelve[2:]):
        return None, _(MSG_CHECKSUM)
    return kind, None


def parse_identity_number(raw: str, *, allow_reserve: bool = False, today: datetime.date | None = None) -> Identity:
    """Validate and normalise; raises `ValidationFailed` (field `identity_number`) with a Swedish message."""
    today = today or datetime.date.today()
    text = re.sub(r"\s+", "", (raw or "")).upper()
    if not text:
        raise ValidationFailed(_("Ange ett personnummer."), errors={"identity_number": [_("Ange ett personnummer.")]})
    m = _DIGITS_RE.match(text)
    if m:
        head, sep, tail = m.groups()
        if len(head) == 6:
            year = _century_year(int(head[:2]), sep == "+", today)
            twelve = f"{year:04d}{head[2:]}{tail}"
        else:
            twelve = f"{head}{tail}"
        kind, error = _check_digits(twelve, today)
        if kind:
            return Identity(twelve, kind)
        if allow_reserve and len(head) == 8 and _plausible_year(twelve[:4], today):
            return Identity(twelve, RESERVNUMMER)
        raise ValidationFailed(error, errors={"identity_number": [error]})
    compact = text.replace("-", "", 1)
    rm = _RESERVE_RE.match(compact)
    if rm and _plausible_year(rm.group(1), today) and any(c.isalpha() for c in compact):
        return Identity(compact, RESERVNUMMER)
    message = _(MSG_RESERVE) if allow_reserve else _(MSG_FORMAT)
    raise ValidationFailed(message, errors={"identity_number": [message]})


def looks_like_identity_number(text: str) -> bool:
    """True when a search box entry should be treated as an identity number (not a name)."""
    compact = re.sub(r"[\s\-+]", "", text or "")
    digits = sum(c.isdigit() for c in compact)
    # Digits only (any length: a short or mistyped number gets the format message, not "no patient
    # with that name"), or a reservnummer-like mix of at least 8 digits in 10+ characters.
    return (digits > 0 and digits == len(compact)) or (len(compact) >= 10 and digits >= 8)


def _plausible_year(year: str, today: datetime.date) -> bool:
    return year.isdigit() and 1870 <= int(year) <= today.year


def known_identity_number(number: str) -> str:
    """The stored form of an identity number typed in a search or sent by a system: a valid
    personnummer or samordningsnummer, or a reservnummer that some patient has (a 12-character
    regional number fails the personnummer checks; it is accepted only when a patient has it, so a
    mistyped personnummer still gets the clear checksum or date message). Raises ValidationFailed."""
    from .models import Patient

    try:
        return parse_identity_number(number).number
    except ValidationFailed:
        try:
            reserve = parse_identity_number(number, allow_reserve=True).number
        except ValidationFailed:
            reserve = None
        if reserve and Patient.objects.filter(identity_number=reserve).exists():
            return reserve
        raise
