"""Writes of the statistics: the climate factors of the reuse estimate (supply admin)."""
from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation

from access.roles import Perm
from audit.services import audit_record
from core.errors import NotFound, field_error
from core.transactions import entry_point

from ..models import Co2Factor

_PREFIX = re.compile(r"^\d{2}(\d{2})?$")
MAX_KG = Decimal("100000")


def clean_prefix(value) -> str:
    """"12 22" / "1222" / "12" -> the stored form with a space between levels ("12 22", "12")."""
    digits = re.sub(r"\s+", "", str(value or ""))
    if not _PREFIX.match(digits):
        field_error("iso_prefix", "Ange ISO-klassen med två eller fyra siffror, t.ex. 12 22.")
    return " ".join(digits[i:i + 2] for i in range(0, len(digits), 2))


def clean_kg(value) -> Decimal:
    try:
        kg = Decimal(str(value)).quantize(Decimal("0.1"))
    except (InvalidOperation, ValueError):
        field_error("kg_co2e", "Ange ett tal, t.ex. 85,5.")
    if not kg.is_finite() or kg < 0 or kg > MAX_KG:
        field_error("kg_co2e", f"Ange ett värde mellan 0 och {MAX_KG} kg CO2e.")
    return kg


@entry_point
def co2_factor_set(*, actor, iso_prefix, kg_co2e) -> Co2Factor:
    """Create or change the factor of an ISO class (audited)."""
    actor.require(Perm.CO2_FACTORS_MANAGE)
    prefix, kg = clean_prefix(iso_prefix), clean_kg(kg_co2e)
    row = Co2Factor.objects.select_for_update().filter(iso_prefix=prefix).first()
    old = str(row.kg_co2e) if row else None
    if row is None:
        row = Co2Factor.objects.create(iso_prefix=prefix, kg_co2e=kg)
    else:
        row.kg_co2e = kg
        row.save(update_fields=["kg_co2e", "updated_at"])
    audit_record(actor, "co2_factor.set", row, {"iso_prefix": prefix, "old": old, "new": str(kg)})
    return row


@entry_point
def co2_factor_delete(*, actor, factor_id) -> None:
    actor.require(Perm.CO2_FACTORS_MANAGE)
    row = Co2Factor.objects.select_for_update().filter(pk=factor_id).first()
    if row is None:
        raise NotFound("Klimatfaktorn finns inte.")
    audit_record(actor, "co2_factor.deleted", row, {"iso_prefix": row.iso_prefix, "old": str(row.kg_co2e)})
    row.delete()
