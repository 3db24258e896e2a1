import datetime

import pytest

from core.errors import ValidationFailed
from patients.identity import (
    PERSONNUMMER,
    RESERVNUMMER,
    SAMORDNINGSNUMMER,
    format_identity,
    looks_like_identity_number,
    parse_identity_number,
)

TODAY = datetime.date(2026, 11, 22)


@pytest.mark.parametrize("raw", ["191212121212", "19121212-1212", "121212+1212", " 1912 1212-1212 "])
def test_personnummer_forms_normalise_to_twelve_digits(raw):
    ident = parse_identity_number(raw, today=TODAY)
    assert ident == ident.__class__("191212121212", PERSONNUMMER)
    assert ident.display == "19121212-1212"


def test_ten_digits_without_plus_is_this_century_when_possible():
    # 201212-1212: born 2020-12-12 (not 1920) since there is no plus sign.
    assert parse_identity_number("2012121212", today=TODAY).number == "202012121212"
    assert parse_identity_number("201212-1212", today=TODAY).number == "202012121212"
    assert parse_identity_number("201212+1212", today=TODAY).number == "192012121212"
    # A year after this year's two digits belongs to the previous century.
    assert parse_identity_number("401212-1218", today=TODAY).number.startswith("1940")


@pytest.mark.parametrize("raw,message", [
    ("19121212-1213", "kontrollsiffran"),
    ("19121232-1212", "datumet finns inte"),
    ("20991212-1212", "framtiden"),
    ("1212", "ÅÅÅÅMMDD-NNNN"),
    ("abc", "ÅÅÅÅMMDD-NNNN"),
])
def test_invalid_numbers_are_rejected_in_swedish(raw, message):
    with pytest.raises(ValidationFailed) as exc:
        parse_identity_number(raw, today=TODAY)
    assert message in exc.value.message
    assert exc.value.errors["identity_number"]


def test_samordningsnummer_day_plus_sixty():
    ident = parse_identity_number("19121272-1219", today=TODAY)  # 1912-12-12 + 60 days in the day field
    assert ident.kind == SAMORDNINGSNUMMER
    assert ident.number == "191212721219"
    with pytest.raises(ValidationFailed):
        parse_identity_number("19121272-1212", today=TODAY)  # wrong checksum
    with pytest.raises(ValidationFailed):
        parse_identity_number("19121292-1213", today=TODAY)  # day 32 does not exist


def test_reservnummer_with_letters_is_accepted_and_marked():
    ident = parse_identity_number("19500101-R123", today=TODAY)
    assert ident.kind == RESERVNUMMER
    assert ident.number == "19500101R123"
    assert parse_identity_number("1950rv001234", today=TODAY).number == "1950RV001234"


def test_digit_reservnummer_needs_explicit_choice():
    with pytest.raises(ValidationFailed):
        parse_identity_number("19500101-9999", today=TODAY)  # checksum fails: a typo unless stated
    ident = parse_identity_number("19500101-9999", allow_reserve=True, today=TODAY)
    assert ident.kind == RESERVNUMMER and ident.number == "195001019999"
    # A valid personnummer stays a personnummer even when reserve numbers are allowed.
    assert parse_identity_number("19121212-1212", allow_reserve=True, today=TODAY).kind == PERSONNUMMER


@pytest.mark.parametrize("raw", ["1800ABCDEFGH", "2099R1234567", "19500101R12", "1950-01-01-R1"])
def test_reservnummer_must_start_with_plausible_year_and_have_twelve_chars(raw):
    with pytest.raises(ValidationFailed):
        parse_identity_number(raw, allow_reserve=True, today=TODAY)


def test_helpers():
    assert format_identity("191212121212") == "19121212-1212"
    assert looks_like_identity_number("19121212-1212")
    assert looks_like_identity_number("121212-1212")
    assert not looks_like_identity_number("Anna Andersson")
