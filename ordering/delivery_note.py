"""Delivery note (följesedel) PDF, generated from a `Delivery` and its lines with ReportLab.
The address respects protected identity for the reader (`selectors.delivery_address_for`). Fixed
texts in the active language (the request's), dates as `core.formats.document_date`."""
from __future__ import annotations

import io
from xml.sax.saxutils import escape

from django.utils.translation import gettext as _
from django.utils.translation import pgettext
from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import getSampleStyleSheet
from reportlab.lib.units import mm
from reportlab.platypus import Image, Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

from core.formats import document_date

from .models import Delivery
from .selectors import delivery_address_for


def delivery_note_content(delivery: Delivery, principal) -> dict:
    """What the delivery note says, as plain data (also used by tests)."""
    order = delivery.order
    meta = [
        [_("Ordernummer"), order.number],
        [_("Leveransdatum"), document_date(delivery.delivered_on)],
        [_("Kund"), str(order.customer)],
        [_("Beställande enhet"), str(order.unit or "–")],
        [_("Kostnadsställe"), str(order.cost_centre or "–")],
    ]
    if order.buffer_store_id:  # a buffer order: the store counts these lines in on arrival
        store = order.buffer_store
        meta.append([pgettext("document", "Förråd"), f"{store.name} ({store.code})"])
    if order.patient_id:
        patient = order.patient
        if patient.protected_identity and not principal.is_supply:
            meta.append([_("Patient"), _("Skyddad identitet")])
        else:
            meta.append([_("Patient"), f"{patient.first_name} {patient.last_name} ({patient.identity_display})"])
    meta.append([_("Leveransadress"), ", ".join(delivery_address_for(order, principal)) or "–"])
    meta.append([_("Leveransplats"), str(Delivery.Place(delivery.place).label)])
    meta.append([_("Kontaktperson"), f"{order.contact_name} {order.contact_phone}".strip() or "–"])
    lines = []
    for dl in delivery.lines.select_related("order_line__article", "device").order_by("order_line__line_no"):
        ln = dl.order_line
        lines.append([str(ln.line_no), ln.article.article_number, ln.article.name, str(dl.quantity),
                      dl.device.serial if dl.device_id else "–"])
    title = _("Följesedel – order %(number)s") % {"number": order.number}
    if order.buffer_store_id and order.kind != "withdrawal":
        title += _(" – inleverans till förråd (räkna in raderna nedan)")
    return {"title": title, "meta": meta, "lines": lines,
            "receiver": delivery.receiver_name, "date": document_date(delivery.delivered_on),
            "signature": bytes(delivery.signature_png) if delivery.signature_png else None}


def signature_flowable(png: bytes, *, width=70 * mm) -> Image:
    """A signature PNG (drawn on the driver's phone) scaled to `width`, aspect kept."""
    from PIL import Image as PILImage

    with PILImage.open(io.BytesIO(png)) as img:
        w, h = img.size
    flow = Image(io.BytesIO(png), width=width, height=width * h / w)
    flow.hAlign = "LEFT"
    return flow


def render_delivery_note(delivery: Delivery, principal) -> bytes:
    content = delivery_note_content(delivery, principal)
    styles = getSampleStyleSheet()
    buf = io.BytesIO()
    doc = SimpleDocTemplate(buf, pagesize=A4, leftMargin=18 * mm, rightMargin=18 * mm, topMargin=18 * mm,
                            bottomMargin=18 * mm, title=content["title"], author="Lyfta")
    p = lambda text, style="BodyText": Paragraph(escape(str(text)), styles[style])  # noqa: E731
    story = [p(content["title"], "Title")]
    story.append(_table([[p(a), p(b)] for a, b in content["meta"]], header=False))
    story.append(Spacer(1, 6 * mm))
    rows = [[p(_("Rad")), p(_("Artikelnr")), p(_("Benämning")), p(_("Antal")), p(_("Individnummer"))]]
    rows += [[p(c) for c in row] for row in content["lines"]]
    story.append(_table(rows, header=True, widths=[14 * mm, 32 * mm, 70 * mm, 16 * mm, 42 * mm]))
    story.append(Spacer(1, 8 * mm))
    story.append(p(_("Mottaget och kvitterat av: %(name)s") % {"name": content["receiver"]}))
    story.append(p(_("Datum: %(date)s") % {"date": content["date"]}))
    if content["signature"]:
        story.append(p(_("Signatur (tecknad på chaufförens telefon):")))
        story.append(signature_flowable(content["signature"]))
    else:
        story.append(p(_("Signatur:") + " ______________________________"))
    doc.build(story)
    return buf.getvalue()


def _table(rows, *, header: bool, widths=None) -> Table:
    t = Table(rows, colWidths=widths or [50 * mm, 124 * mm], hAlign="LEFT")
    style = [("GRID", (0, 0), (-1, -1), 0.4, colors.grey), ("VALIGN", (0, 0), (-1, -1), "TOP")]
    if header:
        style.append(("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#e8eef4")))
    t.setStyle(TableStyle(style))
    return t
