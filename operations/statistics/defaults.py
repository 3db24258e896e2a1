"""Default climate factors (kg CO2e avoided per reused device) by ISO 9999 class, seeded by
migration `operations.0002_co2_factor_defaults`; the supply admin replaces them with better data
(suppliers' EPDs, the region's own life-cycle figures) on the climate factors page.

Method (docs/operations.md, "Statistics"): a typical device's mass × cradle-to-gate factors of its
main materials from the ICE database v3.0 (Inventory of Carbon and Energy, Circular Ecology /
University of Bath: steel ≈ 2 kg CO2e/kg, aluminium ≈ 10 kg CO2e/kg at the world mix, PU foam
≈ 4 kg CO2e/kg; motors, electronics and batteries counted at ≈ 20 kg CO2e/kg), plus 10 % for
assembly and transport, rounded. They are rough estimates, not measured values."""
from __future__ import annotations

from decimal import Decimal

# (ISO prefix, kg CO2e, basis)
DEFAULT_FACTORS: tuple[tuple[str, Decimal, str], ...] = (
    ("04 33", Decimal("40"), "tryckavlastande madrass/dyna: ca 9 kg PU-skum och textil"),
    ("09 12", Decimal("30"), "toalettstol/-förhöjning: ca 8 kg stål och plast"),
    ("09 33", Decimal("25"), "duschstol/-pall: ca 6 kg aluminium och plast"),
    ("12 06", Decimal("45"), "rollator/gåbord: ca 7 kg aluminium och stål"),
    ("12 22", Decimal("85"), "manuell rullstol: ca 15 kg stål/aluminium, dyna och hjul"),
    ("12 23", Decimal("350"), "elrullstol: ca 100 kg stål, motorer, elektronik och batteri"),
    ("12 36", Decimal("180"), "personlyft: ca 40 kg stål/aluminium, motor och batteri"),
    ("18 09", Decimal("70"), "sittmöbel (arbetsstol, uppresningsfåtölj): ca 20 kg stål, skum och textil"),
    ("18 12", Decimal("250"), "vårdsäng: ca 75 kg stål, motorer och styrning"),
)
