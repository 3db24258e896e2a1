"""Writes for organisations, users, roles, login and API clients. Each is atomic and audited."""
from __future__ import annotations

import datetime as dt
import hashlib
import secrets

from django.conf import settings
from django.contrib.auth import authenticate
from django.contrib.auth.signals import user_login_failed
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop
from django_otp.plugins.otp_totp.models import TOTPDevice

from audit.services import audit_record
from core.cache import Generation
from core.errors import Conflict, ValidationFailed

from .models import (
    ApiClient,
    CostCentre,
    CrossOrganisationGrant,
    DeliveryPoint,
    Organisation,
    RoleAssignment,
    Unit,
    User,
)


def _clean_or_raise(obj) -> None:
    try:
        obj.full_clean()
    except DjangoValidationError as exc:
        errors = exc.message_dict if hasattr(exc, "error_dict") else {"__all__": exc.messages}
        first = next(iter(errors.values()))[0]
        raise ValidationFailed(first, errors=errors) from exc


def _save_new(obj, actor, action: str):
    _clean_or_raise(obj)
    try:
        with transaction.atomic():
            obj.save()
    except IntegrityError as exc:
        raise Conflict(_("Posten finns redan (dubblett).")) from exc
    audit_record(actor, action, obj)
    return obj


# --- organisations -----------------------------------------------------------------

@transaction.atomic
def organisation_create(*, actor, name: str, kind: str, org_number: str) -> Organisation:
    from .validators import normalise_org_number

    return _save_new(Organisation(name=name, kind=kind, org_number=normalise_org_number(org_number)), actor,
                     "organisation.create")


@transaction.atomic
def cost_centre_create(*, actor, organisation: Organisation, code: str, name: str) -> CostCentre:
    return _save_new(CostCentre(organisation=organisation, code=code, name=name), actor, "cost_centre.create")


@transaction.atomic
def unit_create(*, actor, organisation: Organisation, name: str, hsa_id: str, parent: Unit | None = None,
                default_cost_centre: CostCentre | None = None) -> Unit:
    if parent is not None and parent.organisation_id != organisation.pk:
        raise ValidationFailed(_("Överordnad enhet måste tillhöra samma organisation."), errors={"parent": [_("fel organisation")]})
    return _save_new(Unit(organisation=organisation, name=name, hsa_id=hsa_id, parent=parent,
                          default_cost_centre=default_cost_centre), actor, "unit.create")


@transaction.atomic
def delivery_point_create(*, actor, unit: Unit, name: str, street: str, postal_code: str, city: str,
                          instructions: str = "") -> DeliveryPoint:
    return _save_new(DeliveryPoint(unit=unit, name=name, street=street, postal_code=postal_code, city=city,
                                   instructions=instructions), actor, "delivery_point.create")


# --- users and roles ---------------------------------------------------------------

@transaction.atomic
def user_create(*, actor, username: str, password: str | None, first_name: str = "", last_name: str = "",
                email: str = "", is_staff: bool = False) -> User:
    if User.objects.filter(username__iexact=username).exists():
        raise Conflict(_("Användarnamnet %(username)s används redan.") % {"username": username})
    user = User(username=username, first_name=first_name, last_name=last_name, email=email, is_staff=is_staff)
    if password:
        user.set_password(password)
    else:
        user.set_unusable_password()
    user.last_activity_at = timezone.now()
    user.save()
    audit_record(actor, "user.create", user)
    return user


@transaction.atomic
def user_password_set(*, actor, user: User, password: str) -> User:
    """Set a user's password (first activation after an approved access request); checked by the
    password validators, audited. The second factor is enrolled at the first login as usual."""
    from django.contrib.auth.password_validation import validate_password

    try:
        validate_password(password, user)
    except DjangoValidationError as exc:
        raise ValidationFailed(exc.messages[0], errors={"new_password1": exc.messages}) from exc
    user.set_password(password)
    user.save(update_fields=["password"])
    audit_record(actor, "user.password_set", user)
    return user


