"""The run sheet (körlista) PDF for drivers without a phone (ReportLab, as the delivery note):
the run's header, each stop with address, phone, instructions and what to bring or collect, a
line to tick and sign, and the load list. Protected addresses are masked unless the reader is
the run's driver (`selectors.stop_views`). Fixed texts in the active language (the request's),
dates as `core.formats.document_date`."""
from __future__ import annotations

import io
from xml.sax.saxutils import escape

from django.utils.translation import gettext as _
from django.utils.translation import pgettext
from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import getSampleStyleSheet
from reportlab.lib.units import mm
from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

from core.formats import document_date

from .models import Run, StopKind


def render_run_sheet(run: Run, views: list, load: dict) -> bytes:
    styles = getSampleStyleSheet()
    buf = io.BytesIO()
    title = _("Körlista %(date)s – körning %(run)s") % {"date": document_date(run.date), "run": run.pk}
    doc = SimpleDocTemplate(buf, pagesize=A4, leftMargin=15 * mm, rightMargin=15 * mm, topMargin=15 * mm,
                            bottomMargin=15 * mm, title=title, author="Lyfta")
    p = lambda text, style="BodyText": Paragraph(escape(str(text)), styles[style])  # noqa: E731
    driver = run.driver.get_full_name() or run.driver.get_username()
    story = [p(title, "Title"), p(_("Chaufför: %(driver)s    Fordon: %(vehicle)s    Stopp: %(stops)s") % {
                 "driver": driver, "vehicle": run.vehicle or "–", "stops": len(views)}),
             Spacer(1, 4 * mm)]
    rows = [[p(_("Nr")), p(_("Order")), p(_("Adress och kontakt")), p(_("Ta med / hämta")), p(_("Utfört / signatur"))]]
    for v in views:
        kind = StopKind(v.stop.kind).label
        where = "<br/>".join(escape(x) for x in v.address_lines) or "–"
        if v.phone:
            where += "<br/>" + escape(_("Tel: %(phone)s") % {"phone": v.phone})
        if v.instructions:
            where += f"<br/><i>{escape(v.instructions)}</i>"
        goods = [f"{escape(n)} {escape(name)} × {q}" + (f" ({escape(s)})" if s else "") for n, name, q, s in v.bring]
        goods += [escape(_("Hämta %(serial)s %(name)s") % {"serial": s, "name": name}) for s, _n, name in v.collect]
        rows.append([p(str(v.stop.position)), Paragraph(f"{escape(v.order.number)}<br/>{escape(str(kind))}",
                                                       styles["BodyText"]),
                     Paragraph(where, styles["BodyText"]), Paragraph("<br/>".join(goods) or "–", styles["BodyText"]),
                     p(_("[  ] klart   [  ] ingen hemma") + "\n\n________________")])
    t = Table(rows, colWidths=[10 * mm, 30 * mm, 62 * mm, 48 * mm, 30 * mm], repeatRows=1)
    t.setStyle(TableStyle([("GRID", (0, 0), (-1, -1), 0.4, colors.grey), ("VALIGN", (0, 0), (-1, -1), "TOP"),
                           ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#e8eef4"))]))
    story += [t, Spacer(1, 6 * mm), p(_("Lastlista"), "Heading2")]
    load_rows = [[p(pgettext("document", "Stopp")), p(_("Order")), p(_("Artikel")), p(_("Antal / individ"))]]
    load_rows += [[p(r["position"]), p(r["order"]), p(f"{r['article_number']} {r['name']}"),
                   p(f"{r['quantity']}" + (f" ({r['serial']})" if r["serial"] else ""))] for r in load["bring"]]
    load_rows += [[p(r["position"]), p(r["order"]),
                   p(_("Hämta: %(article_number)s %(name)s") % {"article_number": r["article_number"], "name": r["name"]}),
                   p(r["serial"])]
                  for r in load["collect"]]
    lt = Table(load_rows, colWidths=[14 * mm, 30 * mm, 100 * mm, 36 * mm], repeatRows=1)
    lt.setStyle(TableStyle([("GRID", (0, 0), (-1, -1), 0.4, colors.grey)]))
    story.append(lt)
    doc.build(story)
    return buf.getvalue()
