"""Delivery note (följesedel) PDF, generated from a `Delivery` and its lines with ReportLab.
The address respects protected identity for the reader (`selectors.delivery_address_for`)."""
from __future__ import annotations

import io

from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import getSampleStyleSheet
from reportlab.lib.units import mm
from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle
from xml.sax.saxutils import escape

from .models import Delivery
from .selectors import delivery_address_for


def render_delivery_note(delivery: Delivery, principal) -> bytes:
    order = delivery.order
    styles = getSampleStyleSheet()
    buf = io.BytesIO()
    doc = SimpleDocTemplate(buf, pagesize=A4, leftMargin=18 * mm, rightMargin=18 * mm, topMargin=18 * mm,
                            bottomMargin=18 * mm, title=f"Följesedel {order.number}", author="Lyfta")
    p = lambda text, style="BodyText": Paragraph(escape(str(text)), styles[style])  # noqa: E731
    story = [p(f"Följesedel – order {order.number}", "Title")]
    meta = [
        ["Ordernummer", order.number],
        ["Leveransdatum", delivery.delivered_on.isoformat()],
        ["Kund", str(order.customer)],
        ["Beställande enhet", str(order.unit or "–")],
        ["Kostnadsställe", str(order.cost_centre or "–")],
    ]
    if order.patient_id:
        patient = order.patient
        if patient.protected_identity and not principal.is_supply:
            meta.append(["Patient", "Skyddad identitet"])
        else:
            meta.append(["Patient", f"{patient.first_name} {patient.last_name} ({patient.identity_display})"])
    meta.append(["Leveransadress", ", ".join(delivery_address_for(order, principal)) or "–"])
    meta.append(["Leveransplats", str(Delivery.Place(delivery.place).label)])
    meta.append(["Kontaktperson", f"{order.contact_name} {order.contact_phone}".strip() or "–"])
    story.append(_table([[p(a), p(b)] for a, b in meta], header=False))
    story.append(Spacer(1, 6 * mm))
    rows = [[p("Rad"), p("Artikelnr"), p("Benämning"), p("Antal"), p("Individnummer")]]
    for dl in delivery.lines.all():
        ln = dl.order_line
        rows.append([p(ln.line_no), p(ln.article.article_number), p(ln.article.name), p(dl.quantity),
                     p(dl.device.serial if dl.device_id else "–")])
    story.append(_table(rows, header=True, widths=[14 * mm, 32 * mm, 70 * mm, 16 * mm, 42 * mm]))
    story.append(Spacer(1, 8 * mm))
    story.append(p(f"Mottaget och kvitterat av: {delivery.receiver_name}"))
    story.append(p(f"Datum: {delivery.delivered_on.isoformat()}"))
    doc.build(story)
    return buf.getvalue()


def _table(rows, *, header: bool, widths=None) -> Table:
    t = Table(rows, colWidths=widths or [50 * mm, 124 * mm], hAlign="LEFT")
    style = [("GRID", (0, 0), (-1, -1), 0.4, colors.grey), ("VALIGN", (0, 0), (-1, -1), "TOP")]
    if header:
        style.append(("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#e8eef4")))
    t.setStyle(TableStyle(style))
    return t