@transaction.atomic
def user_language_set(*, actor, user: User, language: str) -> User:
    """The user's own language (language switch, profile page): used for the pages when no
    language cookie overrides it, for e-mails sent to the user and for inbox messages."""
    from django.utils.translation import gettext

    if language not in dict(settings.LANGUAGES):
        message = gettext("Språket finns inte.")
        raise ValidationFailed(message, errors={"language": [message]})
    if user.language != language:
        old = user.language
        user.language = language
        user.save(update_fields=["language"])
        audit_record(actor, "user.language_set", user, {"from": old, "to": language})
    return user


@transaction.atomic
def role_assign(*, actor, user: User, unit: Unit, role: str) -> RoleAssignment:
    from .roles import CUSTOMER_ROLES, SUPPLY_ROLES, Role

    org = unit.organisation
    if role in CUSTOMER_ROLES and not org.is_customer:
        raise ValidationFailed(_("Kundroller kan bara tilldelas vid en kunds enhet."), errors={"role": [_("fel sida")]})
    if role in SUPPLY_ROLES and org.is_customer:
        raise ValidationFailed(_("HMC-roller kan bara tilldelas vid hjälpmedelscentralens enheter."),
                               errors={"role": [_("fel sida")]})
    if role not in Role.values:
        raise ValidationFailed(_("Okänd roll."), errors={"role": [_("okänd")]})
    _check_same_customer_or_grant(actor, user, org)
    ra, created = RoleAssignment.objects.get_or_create(user=user, unit=unit, role=role)
    if created:
        audit_record(actor, "role.assign", ra, {"user": user.pk, "unit": unit.pk, "role": role})
    return ra


def user_home_organisation_ids(user: User) -> set[int]:
    """The organisations where the user holds a role (their own, for the grant rule)."""
    return set(RoleAssignment.objects.filter(user=user).values_list("unit__organisation_id", flat=True))


def _customer_admin(actor) -> bool:
    """A customer's access admin acting (not the system admin or the supply centre's staff)."""
    return bool(getattr(actor, "customer_ids", None)) and not getattr(actor, "is_supply", True)


def _check_same_customer_or_grant(actor, user: User, org: Organisation) -> None:
    """A customer's access admin grants roles only to users of the same customer, or to shared
    staff under a cross-organisation grant that the user's own organisation approved."""
    if not _customer_admin(actor):
        return
    homes = user_home_organisation_ids(user)
    if not homes or org.pk in homes:
        return
    if CrossOrganisationGrant.objects.filter(user=user, organisation=org, approved_at__isnull=False).exists():
        return
    raise ValidationFailed(_("Användaren hör till en annan organisation. Begär godkännande av delad personal från "
                           "användarens organisation först."), code="cross_organisation_grant_required",
                           errors={"username": [_("Användaren hör till en annan organisation.")]})


@transaction.atomic
def cross_organisation_grant_request(*, actor, user: User, organisation: Organisation) -> CrossOrganisationGrant:
    """The organisation that wants to give roles to another organisation's user asks for it."""
    from .roles import Perm

    actor.require(Perm.ACCESS_ADMIN)
    if organisation.pk not in actor.customer_ids:
        raise ValidationFailed(_("Du administrerar inte den organisationen."), errors={"unit": [_("fel organisation")]})
    homes = user_home_organisation_ids(user) - {organisation.pk}
    if not homes:
        raise ValidationFailed(_("Användaren hör redan till er organisation; inget godkännande behövs."),
                               code="cross_organisation_grant_not_needed")
    home = Organisation.objects.get(pk=min(homes))
    grant, created = CrossOrganisationGrant.objects.get_or_create(
        user=user, organisation=organisation,
        defaults={"home_organisation": home, "requested_by": getattr(actor, "user", None)})
    if created:
        audit_record(actor, "access.cross_org_grant_requested", grant,
                     {"user": user.pk, "organisation": organisation.pk, "home_organisation": home.pk})
    return grant


