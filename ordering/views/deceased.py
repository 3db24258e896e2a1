"""Customer-side pages for a deceased patient (docs/prescribing.md "Deceased patient"): record the
date from the patient view; then the proposed pickup of every device on loan, in one click."""
from __future__ import annotations

from django.urls import reverse
from django.utils.translation import gettext
from django.views.decorators.http import require_POST

from access.decorators import require_perm
from access.roles import Perm
from core.pages import page_action

from ..flows import deceased
from ..forms.deceased import DeceasedForm


def _result_text(result) -> str:
    parts = ["Patienten är registrerad som avliden."]
    if result.stopped:
        parts.append(gettext("Stoppade ordrar: %(orders)s.") % {"orders": ", ".join(result.stopped)})
    if result.left:
        parts.append(gettext("Pågår fortfarande: %(orders)s.") % {"orders": ", ".join(result.left)})
    if result.devices:
        parts.append(gettext("Föreslagen hämtning av %(n)s hjälpmedel: välj ”Beställ hämtning av alla”.")
                     % {"n": len(result.devices)})
    return " ".join(parts)


@require_POST
@require_perm(Perm.PATIENT_MANAGE)
def patient_deceased(request, patient_id: int):
    done = reverse("ordering:patient_view", args=[patient_id])
    return page_action(request, lambda d: deceased.patient_deceased_record(request.principal, patient_id, on=d["on"]),
                       form=DeceasedForm(request.POST), done=done, ok=_result_text)


@require_POST
@require_perm(Perm.ORDER_CREATE)
def patient_pickup_all(request, patient_id: int):
    done = reverse("ordering:patient_view", args=[patient_id])
    return page_action(request, lambda: deceased.patient_pickup_all(request.principal, patient_id), done=done,
                       ok=lambda o: gettext("Hämtorder %(number)s är skapad för alla utlånade hjälpmedel.") % {"number": o.number})
