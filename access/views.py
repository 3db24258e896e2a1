import base64

import segno
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login, logout
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext
from django.views.decorators.http import require_http_methods, require_POST
from django_otp import login as otp_login

from core import nav

from . import oidc, services
from .decorators import require_perm
from .forms import LoginForm, TotpConfirmForm
from .principal import principal_for_request
from .roles import Perm

SESSION_MARKER_COOKIE = "lyfta_had_session"


def _safe_next(request, default="core:start"):
    nxt = request.POST.get("next") or request.GET.get("next")
    if nxt and url_has_allowed_host_and_scheme(nxt, allowed_hosts={request.get_host()},
                                               require_https=request.is_secure()):
        return nxt
    return default


@require_http_methods(["GET", "POST"])
def login_view(request):
    if request.user.is_authenticated and request.user.is_verified():
        return redirect(_safe_next(request))
    form = LoginForm(request.POST or None)
    error = None
    if request.method == "GET" and request.COOKIES.get(SESSION_MARKER_COOKIE):
        messages.info(request, gettext("Din session har gått ut på grund av inaktivitet. Logga in igen."))
    if request.method == "POST" and form.is_valid():
        try:
            user, device = services.login_check(request, **form.cleaned_data)
        except services.LoginFailed as exc:
            error = exc.message
        else:
            login(request, user)
            services.login_succeeded(user, second_factor=device is not None)
            if device is None:
                response = redirect("access:enrol")
            else:
                otp_login(request, device)
                response = redirect(_safe_next(request))
            response.set_cookie(SESSION_MARKER_COOKIE, "1", httponly=True, samesite="Lax",
                                secure=settings.SESSION_COOKIE_SECURE)
            return response
    response = render(request, "access/login.html", {"form": form, "error": error, "siths": oidc.configured(),
                                                     "next": _safe_next(request, "")}, status=400 if error else 200)
    response.delete_cookie(SESSION_MARKER_COOKIE)
    return response


@require_http_methods(["GET", "POST"])
def enrol_view(request):
    if not request.user.is_authenticated:
        return redirect("access:login")
    if request.user.is_verified():
        return redirect("core:start")
    if services.confirmed_totp_device(request.user) is not None:
        # Enrolled already but not verified in this session: must log in with a code.
        logout(request)
        return redirect("access:login")
    device = services.totp_device_for_enrolment(request.user)
    form = TotpConfirmForm(request.POST or None)
    error = None
    if request.method == "POST" and form.is_valid():
        if services.totp_enrol_confirm(request.user, device, form.cleaned_data["otp_token"]):
            otp_login(request, device)
            messages.success(request, gettext("Tvåfaktorsinloggning är aktiverad."))
            return redirect("core:start")
        error = "Koden stämde inte. Kontrollera att klockan i telefonen går rätt och ange nästa kod."
    secret = base64.b32encode(device.bin_key).decode("ascii")
    qr = segno.make(device.config_url, error="m")
    context = {
        "form": form, "error": error, "qr_svg_data_uri": qr.svg_data_uri(scale=5, dark="#000", light="#fff"),
        "secret_groups": " ".join(secret[i:i + 4] for i in range(0, len(secret), 4)),
    }
    return render(request, "access/enrol.html", context, status=400 if error else 200)


@require_POST
def logout_view(request):
    """Ends the Lyfta session; after a SITHS login also the identity provider's session, by sending
    the browser to its end_session_endpoint (when the discovery document offers one) with the ID
    token as hint, which returns it to the login page."""
    id_token = request.session.get(SITHS_ID_TOKEN_KEY)
    if request.user.is_authenticated:
        services.logout_recorded(request.user, method="siths" if id_token else "local")
    logout(request)
    messages.success(request, gettext("Du är utloggad."))
    target = None
    if id_token and oidc.configured():
        target = oidc.end_session_url(id_token, request.build_absolute_uri(reverse("access:login")))
    response = redirect(target or reverse("access:login"))
    response.delete_cookie(SESSION_MARKER_COOKIE)
    return response


SITHS_ID_TOKEN_KEY = "lyfta_siths_id_token"
SITHS_NEXT_KEY = "lyfta_siths_next"