@transaction.atomic
def cross_organisation_grant_approve(*, actor, grant_id: int) -> CrossOrganisationGrant:
    """An access admin of the user's own organisation approves (audited for both organisations)."""
    from django.utils import timezone

    from core.errors import NotFound

    from .roles import Perm

    actor.require(Perm.ACCESS_ADMIN)
    grant = CrossOrganisationGrant.objects.select_for_update().filter(
        pk=grant_id, home_organisation_id__in=actor.customer_ids).first()
    if grant is None:
        raise NotFound(_("Förfrågan finns inte."))
    if grant.approved_at is None:
        grant.approved_by, grant.approved_at = getattr(actor, "user", None), timezone.now()
        grant.save(update_fields=["approved_by", "approved_at"])
        for side in (grant.home_organisation_id, grant.organisation_id):
            audit_record(actor, "access.cross_org_grant_approved", grant,
                         {"user": grant.user_id, "organisation": grant.organisation_id,
                          "home_organisation": grant.home_organisation_id, "side": side})
    return grant


@transaction.atomic
def role_revoke(*, actor, assignment: RoleAssignment) -> None:
    audit_record(actor, "role.revoke", assignment,
                 {"user": assignment.user_id, "unit": assignment.unit_id, "role": assignment.role})
    assignment.delete()


# --- login -------------------------------------------------------------------------

class LoginFailed(Exception):
    def __init__(self, message: str, *, locked: bool = False):
        super().__init__(message)
        self.message = message
        self.locked = locked


GENERIC_LOGIN_ERROR = gettext_noop("Fel användarnamn, lösenord eller engångskod.")


def confirmed_totp_device(user: User) -> TOTPDevice | None:
    return TOTPDevice.objects.filter(user=user, confirmed=True).first()


def _register_failure(request, user: User | None, username: str, reason: str) -> None:
    """Audit a failed login. Throttling is django-axes' (per client IP and user name, see
    access.throttle): a wrong code after a right password counts as a failure there too."""
    data = {"username": username[:150], "reason": reason}
    if user is not None:
        User.objects.filter(pk=user.pk).update(failed_login_count=F("failed_login_count") + 1)
    if reason != "password" and request is not None:
        # authenticate() already told axes about a wrong password; tell it about the rest.
        user_login_failed.send(sender=__name__, credentials={"username": username}, request=request)
    audit_record(None, "login.failed", user, data, object_type="" if user else "access.user")


