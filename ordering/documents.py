"""PDFs for service orders (ReportLab): the return receipt (återlämningskvitto) to sign at the
patient, and the fault-report label with the report number (and a Code 128 barcode) to attach
to the device."""
from __future__ import annotations

import io
from xml.sax.saxutils import escape

from reportlab.graphics.barcode import code128
from reportlab.lib import colors
from reportlab.lib.pagesizes import A4, landscape
from reportlab.lib.styles import getSampleStyleSheet
from reportlab.lib.units import mm
from reportlab.pdfgen import canvas
from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

from .models import ReturnReceipt


def render_return_receipt(receipt: ReturnReceipt, principal) -> bytes:
    styles = getSampleStyleSheet()
    buf = io.BytesIO()
    doc = SimpleDocTemplate(buf, pagesize=A4, leftMargin=18 * mm, rightMargin=18 * mm, topMargin=18 * mm,
                            bottomMargin=18 * mm, title=f"Återlämningskvitto {receipt.number}", author="Lyfta")
    p = lambda text, style="BodyText": Paragraph(escape(str(text)), styles[style])  # noqa: E731
    patient = receipt.patient
    who = ("Skyddad identitet" if patient.protected_identity and not principal.is_supply
           else f"{patient.first_name} {patient.last_name} ({patient.identity_display})")
    story = [p(f"Återlämningskvitto {receipt.number}", "Title"),
             Table([["Kvittonummer", receipt.number], ["Datum", receipt.returned_on.isoformat()],
                    ["Patient", who], ["Kund", str(receipt.customer)],
                    ["Förskrivare", _person_name(receipt.prescriber) or receipt.created_by_label or "–"]], colWidths=[45 * mm, 120 * mm]),
             Spacer(1, 8 * mm), p("Följande hjälpmedel har lämnats tillbaka till förskrivaren:", "Heading3")]
    rows = [["Individnummer", "Artikelnummer", "Benämning"]]
    rows += [[ln.device.serial, ln.device.article.article_number, ln.device.article.name]
             for ln in receipt.lines.all()]
    table = Table(rows, colWidths=[45 * mm, 40 * mm, 85 * mm], repeatRows=1)
    table.setStyle(TableStyle([("FONTNAME", (0, 0), (-1, 0), "Helvetica-Bold"),
                               ("LINEBELOW", (0, 0), (-1, 0), 0.8, colors.black),
                               ("GRID", (0, 1), (-1, -1), 0.25, colors.grey)]))
    story += [table, Spacer(1, 18 * mm),
              p("Utlåningen och hyran upphör från och med kvittots datum. Hjälpmedlen transporteras till "
                "Hjälpmedelscentralen för rekonditionering."),
              Spacer(1, 16 * mm)]
    if receipt.signature_png:  # handed over to the driver, signed on the phone
        from .delivery_note import signature_flowable

        story += [p(f"Överlämnat till Hjälpmedelscentralens chaufför av: {receipt.signed_by_name}"),
                  p("Signatur (tecknad på chaufförens telefon):"), signature_flowable(bytes(receipt.signature_png))]
    else:
        story.append(Table([["Underskrift patient/företrädare", "Underskrift förskrivare"],
                            ["\n\n_______________________________", "\n\n_______________________________"],
                            ["Namnförtydligande", "Namnförtydligande"]], colWidths=[85 * mm, 85 * mm]))
    doc.build(story)
    return buf.getvalue()


def render_fault_label(order) -> bytes:
    """A 100 × 60 mm label with the report number (text and barcode), the device and the date."""
    buf = io.BytesIO()
    size = landscape((60 * mm, 100 * mm))
    c = canvas.Canvas(buf, pagesize=size)
    c.setTitle(f"Avvikelse {order.number}")
    c.setAuthor("Lyfta")
    detail = order.fault_detail
    c.setFont("Helvetica-Bold", 14)
    c.drawString(6 * mm, size[1] - 10 * mm, "AVVIKELSE – får ej användas")
    c.setFont("Helvetica-Bold", 20)
    c.drawString(6 * mm, size[1] - 20 * mm, order.number)
    barcode = code128.Code128(order.number, barHeight=12 * mm, barWidth=0.35 * mm)
    barcode.drawOn(c, 4 * mm, size[1] - 36 * mm)
    c.setFont("Helvetica", 9)
    thing = detail.device.serial if detail.device_id else (detail.article.article_number if detail.article_id
                                                          else (detail.related_order.number
                                                                if detail.related_order_id else ""))
    c.drawString(6 * mm, 12 * mm, f"Avser: {thing}")
    c.drawString(6 * mm, 7 * mm, f"Registrerad: {order.created_at:%Y-%m-%d}  Händelse: {detail.occurred_on:%Y-%m-%d}")
    c.showPage()
    c.save()
    return buf.getvalue()


def _person_name(user) -> str:
    """A person's full name (with the HSA-id when known) rather than their user name."""
    if user is None:
        return ""
    name = user.get_full_name().strip()
    hsa = getattr(user, "hsa_id", "") or ""
    return f"{name} ({hsa})" if name and hsa else name
