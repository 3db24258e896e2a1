"""Paper order forms of the fallback routine, one per order kind (ReportLab): the patient, the
articles, the delivery and the signature, to be entered afterwards as a late entry with the
paper's date and time."""
from __future__ import annotations

import io
from functools import lru_cache

FORMS = {
    "kundorder": "Kundorder (hjälpmedel till patient eller enhet)",
    "arbetsorder": "Arbetsorder (reparation, anpassning, montering)",
    "hamtorder": "Hämtorder (hämtning av hjälpmedel)",
    "avvikelse": "Avvikelse / felrapport",
}

COMMON_TOP = [("Datum och klockslag", 1), ("Kund (region/kommun)", 1), ("Beställande enhet och HSA-id", 1),
              ("Förskrivare / beställare (namn, telefon)", 1)]
PATIENT = [("Patientens personnummer / reservnummer", 1), ("Patientens namn", 1),
           ("Leveransadress (vistelseadress)", 2), ("Kontaktperson och telefon", 1)]
SECTIONS = {
    "kundorder": [("Patient", PATIENT), ("Artiklar", [("Artikelnummer – benämning – antal", 6)]),
                  ("Leverans", [("Prioritet: ☐ Normal  ☐ Akut (avgift)", 1), ("Önskat leveransdatum", 1),
                                ("Meddelande till HMC", 2)])],
    "arbetsorder": [("Patient", PATIENT), ("Uppdrag", [("Typ: ☐ Reparation ☐ Anpassning ☐ Montering ☐ Annat", 1),
                                                     ("Individnummer / artikelnummer", 1), ("Beskrivning", 4)])],
    "hamtorder": [("Patient", PATIENT), ("Hjälpmedel att hämta", [("Individnummer – artikel – orsak", 5)])],
    "avvikelse": [("Vad gäller det", [("Typ: ☐ Negativ händelse ☐ Tillbud ☐ Reklamation", 1),
                                      ("Individnummer / artikelnummer / ordernummer", 1), ("När hände det", 1),
                                      ("Personskada: ☐ Ja ☐ Nej", 1), ("Beskrivning", 4)])],
}


@lru_cache(maxsize=8)
def render_form(kind: str) -> bytes:
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.units import mm
    from reportlab.pdfgen import canvas

    buf = io.BytesIO()
    c = canvas.Canvas(buf, pagesize=A4, invariant=1)
    c.setTitle(f"Reservrutin – {FORMS[kind]}")
    width, height = A4
    y = height - 20 * mm
    c.setFont("Helvetica-Bold", 15)
    c.drawString(20 * mm, y, f"Lyfta reservrutin – {FORMS[kind]}")
    y -= 7 * mm
    c.setFont("Helvetica", 9)
    c.drawString(20 * mm, y, "Används endast när driftinformationen säger att reservrutinen gäller. Skicka till HMC "
                             "enligt instruktionen; HMC efterregistrerar.")
    y -= 8 * mm

    def box(label: str, lines: int):
        nonlocal y
        h = 7 * mm * lines
        c.setFont("Helvetica", 8)
        c.drawString(21 * mm, y - 3.5 * mm, label)
        c.rect(20 * mm, y - h, width - 40 * mm, h)
        y -= h + 2 * mm

    for label, lines in COMMON_TOP:
        box(label, lines)
    for title, fields in SECTIONS[kind]:
        c.setFont("Helvetica-Bold", 11)
        c.drawString(20 * mm, y - 4 * mm, title)
        y -= 7 * mm
        for label, lines in fields:
            box(label, lines)
    c.setFont("Helvetica-Bold", 11)
    c.drawString(20 * mm, y - 4 * mm, "Underskrift")
    y -= 7 * mm
    box("Underskrift och namnförtydligande", 2)
    box("HMC: efterregistrerad (datum, signatur, ordernummer)", 1)
    c.showPage()
    c.save()
    return buf.getvalue()
