"""Access request pages: the public form (also for a SITHS user without an account, linked from
the login), the deciders' list and decision, and the first-password activation link."""
from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.tokens import default_token_generator
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.encoding import force_str
from django.utils.http import urlsafe_base64_decode
from django.utils.translation import gettext
from django.views.decorators.http import require_http_methods, require_POST

from access.decorators import require_perm
from access.models import Unit, User
from access.principal import principal_for_request
from access.roles import Perm
from access.throttle import client_ip
from core.pages import form_page, form_submit, page_action

from .. import selectors
from ..forms import AccessRequestForm, ActivateForm, DecisionForm
from ..services import access_requests as svc


@require_http_methods(["GET", "POST"])
def access_request_new(request):
    """Open to anyone (a person without access cannot log in); throttled per client address;
    the answer is the same whether or not the person already applied."""
    principal = principal_for_request(request)
    anonymous = not principal.is_authenticated
    query = (request.GET.get("q") or request.POST.get("q") or "").strip()[:100]
    units = selectors.unit_search(query)
    chosen = request.POST.get("unit", "")
    if chosen.isdigit() and all(u.pk != int(chosen) for u in units):
        units += list(Unit.objects.filter(pk=int(chosen), is_active=True).select_related("organisation"))
    form = AccessRequestForm(request.POST or None, units=units, anonymous=anonymous,
                             initial={"hsa_id": request.GET.get("hsa_id", "")[:44]})
    if request.method == "POST":
        if request.POST.get("website"):  # the honeypot: answer as if received, write nothing
            return redirect("operations:access_request_sent")
        ok, _ = form_submit(form, lambda d: svc.access_request_create(
            principal=principal, unit_id=d["unit"], role=d["role"], reason=d["reason"],
            manager_email=d["manager_email"], first_name=d.get("first_name", ""), last_name=d.get("last_name", ""),
            email=d.get("email", ""), hsa_id=d.get("hsa_id", ""), client_ip=client_ip(request)))
        if ok:
            return redirect("operations:access_request_sent")
    return form_page(request, "operations/access/new.html",
                     {"form": form, "q": query, "searched": len(query) >= 3, "anonymous": anonymous}, form=form)


def access_request_sent(request):
    return render(request, "operations/access/sent.html")


@require_perm(Perm.ACCESS_REQUEST_DECIDE)
def access_request_list(request):
    show = request.GET.get("visa", "")
    rows = selectors.access_requests_for_decider(request.principal, status=None if show == "alla" else "pending")
    return render(request, "operations/access/list.html", {"rows": rows, "show_all": show == "alla",
                                                           "sla_days": svc.sla_days(), "form": DecisionForm()})


@require_perm(Perm.ACCESS_REQUEST_DECIDE)
@require_POST
def access_request_decide(request, request_id: int):
    form = DecisionForm(request.POST)
    return page_action(request, lambda d: svc.access_request_decide(
        actor=request.principal, request_id=request_id, approve=d["decision"] == "approve", reason=d["reason"]),
        form=form, done=reverse("operations:access_request_list"),
        ok=lambda r: gettext("Ansökan är godkänd och rollen tilldelad.") if r.status == "approved"
        else gettext("Ansökan är avslagen."))


@require_http_methods(["GET", "POST"])
def account_activate(request, uidb64: str, token: str):
    try:
        user = User.objects.get(pk=int(force_str(urlsafe_base64_decode(uidb64))), is_active=True)
    except (TypeError, ValueError, OverflowError, User.DoesNotExist):
        user = None
    if user is None or user.has_usable_password() or not default_token_generator.check_token(user, token):
        raise Http404("Länken gäller inte längre.")
    form = ActivateForm(request.POST or None)
    if request.method == "POST":
        ok, _ = form_submit(form, lambda d: svc.account_activate(user=user, password1=d["new_password1"],
                                                                 password2=d["new_password2"]))
        if ok:
            messages.success(request, gettext("Lösenordet är sparat. Logga in som %(username)s och aktivera "
                                              "tvåfaktorsinloggning.") % {"username": user.username})
            return redirect("access:login")
    return form_page(request, "operations/access/activate.html", {"form": form, "username": user.username},
                     form=form)
