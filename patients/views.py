from urllib.parse import urlencode

from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext
from django.views.decorators.http import require_http_methods

from access.decorators import require_perm
from access.models import Organisation
from access.roles import Perm
from core.errors import Conflict, NotFound, PermissionDenied, ValidationFailed

from . import selectors, services
from .forms import DETAIL_FIELDS, PatientCreateForm, PatientDetailsForm, PatientSearchForm
from .identity import looks_like_identity_number


def patient_url(patient) -> str:
    """Where a patient opens: the patient overview in ordering when it exists, else the edit page."""
    try:
        return reverse("ordering:patient", args=[patient.pk])
    except NoReverseMatch:
        return reverse("patients:detail", args=[patient.pk])


@require_perm(Perm.PATIENT_VIEW)
def search(request):
    principal = request.principal
    form = PatientSearchForm(request.GET or None)
    results, found, error, searched, care_url = [], None, None, False, ""
    if form.is_valid() and form.cleaned_data["q"].strip():
        q = form.cleaned_data["q"].strip()
        searched = True
        if looks_like_identity_number(q):
            try:
                found = selectors.patient_find_by_identity(principal, q)
            except ValidationFailed as exc:
                error = exc.message
            except selectors.CareRelationshipRequired as exc:
                error = exc.message
                care_url = reverse("patients:care_relationship") + "?" + urlencode({"identity_number": q})
            if found is not None:
                found.address = selectors.delivery_address(found, principal)
                found.url = patient_url(found)
        else:
            results = selectors.patient_search(principal, q)
            for p in results:
                p.address = selectors.delivery_address(p, principal)
                p.url = patient_url(p)
    context = {
        "form": form, "results": results, "found": found, "error": error, "searched": searched, "care_url": care_url,
        "query": form.cleaned_data["q"].strip() if searched else "",
        "can_create": principal.has_perm(Perm.PATIENT_MANAGE),
    }
    template = "patients/_search_results.html" if request.htmx else "patients/search.html"
    return render(request, template, context)


def _customers_for(principal):
    qs = Organisation.objects.filter(is_active=True).exclude(kind=Organisation.Kind.SUPPLY_CENTRE)
    if not principal.is_supply:
        qs = qs.filter(pk__in=principal.customer_ids)
    return qs.order_by("name")


@require_perm(Perm.PATIENT_MANAGE)
@require_http_methods(["GET", "POST"])
def create(request):
    principal = request.principal
    customers = _customers_for(principal)
    initial = {"customer": principal.primary_customer_id} if principal.primary_customer_id else {}
    if request.GET.get("identity_number"):
        initial["identity_number"] = request.GET["identity_number"][:20]
    form = PatientCreateForm(request.POST or None, customers=customers, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            patient = services.patient_create(
                principal, identity_number=data["identity_number"], customer=data["customer"],
                allow_reserve=data["is_reserve_number"], **{k: data[k] for k in DETAIL_FIELDS},
            )
        except (ValidationFailed, Conflict) as exc:
            form.add_domain_errors(exc)
        except PermissionDenied as exc:
            form.add_error("customer", exc.message)
        else:
            messages.success(request, gettext("Patienten är registrerad."))
            return redirect(patient_url(patient))
    status = 400 if request.method == "POST" else 200
    return render(request, "patients/form.html", {"form": form, "creating": True}, status=status)


@require_perm(Perm.PATIENT_VIEW)
def detail(request, pk: int):
    principal = request.principal
    try:
        patient = selectors.patient_get_for_view(principal, pk, "patient_detail")
    except NotFound:
        raise Http404 from None
    return render(request, "patients/detail.html", {
        "patient": patient, "can_edit": principal.has_perm(Perm.PATIENT_MANAGE)
        and principal.can_see_customer(patient.customer_id),
    })


@require_perm(Perm.PATIENT_MANAGE)
@require_http_methods(["GET", "POST"])
def edit(request, pk: int):
    principal = request.principal
    try:
        patient = selectors.patient_get_for_view(principal, pk, "patient_edit")
    except NotFound:
        raise Http404 from None
    if not principal.can_see_customer(patient.customer_id):
        # Known by exact number but another customer's responsibility: read-only.
        return render(request, "403.html", {"reason": "Patienten tillhör en annan kund och kan inte ändras här."},
                      status=403)
    form = PatientDetailsForm(request.POST or None, instance=patient)
    if request.method == "POST" and form.is_valid():
        try:
            services.patient_update(principal, patient, **{k: form.cleaned_data[k] for k in DETAIL_FIELDS})
        except ValidationFailed as exc:
            form.add_domain_errors(exc)
        else:
            messages.success(request, gettext("Patientens uppgifter är sparade."))
            return redirect(patient_url(patient))
    status = 400 if request.method == "POST" else 200
    return render(request, "patients/form.html", {"form": form, "patient": patient, "creating": False}, status=status)


@require_perm(Perm.PATIENT_VIEW)
def care_relationship(request):
    """State a care relationship with another customer's patient (patientdatalagen): a reason,
    a description, the warning that the access is logged and reviewed; then the patient opens."""
    from core.pages import form_page, form_submit

    from .forms import CareRelationshipForm

    initial = {"identity_number": request.GET.get("identity_number", "")[:20]}
    form = CareRelationshipForm(request.POST if request.method == "POST" else None, initial=initial)
    if request.method == "POST":
        done, rel = form_submit(form, lambda cd: services.care_relationship_state(
            request.principal, identity_number=cd["identity_number"], reason=cd["reason"], note=cd["note"]))
        if done:
            messages.success(request, gettext("Vårdrelationen är angiven och gäller till %(date)s.")
                             % {"date": f"{rel.expires_at:%Y-%m-%d}"})
            return redirect(patient_url(rel.patient))
    return form_page(request, "patients/care_relationship.html",
                     {"form": form, "days": services.care_relationship_days()}, form=form)


@require_perm(Perm.AUDIT_VIEW)
def care_relationship_audit(request):
    """The auditor: every cross-customer access (stated care relationship) per customer and user."""
    from access.models import User

    from .forms import CareRelationshipAuditForm

    form = CareRelationshipAuditForm(request.GET or None)
    rows = []
    if not request.GET or form.is_valid():
        cd = form.cleaned_data if request.GET else {}
        user_id = None
        if cd.get("user"):
            user_id = User.objects.filter(username=cd["user"].strip()).values_list("pk", flat=True).first() or -1
        rows = selectors.care_relationships_for_audit(
            customer_id=cd["customer"].pk if cd.get("customer") else None, user_id=user_id)
    return render(request, "patients/care_relationship_audit.html", {"form": form, "rows": rows})
