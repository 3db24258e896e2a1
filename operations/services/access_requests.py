"""Access requests (behörighetsansökan, DESIGN.md §8: 100 % registered within one week).

A person without access (anonymous, e.g. a SITHS user whose HSA-id has no account) or a user who
wants another role files a request; a decider approves or rejects it with a reason:
- a customer role at a customer's unit: a customer access admin of that customer;
- a supply-centre role: a supply admin.
Approval grants the role through `access.services.role_assign` (audited), creating the account
first for a person who has none (no password: an e-mailed activation link sets it; the second
factor is enrolled at the first login)."""
from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from access.models import RoleAssignment, Unit, User
from access.roles import CUSTOMER_ROLES, Perm, Role
from audit.services import audit_record
from core.errors import Conflict, IllegalTransition, NotFound, ValidationFailed, field_error
from core.message_text import Text, recipient_language
from core.transactions import entry_point

from ..models import REQUESTABLE_ROLES, AccessRequest
from ._common import TooManyRequests, clean_email, clean_text

S = AccessRequest.Status


def sla_days() -> int:
    return int(getattr(settings, "LYFTA_ACCESS_REQUEST_SLA_DAYS", 7))


def _max_per_hour() -> int:
    return int(getattr(settings, "LYFTA_ACCESS_REQUEST_MAX_PER_HOUR", 5))


def deciders_for(unit: Unit, role: str):
    """Users who decide a request for `role` at `unit`."""
    if role in CUSTOMER_ROLES:
        qs = User.objects.filter(role_assignments__role=Role.CUSTOMER_ACCESS_ADMIN,
                                 role_assignments__unit__organisation_id=unit.organisation_id)
    else:
        qs = User.objects.filter(role_assignments__role=Role.SUPPLY_ADMIN)
    return qs.filter(is_active=True).distinct().order_by("pk")


def may_decide(principal, req: AccessRequest) -> bool:
    user = getattr(principal, "user", None)
    if user is None or not principal.has_perm(Perm.ACCESS_REQUEST_DECIDE):
        return False
    if req.role in CUSTOMER_ROLES:
        return RoleAssignment.objects.filter(user=user, role=Role.CUSTOMER_ACCESS_ADMIN,
                                             unit__organisation_id=req.unit.organisation_id,
                                             unit__is_active=True).exists()
    return Role.SUPPLY_ADMIN in principal.roles


@entry_point
def access_request_create(*, principal, unit_id, role: str, reason: str, manager_email: str, first_name: str = "",
                          last_name: str = "", email: str = "", hsa_id: str = "",
                          client_ip: str | None = None) -> AccessRequest | None:
    """File a request. Anonymous requests are throttled per client address
    (`LYFTA_ACCESS_REQUEST_MAX_PER_HOUR`); an anonymous duplicate of a pending request is
    accepted without a new row (the answer never tells whether someone has applied)."""
    user = getattr(principal, "user", None)
    now = timezone.now()
    if user is None and client_ip:
        recent = AccessRequest.objects.filter(client_ip=client_ip, applicant__isnull=True,
                                              created_at__gte=now - dt.timedelta(hours=1)).count()
        if recent >= _max_per_hour():
            raise TooManyRequests(_("För många ansökningar från din adress. Försök igen om en timme."))
    try:
        unit = Unit.objects.select_related("organisation").get(pk=int(unit_id), is_active=True,
                                                               organisation__is_active=True)
    except (TypeError, ValueError, Unit.DoesNotExist):
        field_error("unit", _("Välj en enhet i listan."))
    if role not in [r.value for r in REQUESTABLE_ROLES]:
        field_error("role", _("Välj en roll."))
    if (role in CUSTOMER_ROLES) != unit.organisation.is_customer:
        field_error("role", _("Rollen finns inte vid den enheten (kundroller vid kundens enheter, HMC-roller vid "
                            "hjälpmedelscentralen)."))
    reason = clean_text(reason, "reason", _("motivering"), max_len=2000, min_len=10)
    manager_email = clean_email(manager_email, "manager_email", _("chefens e-postadress"))
    if user is not None:
        first_name = user.first_name or clean_text(first_name, "first_name", _("förnamn"), max_len=150)
        last_name = user.last_name or clean_text(last_name, "last_name", _("efternamn"), max_len=150)
        email = (user.email or "").lower() or clean_email(email, "email")
        hsa_id = user.hsa_id or (hsa_id or "").strip()
        if RoleAssignment.objects.filter(user=user, unit=unit, role=role).exists():
            field_error("role", _("Du har redan den rollen vid enheten."))
        if AccessRequest.objects.filter(applicant=user, unit=unit, role=role, status=S.PENDING).exists():
            raise Conflict(_("Du har redan en ansökan om den rollen vid enheten som väntar på beslut."))
    else:
        first_name = clean_text(first_name, "first_name", _("förnamn"), max_len=150)
        last_name = clean_text(last_name, "last_name", _("efternamn"), max_len=150)
        email = clean_email(email, "email")
        hsa_id = clean_text(hsa_id, "hsa_id", _("HSA-id"), max_len=44, required=False)
        if hsa_id:
            from django.core.exceptions import ValidationError

            from access.validators import validate_hsa_id

            try:
                validate_hsa_id(hsa_id)
            except ValidationError:
                field_error("hsa_id", _("Ange ett giltigt HSA-id, t.ex. SE2321000016-1234."))
        if AccessRequest.objects.filter(email=email, unit=unit, role=role, status=S.PENDING).exists():
            return None
    req = AccessRequest.objects.create(unit=unit, role=role, reason=reason, manager_email=manager_email,
                                       applicant=user, first_name=first_name, last_name=last_name, email=email,
                                       hsa_id=hsa_id, client_ip=client_ip if user is None else None,
                                       language=recipient_language(translation.get_language() or ""))
    audit_record(principal if user else None, "access_request.created", req,
                 {"unit": unit.pk, "role": role, "organisation": unit.organisation_id})
    _tell_deciders(req, Text(gettext_noop("Ny behörighetsansökan: %(role)s vid %(unit)s"), **_what(req)),
                   Text(gettext_noop("%(applicant)s ansöker om rollen %(role)s vid %(unit)s. Besluta under Drift → "
                                     "Behörighetsansökningar inom en vecka."), applicant=req.applicant_name,
                        **_what(req)))
    _tell_applicant_received(req)
    return req