def _siths_problem(request, *, refused: services.SithsRefused | None = None, status: int):
    from django.urls import NoReverseMatch
    from django.utils.http import urlencode

    from .validators import HSA_ID_RE

    try:
        request_url = reverse("operations:access_request_new")
    except NoReverseMatch:  # pragma: no cover - operations is always installed
        request_url = ""
    if request_url and refused and HSA_ID_RE.match(refused.hsa_id):
        request_url += "?" + urlencode({"hsa_id": refused.hsa_id})  # the form fills it in
    return render(request, "access/siths_refused.html", {
        "refused": refused, "reason": refused.reason if refused else "", "hsa_id": refused.hsa_id if refused else "",
        "access_request_url": request_url}, status=status)


@require_http_methods(["GET"])
def siths_login(request):
    """'Logga in med SITHS': to the region's identity provider (authorization request with state,
    nonce and a PKCE challenge)."""
    from django.http import Http404

    if not oidc.configured():
        raise Http404
    request.session[SITHS_NEXT_KEY] = _safe_next(request, "")
    try:
        return oidc.authorize_redirect(request)
    except oidc.OidcFailed as exc:
        services.siths_login_failed(reason=exc.reason, detail=exc.detail)
        return _siths_problem(request, status=502)


@require_http_methods(["GET"])
def siths_callback(request):
    """The identity provider's answer: code for tokens, ID token validated, user matched by
    HSA-id; a user without an account or role gets a page on how to ask for access."""
    from django.http import Http404

    if not oidc.configured():
        raise Http404
    try:
        claims, token = oidc.complete_login(request)
    except oidc.OidcFailed as exc:
        services.siths_login_failed(reason=exc.reason, detail=exc.detail)
        return _siths_problem(request, status=502 if exc.reason.endswith("_unavailable") else 400)
    cfg = oidc.config()
    try:
        user, device = services.siths_login_resolve(claims=claims, hsa_claim=cfg.hsa_claim, issuer=claims["iss"])
    except services.SithsRefused as exc:
        return _siths_problem(request, refused=exc, status=403)
    nxt = request.session.pop(SITHS_NEXT_KEY, "") or ""
    login(request, user, backend="django.contrib.auth.backends.ModelBackend")
    otp_login(request, device)  # SITHS is two-factor: the session counts as verified (django-otp)
    request.session[SITHS_ID_TOKEN_KEY] = token["id_token"]
    if not (nxt and url_has_allowed_host_and_scheme(nxt, allowed_hosts={request.get_host()},
                                                    require_https=request.is_secure())):
        nxt = reverse("core:start")
    response = redirect(nxt)
    response.set_cookie(SESSION_MARKER_COOKIE, "1", httponly=True, samesite="Lax",
                        secure=settings.SESSION_COOKIE_SECURE)
    return response


def start(request):
    principal = principal_for_request(request)
    if not principal.is_authenticated:
        return redirect("access:login")
    from core import startpage

    tiles = [i for i in nav.items() if i.key != "start" and principal.has_perm(i.permission)]
    panels = [{"template": p.template, "ctx": ctx} for p, ctx in startpage.panels_for(principal, request)]
    return render(request, "core/start.html", {"tiles": tiles, "panels": panels})


