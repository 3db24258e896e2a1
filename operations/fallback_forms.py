"""Paper order forms of the fallback routine, one per order kind (ReportLab): the patient, the
articles, the delivery and the signature, to be entered afterwards as a late entry with the
paper's date and time. Printed in the language of the page they are fetched from (the texts are
marked here and translated when drawn); a "☐" in a label is drawn as a box (Helvetica, the PDF's
standard font, has no such glyph)."""
from __future__ import annotations

import io
from functools import lru_cache

from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop as N_

FORMS = {
    "kundorder": N_("Kundorder (hjälpmedel till patient eller enhet)"),
    "arbetsorder": N_("Arbetsorder (reparation, anpassning, montering)"),
    "hamtorder": N_("Hämtorder (hämtning av hjälpmedel)"),
    "avvikelse": N_("Avvikelse / felrapport"),
}

COMMON_TOP = [(N_("Datum och klockslag"), 1), (N_("Kund (region/kommun)"), 1), (N_("Beställande enhet och HSA-id"), 1),
              (N_("Förskrivare / beställare (namn, telefon)"), 1)]
PATIENT = [(N_("Patientens personnummer / reservnummer"), 1), (N_("Patientens namn"), 1),
           (N_("Leveransadress (vistelseadress)"), 2), (N_("Kontaktperson och telefon"), 1)]
SECTIONS = {
    "kundorder": [(N_("Patient"), PATIENT), (N_("Artiklar"), [(N_("Artikelnummer – benämning – antal"), 6)]),
                  (N_("Leverans"), [(N_("Prioritet: ☐ Normal  ☐ Akut (avgift)"), 1), (N_("Önskat leveransdatum"), 1),
                                (N_("Meddelande till HMC"), 2)])],
    "arbetsorder": [(N_("Patient"), PATIENT), (N_("Uppdrag"), [(N_("Typ: ☐ Reparation ☐ Anpassning ☐ Montering ☐ Annat"), 1),
                                                     (N_("Individnummer / artikelnummer"), 1), (N_("Beskrivning"), 4)])],
    "hamtorder": [(N_("Patient"), PATIENT), (N_("Hjälpmedel att hämta"), [(N_("Individnummer – artikel – orsak"), 5)])],
    "avvikelse": [(N_("Vad gäller det"), [(N_("Typ: ☐ Negativ händelse ☐ Tillbud ☐ Reklamation"), 1),
                                      (N_("Individnummer / artikelnummer / ordernummer"), 1), (N_("När hände det"), 1),
                                      (N_("Personskada: ☐ Ja ☐ Nej"), 1), (N_("Beskrivning"), 4)])],
}


def render_form(kind: str) -> bytes:
    """The paper form of `kind` in the active language."""
    return _render(kind, translation.get_language() or "sv")


@lru_cache(maxsize=16)
def _render(kind: str, language: str) -> bytes:
    with translation.override(language):
        return _draw(kind)


def _draw(kind: str) -> bytes:
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.units import mm
    from reportlab.pdfgen import canvas

    buf = io.BytesIO()
    c = canvas.Canvas(buf, pagesize=A4, invariant=1)
    title = _(FORMS[kind])
    c.setTitle(_("Reservrutin – %(form)s") % {"form": title})
    width, height = A4
    y = height - 20 * mm
    c.setFont("Helvetica-Bold", 15)
    c.drawString(20 * mm, y, _("Lyfta reservrutin – %(form)s") % {"form": title})
    y -= 7 * mm
    c.setFont("Helvetica", 9)
    c.drawString(20 * mm, y, _("Används endast när driftinformationen säger att reservrutinen gäller. Skicka till HMC "
                               "enligt instruktionen; HMC efterregistrerar."))
    y -= 8 * mm

    def box(label: str, lines: int):
        nonlocal y
        h = 7 * mm * lines
        c.setFont("Helvetica", 8)
        x = 21 * mm
        for i, part in enumerate(_(label).split("☐")):
            if i:  # a tick box where the label had "☐"
                c.rect(x, y - 3.7 * mm, 2.6 * mm, 2.6 * mm)
                x += 3.6 * mm
            c.drawString(x, y - 3.5 * mm, part)
            x += c.stringWidth(part, "Helvetica", 8)
        c.rect(20 * mm, y - h, width - 40 * mm, h)
        y -= h + 2 * mm

    for label, lines in COMMON_TOP:
        box(label, lines)
    for heading, fields in SECTIONS[kind]:
        c.setFont("Helvetica-Bold", 11)
        c.drawString(20 * mm, y - 4 * mm, _(heading))
        y -= 7 * mm
        for label, lines in fields:
            box(label, lines)
    c.setFont("Helvetica-Bold", 11)
    c.drawString(20 * mm, y - 4 * mm, _("Underskrift"))
    y -= 7 * mm
    box(N_("Underskrift och namnförtydligande"), 2)
    box(N_("HMC: efterregistrerad (datum, signatur, ordernummer)"), 1)
    c.showPage()
    c.save()
    return buf.getvalue()
