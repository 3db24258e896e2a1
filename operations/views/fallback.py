"""The fallback routine (reservrutin, seed 003): printable paper order forms, open without login
(the system may be down for the person who needs them; the forms hold no data), and the supply
handler's late entry of a paper order (`ordering.flows.fallback.order_late_enter`)."""
from __future__ import annotations

from django.contrib import messages
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext
from django.views.decorators.http import require_http_methods

from access.decorators import require_perm
from access.roles import Perm
from core.pages import form_page, form_submit

from ..fallback_forms import FORMS, render_form
from ..forms import LateEntryForm


def fallback_forms(request):
    return render(request, "operations/fallback/index.html", {"forms": FORMS})


def fallback_form_pdf(request, kind: str):
    if kind not in FORMS:
        raise Http404("Blanketten finns inte.")
    response = HttpResponse(render_form(kind), content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="reservrutin-{kind}.pdf"'
    response["Cache-Control"] = "public, max-age=86400"
    return response


@require_perm(Perm.FALLBACK_ENTER)
@require_http_methods(["GET", "POST"])
def late_entry(request):
    from ordering.flows import fallback

    form = LateEntryForm(request.POST or None, request.FILES or None)
    if request.method == "POST":
        ok, order = form_submit(form, lambda d: fallback.order_late_enter(request.principal, fallback.LateEntryInput(
            paper_at=d["paper_at"], signed_by=d["signed_by"], orderer=d["orderer"], unit_hsa_id=d["unit_hsa_id"],
            kind=d["kind"], patient_identity=d["patient_identity"], lines=fallback.parse_lines(d["lines"]),
            priority=d["priority"], contact_name=d["contact_name"], contact_phone=d["contact_phone"],
            note=d["note"]), d["scan"]), rename={"article_number": "lines", "quantity": "lines",
                                                 "delivery_point_id": "kind", "delivery_to": "kind"})
        if ok:
            messages.success(request, gettext("Order %(number)s är efterregistrerad (reservrutin) med blankettens tid.")
                             % {"number": order.number})
            return redirect("supply:order_handle", order_id=order.pk)
    return form_page(request, "operations/fallback/late_entry.html",
                     {"form": form, "max_age_days": fallback.max_age_days()}, form=form)
