"""The fallback routine (reservrutin, seed 003): printable paper order forms, open without login
(the system may be down for the person who needs them; the forms hold no data)."""
from __future__ import annotations

from django.http import Http404, HttpResponse
from django.shortcuts import render

from ..fallback_forms import FORMS, render_form


def fallback_forms(request):
    return render(request, "operations/fallback/index.html", {"forms": FORMS})


def fallback_form_pdf(request, kind: str):
    if kind not in FORMS:
        raise Http404("Blanketten finns inte.")
    response = HttpResponse(render_form(kind), content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="reservrutin-{kind}.pdf"'
    response["Cache-Control"] = "public, max-age=86400"
    return response