@require_perm(Perm.ACCESS_ADMIN)
@require_http_methods(["GET", "POST"])
def role_admin(request):
    """The customer's access administrator grants and revokes customer roles at the customer's
    own units (behörighetsadministration)."""
    from core.errors import DomainError, ValidationFailed
    from core.pages import apply_domain_errors

    from . import selectors
    from .forms import RoleAssignForm
    from .models import RoleAssignment, User

    units = selectors.units_administered_by(request.principal)
    form = RoleAssignForm(request.POST or None, units=units)
    if request.method == "POST" and request.POST.get("revoke"):
        assignment = RoleAssignment.objects.filter(pk=request.POST["revoke"], unit__in=units).first()
        if assignment is None:
            messages.error(request, gettext("Behörigheten finns inte eller hör inte till din organisation."))
        else:
            services.role_revoke(actor=request.principal, assignment=assignment)
            messages.success(request, gettext("Behörigheten är borttagen."))
        return redirect("access:role_admin")
    if request.method == "POST" and request.POST.get("approve"):
        from core.pages import page_action

        return page_action(request, lambda: services.cross_organisation_grant_approve(
            actor=request.principal, grant_id=int(request.POST["approve"]) if request.POST["approve"].isdigit() else 0),
            done=reverse("access:role_admin"), ok=gettext("Delad personal är godkänd."))
    ask_grant = False
    if request.method == "POST" and form.is_valid():
        user = User.objects.filter(username__iexact=form.cleaned_data["username"].strip(), is_active=True).first()
        if user is None:
            form.add_error("username", gettext("Det finns ingen aktiv användare med det användarnamnet."))
        elif request.POST.get("request_grant"):
            try:
                services.cross_organisation_grant_request(actor=request.principal, user=user,
                                                          organisation=form.cleaned_data["unit"].organisation)
            except DomainError as exc:
                form.add_error(None, exc.message)
            else:
                messages.success(request, gettext("Förfrågan är skickad till användarens organisation för godkännande."))
                return redirect("access:role_admin")
        else:
            try:
                services.role_assign(actor=request.principal, user=user, unit=form.cleaned_data["unit"],
                                     role=form.cleaned_data["role"])
            except DomainError as exc:
                if isinstance(exc, ValidationFailed):
                    apply_domain_errors(form, exc)
                else:
                    form.add_error(None, exc.message)
                ask_grant = exc.code == "cross_organisation_grant_required"
            else:
                messages.success(request, gettext("Behörigheten är tilldelad."))
                return redirect("access:role_admin")
    users = selectors.users_with_roles_at(units)
    from .models import CrossOrganisationGrant

    pending = CrossOrganisationGrant.objects.filter(home_organisation_id__in=request.principal.customer_ids,
                                                    approved_at__isnull=True).select_related("user", "organisation")
    return render(request, "access/role_admin.html", {"form": form, "users": users, "ask_grant": ask_grant,
                                                      "pending": pending},
                  status=422 if form.errors else 200)


@require_perm(Perm.ACCESS_ADMIN)
@require_http_methods(["GET", "POST"])
def competence_admin(request):
    """The customer's access admin registers prescribers' competences (förskrivningsrätt): one at
    a time, or from a spreadsheet validated row by row; and removes them."""
    from core.pages import form_page, form_submit, page_action

    from . import competences
    from .forms import CompetenceImportForm, CompetenceSetForm

    done = reverse("access:competence_admin")
    choices = list(competences.active_competences())
    action = request.POST.get("action", "") if request.method == "POST" else ""
    set_form = CompetenceSetForm(request.POST if action == "set" else None, competences=choices, prefix="set")
    import_form = CompetenceImportForm(request.POST if action == "import" else None,
                                       request.FILES if action == "import" else None, prefix="imp")
    if action == "remove":
        raw = request.POST.get("competence_id", "")
        return page_action(request, lambda: competences.prescriber_competence_remove(
            actor=request.principal, competence_id=int(raw) if raw.isdigit() else 0), done=done,
            ok=gettext("Kompetensen är borttagen."))
    if action == "set":
        ok, _row = form_submit(set_form, lambda d: competences.prescriber_competence_set(
            actor=request.principal, username=d["username"], competence_code=d["competence"], valid_to=d["valid_to"]))
        if ok:
            messages.success(request, gettext("Kompetensen är registrerad."))
            return redirect(done)
    if action == "import":
        ok, result = form_submit(import_form, lambda d: competences.prescriber_competences_import(
            actor=request.principal, rows=competences.read_competence_sheet(d["file"])))
        if ok:
            messages.success(request, gettext("%(n)s kompetenser är registrerade.") % {"n": result.written})
            return redirect(done)
    form = set_form if action == "set" else import_form if action == "import" else None
    return form_page(request, "access/competence_admin.html", {
        "set_form": set_form, "import_form": import_form, "rows": competences.competences_for_admin(
            request.principal), "today": timezone.localdate()}, form=form)


def language_switch(request):
    """The language switch (`set_language`): Django's view sets the language cookie; a logged-in
    user's choice is also kept on the account, so it follows the user to other browsers, e-mails
    and inbox messages (precedence in docs/ui.md, "Language")."""
    from django.views.i18n import set_language

    response = set_language(request)
    language = request.POST.get("language", "")
    principal = principal_for_request(request)
    if (request.method == "POST" and principal.user is not None and language in dict(settings.LANGUAGES)):
        services.user_language_set(actor=principal, user=principal.user, language=language)
    return response
