"""PDFs for service orders (ReportLab): the return receipt (återlämningskvitto) to sign at the
patient, and the fault-report label with the report number (and a Code 128 barcode) to attach
to the device. Fixed texts in the active language (the request's), dates as `core.formats.document_date`."""
from __future__ import annotations

import io
from xml.sax.saxutils import escape

from django.utils.translation import gettext as _
from reportlab.graphics.barcode import code128
from reportlab.lib import colors
from reportlab.lib.pagesizes import A4, landscape
from reportlab.lib.styles import getSampleStyleSheet
from reportlab.lib.units import mm
from reportlab.pdfgen import canvas
from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

from core.formats import document_date

from .models import ReturnReceipt


def render_return_receipt(receipt: ReturnReceipt, principal) -> bytes:
    styles = getSampleStyleSheet()
    buf = io.BytesIO()
    doc = SimpleDocTemplate(buf, pagesize=A4, leftMargin=18 * mm, rightMargin=18 * mm, topMargin=18 * mm,
                            bottomMargin=18 * mm, title=_("Återlämningskvitto %(number)s") % {"number": receipt.number}, author="Lyfta")
    p = lambda text, style="BodyText": Paragraph(escape(str(text)), styles[style])  # noqa: E731
    patient = receipt.patient
    who = (_("Skyddad identitet") if patient.protected_identity and not principal.is_supply
           else f"{patient.first_name} {patient.last_name} ({patient.identity_display})")
    story = [p(_("Återlämningskvitto %(number)s") % {"number": receipt.number}, "Title"),
             Table([[_("Kvittonummer"), receipt.number], [_("Datum"), document_date(receipt.returned_on)],
                    [_("Patient"), who], [_("Kund"), str(receipt.customer)],
                    [_("Förskrivare"), _person_name(receipt.prescriber) or receipt.created_by_label or "–"]],
                   colWidths=[45 * mm, 120 * mm]),
             Spacer(1, 8 * mm), p(_("Följande hjälpmedel har lämnats tillbaka till förskrivaren:"), "Heading3")]
    rows = [[_("Individnummer"), _("Artikelnummer"), _("Benämning")]]
    rows += [[ln.device.serial, ln.device.article.article_number, ln.device.article.name]
             for ln in receipt.lines.all()]
    table = Table(rows, colWidths=[45 * mm, 40 * mm, 85 * mm], repeatRows=1)
    table.setStyle(TableStyle([("FONTNAME", (0, 0), (-1, 0), "Helvetica-Bold"),
                               ("LINEBELOW", (0, 0), (-1, 0), 0.8, colors.black),
                               ("GRID", (0, 1), (-1, -1), 0.25, colors.grey)]))
    story += [table, Spacer(1, 18 * mm),
              p(_("Utlåningen och hyran upphör från och med kvittots datum. Hjälpmedlen transporteras till "
                  "Hjälpmedelscentralen för rekonditionering.")),
              Spacer(1, 16 * mm)]
    if receipt.signature_png:  # handed over to the driver, signed on the phone
        from .delivery_note import signature_flowable

        story += [p(_("Överlämnat till Hjälpmedelscentralens chaufför av: %(name)s") % {"name": receipt.signed_by_name}),
                  p(_("Signatur (tecknad på chaufförens telefon):")), signature_flowable(bytes(receipt.signature_png))]
    else:
        story.append(Table([[_("Underskrift patient/företrädare"), _("Underskrift förskrivare")],
                            ["\n\n_______________________________", "\n\n_______________________________"],
                            [_("Namnförtydligande"), _("Namnförtydligande")]], colWidths=[85 * mm, 85 * mm]))
    doc.build(story)
    return buf.getvalue()


def render_fault_label(order) -> bytes:
    """A 100 × 60 mm label with the report number (text and barcode), the device and the date."""
    buf = io.BytesIO()
    size = landscape((60 * mm, 100 * mm))
    c = canvas.Canvas(buf, pagesize=size)
    c.setTitle(_("Avvikelse %(number)s") % {"number": order.number})
    c.setAuthor("Lyfta")
    detail = order.fault_detail
    c.setFont("Helvetica-Bold", 14)
    c.drawString(6 * mm, size[1] - 10 * mm, _("AVVIKELSE – får ej användas"))
    c.setFont("Helvetica-Bold", 20)
    c.drawString(6 * mm, size[1] - 20 * mm, order.number)
    barcode = code128.Code128(order.number, barHeight=12 * mm, barWidth=0.35 * mm)
    barcode.drawOn(c, 4 * mm, size[1] - 36 * mm)
    c.setFont("Helvetica", 9)
    thing = detail.device.serial if detail.device_id else (detail.article.article_number if detail.article_id
                                                          else (detail.related_order.number
                                                                if detail.related_order_id else ""))
    c.drawString(6 * mm, 12 * mm, _("Avser: %(thing)s") % {"thing": thing})
    c.drawString(6 * mm, 7 * mm, _("Registrerad: %(registered)s  Händelse: %(occurred)s") % {
        "registered": document_date(order.created_at), "occurred": document_date(detail.occurred_on)})
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