def login_check(request, *, username: str, password: str, otp_token: str) -> tuple[User, TOTPDevice | None]:
    """Check username, password and (for enrolled users) the TOTP code. Returns the user and
    the verified device (None when the user must enrol). Raises LoginFailed."""
    username = (username or "").strip()
    user = User.objects.filter(username__iexact=username).first() if username else None
    now = timezone.now()
    if user is not None and user.locked_until and user.locked_until > now:
        audit_record(None, "login.refused_locked", user, {"username": username})
        minutes = max(1, int((user.locked_until - now).total_seconds() // 60) + 1)
        raise LoginFailed(_("Kontot är tillfälligt låst efter för många misslyckade försök. Försök igen om %(minutes)s minuter.") % {"minutes": minutes},
                          locked=True)
    if user is not None and user.is_demo and not settings.LYFTA_DEMO_MODE:
        _register_failure(request, user, username, "demo_account_outside_demo")
        raise LoginFailed(_(GENERIC_LOGIN_ERROR))
    authed = authenticate(request, username=user.username if user else username, password=password)
    if authed is None:
        _register_failure(request, user, username, "password")
        raise LoginFailed(_(GENERIC_LOGIN_ERROR))
    device = confirmed_totp_device(authed)
    if device is not None:
        token = (otp_token or "").replace(" ", "")
        device = totp_verify_locked(device, token)
        if device is None:
            _register_failure(request, authed, username, "otp")
            raise LoginFailed(_("Fel eller redan använd engångskod. Vänta på nästa kod i appen och försök igen."))
    return authed, device


def totp_verify_locked(device: TOTPDevice, token: str) -> TOTPDevice | None:
    """Verify a TOTP code with the device row locked, so one code is accepted once even when two
    logins carry it at the same moment: the second waits for the lock, then reads the `last_t`
    the first one wrote and refuses the code (django-otp refuses counters <= last_t).
    Returns the refreshed device on success, None otherwise."""
    if not token.isdigit():
        return None
    with transaction.atomic():
        locked = TOTPDevice.objects.select_for_update().get(pk=device.pk)
        ok = locked.verify_token(token)  # writes last_t (or the throttle counter) inside the lock
    return locked if ok else None


@transaction.atomic
def login_succeeded(user: User, *, second_factor: bool) -> None:
    User.objects.filter(pk=user.pk).update(failed_login_count=0, locked_until=None, last_activity_at=timezone.now())
    audit_record(user, "login.success" if second_factor else "login.password_ok_enrolment_required", user)


def logout_recorded(user: User, *, method: str = "local") -> None:
    audit_record(user, "logout", user, {"method": method} if method != "local" else None)


# --- SITHS login (OpenID Connect, access.oidc) ------------------------------------

class SithsRefused(Exception):
    """A validated SITHS login that Lyfta does not let in. `reason`: no_hsa_claim, unknown_hsa_id,
    ambiguous_hsa_id, inactive, demo_account, no_role."""

    def __init__(self, reason: str, hsa_id: str = ""):
        super().__init__(reason)
        self.reason = reason
        self.hsa_id = hsa_id


def _claim_text(value) -> str:
    return value.strip()[:44] if isinstance(value, str) else ""


def siths_login_resolve(*, claims: dict, hsa_claim: str, issuer: str):
    """The user a validated ID token names, by the HSA-id in claim `hsa_claim` (case-insensitive,
    exactly one active account with at least one role). Records the login (audit `login.success`,
    method siths) and returns (user, its SITHS device for django-otp). Refuses with SithsRefused
    (audited `login.siths_refused` with the reason, committed) otherwise; writes nothing else then."""
    from .models import SithsDevice

    sub = _claim_text(claims.get("sub")) if isinstance(claims.get("sub"), str) else ""
    hsa_id = _claim_text(claims.get(hsa_claim))
    base = {"method": "siths", "issuer": issuer[:300], "sub": sub[:255], "hsa_id": hsa_id}

    def refuse(reason: str, user: User | None = None):
        audit_record(None, "login.siths_refused", user, {**base, "reason": reason},
                     object_type="" if user else "access.user")
        return SithsRefused(reason, hsa_id)

    if not hsa_id:
        raise refuse("no_hsa_claim")
    users = list(User.objects.filter(hsa_id__iexact=hsa_id)[:2])
    if not users:
        raise refuse("unknown_hsa_id")
    if len(users) > 1:
        raise refuse("ambiguous_hsa_id")
    user = users[0]
    if not user.is_active:
        raise refuse("inactive", user)
    if user.is_demo and not settings.LYFTA_DEMO_MODE:
        raise refuse("demo_account", user)
    if not user.is_superuser and not RoleAssignment.objects.filter(user=user).exists():
        raise refuse("no_role", user)
    now = timezone.now()
    with transaction.atomic(durable=True):
        device, _created = SithsDevice.objects.get_or_create(
            user=user, issuer=issuer[:300], subject=sub[:255], defaults={"name": "SITHS", "confirmed": True})
        SithsDevice.objects.filter(pk=device.pk).update(last_login_at=now, confirmed=True)
        device.confirmed = True
        User.objects.filter(pk=user.pk).update(failed_login_count=0, locked_until=None, last_activity_at=now)
        audit_record(user, "login.success", user, base)
    return user, device


def siths_login_failed(*, reason: str, detail: str = "") -> None:
    """A SITHS login that broke off before a validated ID token (provider error, bad or foreign
    token, lost state): audited `login.siths_failed`."""
    audit_record(None, "login.siths_failed", None, {"method": "siths", "reason": reason[:60],
                                                    "detail": detail[:300]}, object_type="access.user")


def totp_device_for_enrolment(user: User) -> TOTPDevice:
    device = TOTPDevice.objects.filter(user=user, confirmed=False).first()
    if device is None:
        device = TOTPDevice.objects.create(user=user, name="Autentiseringsapp", confirmed=False)
    return device


@transaction.atomic
def totp_enrol_confirm(user: User, device: TOTPDevice, token: str) -> bool:
    token = (token or "").replace(" ", "")
    if device.user_id != user.pk or device.confirmed:
        return False
    if not token.isdigit():
        audit_record(user, "2fa.enrol_failed", user)
        return False
    device = TOTPDevice.objects.select_for_update().get(pk=device.pk)  # one code, one use (see above)
    if device.confirmed or not device.verify_token(token):
        audit_record(user, "2fa.enrol_failed", user)
        return False
    device.confirmed = True
    device.save(update_fields=["confirmed"])
    TOTPDevice.objects.filter(user=user, confirmed=False).exclude(pk=device.pk).delete()
    audit_record(user, "2fa.enrolled", user, {"device": device.pk})
    return True


def touch_activity(user: User) -> None:
    User.objects.filter(pk=user.pk).update(last_activity_at=timezone.now())


@transaction.atomic
def deactivate_dormant_users(now: dt.datetime | None = None) -> list[int]:
    now = now or timezone.now()
    cutoff = now - dt.timedelta(days=settings.LYFTA_DORMANT_AFTER_DAYS)
    from django.db.models.functions import Coalesce

    dormant = list(
        User.objects.filter(is_active=True, is_superuser=False)
        .annotate(seen=Coalesce("last_activity_at", "last_login", "date_joined"))
        .filter(seen__lt=cutoff)
        .values_list("pk", flat=True)
    )
    if dormant:
        User.objects.filter(pk__in=dormant).update(is_active=False, deactivated_reason="inaktivt konto")
        for pk in dormant:
            audit_record(None, "user.deactivated_dormant", object_type="access.user", object_id=str(pk),
                         data={"cutoff": cutoff.isoformat()})
    return dormant


# --- API clients -------------------------------------------------------------------

def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


@transaction.atomic
def api_client_create(*, actor, name: str, organisation: Organisation, token: str | None = None,
                      is_demo: bool = False) -> tuple[ApiClient, str]:
    """Create a client; returns it and the raw token (shown once, stored only hashed)."""
    raw = token or f"lyf_{secrets.token_urlsafe(32)}"
    if ApiClient.objects.filter(name=name).exists():
        raise Conflict(_("API-klienten %(name)s finns redan.") % {"name": name})
    client = ApiClient.objects.create(name=name, organisation=organisation, token_hash=hash_token(raw),
                                      token_prefix=raw[:8], is_demo=is_demo)
    audit_record(actor, "api_client.create", client, {"organisation": organisation.pk})
    return client, raw


# The columns a request needs of its client and organisation (this runs on every API call; the
# rest loads on access if ever needed).
_CLIENT_COLUMNS = ("id", "name", "organisation_id", "is_active", "is_demo", "last_used_at", "token_prefix",
                   "organisation__id", "organisation__name", "organisation__kind", "organisation__is_active")


# Every API call authenticates its client. Cached per token hash for a few seconds (core.cache):
# saving or deleting a client or an organisation — deactivating one, in the admin or a service —
# starts a new generation, so this process refuses a revoked token at once and other processes
# within API_CLIENTS.ttl seconds (at once with a shared cache backend). access.apps connects them.
API_CLIENTS = Generation("api_clients", 10)


def _client_by_token_hash(token_hash: str) -> ApiClient | None:
    try:  # get(), not first(): a unique key needs no ORDER BY / LIMIT (this runs on every API call)
        return ApiClient.objects.select_related("organisation").only(*_CLIENT_COLUMNS).get(
            token_hash=token_hash, is_active=True, organisation__is_active=True)
    except ApiClient.DoesNotExist:
        return None


def api_client_authenticate(raw_token: str) -> ApiClient | None:
    if not raw_token:
        return None
    token_hash = hash_token(raw_token)
    client = API_CLIENTS.get(token_hash, lambda: _client_by_token_hash(token_hash))
    if client is None:
        return None
    if client.is_demo and not settings.LYFTA_DEMO_MODE:
        return None
    now = timezone.now()
    if client.last_used_at is None or now - client.last_used_at > dt.timedelta(minutes=5):
        ApiClient.objects.filter(pk=client.pk).update(last_used_at=now)  # an update: no signal, no new generation
        client.last_used_at = now
        API_CLIENTS.put(token_hash, client)
    return client
