import csv
import datetime as dt

from django.apps import apps
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import render

from access.decorators import require_perm
from access.roles import Perm

from . import selectors
from .labels import view_label
from .services import audit_record


def _parse_date(value: str | None):
    try:
        return dt.date.fromisoformat(value) if value else None
    except ValueError:
        return None


@require_perm(Perm.AUDIT_VIEW)
def events(request):
    qs = selectors.audit_events(action=None)
    action = request.GET.get("action", "").strip()
    actor = request.GET.get("actor", "").strip()
    date_from = _parse_date(request.GET.get("from"))
    date_to = _parse_date(request.GET.get("to"))
    if action:
        qs = qs.filter(action__startswith=action)
    if actor:
        qs = qs.filter(actor_label__iexact=actor)
    if date_from:
        qs = qs.filter(at__date__gte=date_from)
    if date_to:
        qs = qs.filter(at__date__lte=date_to)
    page = Paginator(qs, 100).get_page(request.GET.get("page"))
    return render(request, "audit/events.html", {"page": page, "filters": request.GET})


def _find_patient_id(identity: str):
    """The patients context is above audit; look the model up at run time by its contract name."""
    identity = identity.replace("-", "").replace("+", "").strip()
    if identity.isdigit() and len(identity) < 10:
        return int(identity)
    try:
        patient_model = apps.get_model("patients", "Patient")
    except LookupError:
        return None
    if len(identity) == 10:
        return patient_model.objects.filter(identity_number__endswith=identity).values_list("pk", flat=True).first()
    return patient_model.objects.filter(identity_number=identity).values_list("pk", flat=True).first()


@require_perm(Perm.AUDIT_VIEW)
def patient_log(request):
    query = request.GET.get("patient", "").strip()
    rows, patient_id, error = None, None, None
    if query:
        patient_id = _find_patient_id(query)
        if patient_id is None:
            error = "Ingen patient med det identitetsnumret hittades."
        else:
            rows = list(selectors.patient_access_log(patient_id))
            for r in rows:
                r.view_label = view_label(r.view)
            audit_record(request.principal, "patient_access_log.extract", object_type="patients.patient",
                         object_id=str(patient_id), data={"rows": len(rows), "format": request.GET.get("format", "html")})
            if request.GET.get("format") == "csv":
                response = HttpResponse(content_type="text/csv; charset=utf-8")
                response["Content-Disposition"] = f'attachment; filename="patientlogg-{patient_id}.csv"'
                response.write("\ufeff")
                writer = csv.writer(response, delimiter=";")
                writer.writerow(["tid", "användare", "vy", "syfte", "ip", "begäran"])
                for r in rows:
                    writer.writerow([r.at.isoformat(), r.actor_label, r.view_label, r.purpose, r.ip or "",
                                     r.request_id])
                return response
    return render(request, "audit/patient_log.html", {"rows": rows, "query": query, "error": error,
                                                      "patient_id": patient_id})
