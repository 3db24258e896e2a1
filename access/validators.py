import re

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from stdnum.se import orgnr

HSA_ID_RE = re.compile(r"^SE\d{10}-[A-Za-z0-9]{1,31}$")


def validate_org_number(value: str) -> None:
    if not orgnr.is_valid(value or ""):
        raise ValidationError(
            _("Ogiltigt organisationsnummer: ange tio siffror (NNNNNN-NNNN) med korrekt kontrollsiffra."),
            code="invalid_org_number",
        )


def normalise_org_number(value: str) -> str:
    return orgnr.format(value) if orgnr.is_valid(value or "") else value


def validate_hsa_id(value: str) -> None:
    if not HSA_ID_RE.match(value or ""):
        raise ValidationError(
            _("Ogiltigt HSA-id: formatet är SE, tio siffror, bindestreck och ett tillägg, t.ex. SE2321000016-15CQ."),
            code="invalid_hsa_id",
        )