def _what(req: AccessRequest) -> dict:
    """The role (translated when read) and the unit of a request, as params of its texts."""
    return {"role": Text.label(Role(req.role).label), "unit": req.unit.name}


def _received_texts(req: AccessRequest) -> tuple[Text, Text]:
    decider = (Text(gettext_noop("behörighetsadministratören hos %(organisation)s"),
                    organisation=req.unit.organisation.name) if req.role in CUSTOMER_ROLES
               else Text(gettext_noop("hjälpmedelscentralens administratör")))
    return (Text(gettext_noop("Behörighetsansökan mottagen: %(role)s vid %(unit)s"), **_what(req)),
            Text(gettext_noop("Vi har tagit emot din ansökan om rollen %(role)s vid %(unit)s. Den beslutas av "
                              "%(decider)s inom %(days)s dagar; du får beskedet i Lyfta och per e-post."),
                 decider=decider, days=sla_days(), **_what(req)))


def _decided_texts(req: AccessRequest) -> tuple[Text, Text]:
    if req.status == S.APPROVED:
        return (Text(gettext_noop("Behörighetsansökan godkänd: %(role)s vid %(unit)s"), **_what(req)),
                Text(gettext_noop("Din ansökan om rollen %(role)s vid %(unit)s är godkänd."), **_what(req)))
    return (Text(gettext_noop("Behörighetsansökan avslagen: %(role)s vid %(unit)s"), **_what(req)),
            Text(gettext_noop("Din ansökan om rollen %(role)s vid %(unit)s är avslagen. Motivering: %(reason)s"),
                 reason=req.decision_reason, **_what(req)))


def applicant_email(req: AccessRequest, what: str, activation_user: User | None = None) -> tuple[str, str]:
    """Subject and body of an e-mail to an applicant without an account, in the active language
    (the worker renders it inside `translation.override(req.language)`): `what` is "received"
    or "decided"."""
    from django.utils.translation import gettext

    subject, text = _received_texts(req) if what == "received" else _decided_texts(req)
    body = text.render() + "\n\n"
    if what == "decided" and activation_user is not None:
        from django.contrib.auth.tokens import default_token_generator
        from django.urls import reverse
        from django.utils.encoding import force_bytes
        from django.utils.http import urlsafe_base64_encode

        path = reverse("operations:account_activate", args=[urlsafe_base64_encode(force_bytes(activation_user.pk)),
                                                            default_token_generator.make_token(activation_user)])
        base = getattr(settings, "LYFTA_BASE_URL", "").rstrip("/")
        body += (gettext("Ditt användarnamn är %(username)s. Välj ditt lösenord här (länken gäller en gång):")
                 % {"username": activation_user.username} + f"\n{base}{path}\n\n"
                 + gettext("Vid första inloggningen aktiverar du tvåfaktorsinloggning med en autentiseringsapp.")
                 + "\n")
    elif what == "decided" and req.status == S.APPROVED:
        body += gettext("Logga in i Lyfta som vanligt.") + "\n"
    body += ("\n" if what == "decided" else "") + gettext("Detta e-postmeddelande går inte att svara på.")
    return gettext("Lyfta: %(subject)s") % {"subject": subject.render()}, body


def _tell_applicant_received(req: AccessRequest) -> None:
    """The applicant's receipt: an inbox message for a user, an e-mail for a person without an
    account (after commit, through background work, in the language the form was filled in)."""
    if req.applicant is not None:
        from ordering.flows.core import message_send
        from ordering.models import Message

        subject, text = _received_texts(req)
        message_send([req.applicant], kind=Message.Kind.INFO, subject=subject, text=text)
        return
    pk = req.pk
    transaction.on_commit(lambda: _enqueue_email(pk, "received"))


def _tell_deciders(req: AccessRequest, subject: Text, text: Text) -> None:
    """Inbox messages (and their e-mails) to the deciders, each read in the decider's language."""
    from ordering.flows.core import message_send
    from ordering.models import Message

    message_send(list(deciders_for(req.unit, req.role)), kind=Message.Kind.INFO, subject=subject, text=text)


def _username_for(email: str) -> str:
    base = "".join(ch for ch in email.split("@")[0].lower() if ch.isalnum() or ch in "._-")[:30] or "anvandare"
    name, n = base, 1
    while User.objects.filter(username__iexact=name).exists():
        n += 1
        name = f"{base}{n}"
    return name


@entry_point
def access_request_decide(*, actor, request_id, approve: bool, reason: str = "") -> AccessRequest:
    """Approve or reject a pending request; another decider's request answers 404."""
    from access import services as access_services

    actor.require(Perm.ACCESS_REQUEST_DECIDE)
    try:
        req = AccessRequest.objects.select_for_update().select_related("unit__organisation").get(pk=int(request_id))
    except (TypeError, ValueError, AccessRequest.DoesNotExist):
        raise NotFound(_("Ansökan finns inte.")) from None
    if not may_decide(actor, req):
        raise NotFound(_("Ansökan finns inte."))
    if req.status != S.PENDING:
        raise IllegalTransition(_("Ansökan är redan %(status)s.") % {"status": req.get_status_display().lower()})
    reason = clean_text(reason, "reason", _("motivering"), max_len=1000, required=not approve)
    req.decided_at, req.decided_by, req.decision_reason = timezone.now(), actor.user, reason
    activation_user = None
    if approve:
        user = req.applicant
        if user is None and req.hsa_id:
            user = User.objects.filter(hsa_id__iexact=req.hsa_id).first()  # one per HSA-id (unique)
        if user is None:
            user = access_services.user_create(actor=actor, username=_username_for(req.email), password=None,
                                               first_name=req.first_name, last_name=req.last_name, email=req.email)
            if req.hsa_id:
                User.objects.filter(pk=user.pk).update(hsa_id=req.hsa_id)
            activation_user = user
        if not user.is_active:
            raise ValidationFailed(_("Kontot är inaktiverat; aktivera det i administrationen först."))
        access_services.role_assign(actor=actor, user=user, unit=req.unit, role=req.role)
        req.status, req.granted_user = S.APPROVED, user
    else:
        req.status = S.REJECTED
    req.save(update_fields=["status", "decided_at", "decided_by", "decision_reason", "granted_user"])
    audit_record(actor, f"access_request.{req.status}", req,
                 {"unit": req.unit_id, "role": req.role, "organisation": req.unit.organisation_id,
                  "user": req.granted_user_id, "reason": reason})
    _tell_applicant(req, activation_user)
    return req


def _tell_applicant(req: AccessRequest, activation_user) -> None:
    if req.applicant is not None:
        from ordering.flows.core import message_send
        from ordering.models import Message

        subject, text = _decided_texts(req)
        message_send([req.applicant], kind=Message.Kind.INFO, subject=subject, text=text)
        return
    pk, user_id = req.pk, activation_user.pk if activation_user is not None else None
    transaction.on_commit(lambda: _enqueue_email(pk, "decided", user_id))


def _enqueue_email(request_id: int, what: str, activation_user_id: int | None = None) -> None:
    from ..tasks import send_access_request_email

    send_access_request_email.enqueue(request_id, what, activation_user_id)


def overdue_cutoff(now: dt.datetime | None = None) -> dt.datetime:
    return (now or timezone.now()) - dt.timedelta(days=sla_days())


@entry_point
def access_requests_remind_overdue(now: dt.datetime | None = None) -> int:
    """Daily: deciders get one reminder per request that passed the SLA undecided."""
    now = now or timezone.now()
    overdue = list(AccessRequest.objects.select_for_update().select_related("unit").filter(
        status=S.PENDING, reminded_at__isnull=True, created_at__lt=overdue_cutoff(now)))
    for req in overdue:
        _tell_deciders(req, Text(gettext_noop("Försenad behörighetsansökan: %(applicant)s"),
                                 applicant=req.applicant_name),
                       Text(gettext_noop("Ansökan om rollen %(role)s vid %(unit)s har väntat mer än %(days)s dagar "
                                         "på beslut."), days=sla_days(), **_what(req)))
        req.reminded_at = now
        req.save(update_fields=["reminded_at"])
    return len(overdue)


@entry_point
def account_activate(*, user, password1: str, password2: str) -> User:
    """The approved applicant sets the first password (token checked by the view)."""
    from access import services as access_services

    if password1 != password2:
        field_error("new_password2", _("Lösenorden stämmer inte överens."))
    return access_services.user_password_set(actor=None, user=user, password=password1)
