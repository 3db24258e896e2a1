from django.conf import settings
from django.contrib.auth.models import AbstractUser
from django.db import models
from django.db.models.functions import Upper
from django.utils.translation import gettext_lazy as _
from django_otp.models import Device

from core.models import TimeStampedModel

from .roles import Role
from .validators import validate_hsa_id, validate_org_number


class Organisation(TimeStampedModel):
    class Kind(models.TextChoices):
        REGION = "region", _("Region")
        MUNICIPALITY = "municipality", _("Kommun")
        SUPPLY_CENTRE = "supply_centre", _("Hjälpmedelscentral")

    name = models.CharField(_("namn"), max_length=200)
    kind = models.CharField(_("typ"), max_length=20, choices=Kind.choices)
    org_number = models.CharField(_("organisationsnummer"), max_length=11, unique=True,
                                  validators=[validate_org_number])
    is_active = models.BooleanField(_("aktiv"), default=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("organisation")
        verbose_name_plural = _("organisationer")

    def __str__(self) -> str:
        return self.name

    @property
    def is_customer(self) -> bool:
        return self.kind != self.Kind.SUPPLY_CENTRE


class CostCentre(TimeStampedModel):
    organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="cost_centres",
                                     verbose_name=_("organisation"))
    code = models.CharField(_("kod"), max_length=30)
    name = models.CharField(_("namn"), max_length=200)
    is_active = models.BooleanField(_("aktiv"), default=True)

    class Meta:
        ordering = ["organisation__name", "code"]
        constraints = [models.UniqueConstraint(fields=["organisation", "code"], name="uniq_cost_centre_code")]
        verbose_name = _("kostnadsställe")
        verbose_name_plural = _("kostnadsställen")

    def __str__(self) -> str:
        return f"{self.code} {self.name}"


class Unit(TimeStampedModel):
    """Organisational unit with an HSA-id, in a tree under its organisation."""

    organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="units",
                                     verbose_name=_("organisation"))
    parent = models.ForeignKey("self", null=True, blank=True, on_delete=models.PROTECT, related_name="children",
                               verbose_name=_("överordnad enhet"))
    name = models.CharField(_("namn"), max_length=200)
    hsa_id = models.CharField(_("HSA-id"), max_length=44, unique=True, validators=[validate_hsa_id])
    default_cost_centre = models.ForeignKey(CostCentre, null=True, blank=True, on_delete=models.PROTECT,
                                            related_name="+", verbose_name=_("standardkostnadsställe"))
    is_active = models.BooleanField(_("aktiv"), default=True)

    class Meta:
        ordering = ["organisation__name", "name"]
        verbose_name = _("enhet")
        verbose_name_plural = _("enheter")

    def __str__(self) -> str:
        return self.name


class DeliveryPoint(TimeStampedModel):
    unit = models.ForeignKey(Unit, on_delete=models.PROTECT, related_name="delivery_points",
                             verbose_name=_("enhet"))
    name = models.CharField(_("namn"), max_length=200)
    street = models.CharField(_("gatuadress"), max_length=200)
    postal_code = models.CharField(_("postnummer"), max_length=6)
    city = models.CharField(_("ort"), max_length=100)
    instructions = models.CharField(_("leveransinstruktion"), max_length=500, blank=True)
    is_active = models.BooleanField(_("aktiv"), default=True)

    class Meta:
        ordering = ["unit__name", "name"]
        verbose_name = _("leveranspunkt")
        verbose_name_plural = _("leveranspunkter")

    def __str__(self) -> str:
        return f"{self.name}, {self.street}, {self.postal_code} {self.city}"


class User(AbstractUser):
    # SITHS login finds the account by this (case-insensitively): one account per HSA-id.
    hsa_id = models.CharField(_("HSA-id (person)"), max_length=44, blank=True, validators=[validate_hsa_id])
    phone = models.CharField(_("telefon"), max_length=30, blank=True)
    failed_login_count = models.PositiveIntegerField(default=0)
    locked_until = models.DateTimeField(null=True, blank=True)
    last_activity_at = models.DateTimeField(null=True, blank=True, db_index=True)
    deactivated_reason = models.CharField(max_length=200, blank=True)
    # Demo accounts (documented TOTP secret) can never log in outside demo settings.
    is_demo = models.BooleanField(default=False, editable=False)
    # The user's language (pages when no language cookie overrides it, e-mails, inbox messages);
    # set by the language switch and on the profile page. See docs/ui.md, "Language".
    language = models.CharField(_("språk"), max_length=8, choices=settings.LANGUAGES,
                                default=settings.LANGUAGE_CODE)

    class Meta:
        verbose_name = _("användare")
        verbose_name_plural = _("användare")
        constraints = [models.UniqueConstraint(
            Upper("hsa_id"), condition=~models.Q(hsa_id=""), name="user_hsa_id_unique",
            violation_error_message=_("Det finns redan en användare med detta HSA-id."))]

    def __str__(self) -> str:
        return self.get_full_name() or self.username


class RoleAssignment(TimeStampedModel):
    """A user's role at a unit. A user can hold several."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="role_assignments",
                             verbose_name=_("användare"))
    unit = models.ForeignKey(Unit, on_delete=models.PROTECT, related_name="role_assignments",
                             verbose_name=_("enhet"))
    role = models.CharField(_("roll"), max_length=40, choices=Role.choices)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "unit", "role"], name="uniq_role_assignment")]
        verbose_name = _("roll")
        verbose_name_plural = _("roller")

    def __str__(self) -> str:
        return f"{self.user} – {self.get_role_display()} @ {self.unit}"


class ApiClient(TimeStampedModel):
    """A system client of the JSON API; acts for exactly one organisation. Only a SHA-256
    hash of its bearer token is stored."""

    name = models.CharField(_("namn"), max_length=100, unique=True)
    organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="api_clients",
                                     verbose_name=_("organisation"))
    token_hash = models.CharField(max_length=64, unique=True)
    token_prefix = models.CharField(max_length=8)
    is_active = models.BooleanField(_("aktiv"), default=True)
    last_used_at = models.DateTimeField(null=True, blank=True)
    # Demo clients (fixed, documented tokens) are refused outside demo settings.
    is_demo = models.BooleanField(default=False, editable=False)

    class Meta:
        verbose_name = _("API-klient")
        verbose_name_plural = _("API-klienter")

    def __str__(self) -> str:
        return self.name


class CrossOrganisationGrant(models.Model):
    """Shared staff: a user of one organisation (`home_organisation`) who may be given roles at
    another's units (`organisation`). The other organisation's access admin asks; an access admin
    of the user's own organisation approves. Without an approved grant, a customer's access admin
    can grant roles only to users of their own customer (`access.services.role_assign`). Both the
    request and the approval are audited, each naming both organisations."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="cross_organisation_grants")
    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="+",
                                     verbose_name=_("organisation som vill ge roller"))
    home_organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="+",
                                          verbose_name=_("användarens organisation"))
    requested_by = models.ForeignKey(User, null=True, on_delete=models.SET_NULL, related_name="+")
    requested_at = models.DateTimeField(auto_now_add=True)
    approved_by = models.ForeignKey(User, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    approved_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "organisation"], name="uniq_cross_org_grant")]

    def __str__(self) -> str:
        return f"{self.user_id}: {self.home_organisation_id} → {self.organisation_id}"


class Competence(TimeStampedModel):
    """A named competence that a prescribing rule may require (a course, a profession:
    arbetsterapeut, fysioterapeut, audionom …). Maintained by the supply centre in the admin."""

    code = models.CharField(_("kod"), max_length=40, unique=True)
    name = models.CharField(_("benämning"), max_length=200)
    is_active = models.BooleanField(_("aktiv"), default=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("kompetens")
        verbose_name_plural = _("kompetenser")

    def __str__(self) -> str:
        return self.name


class PrescriberCompetence(TimeStampedModel):
    """A prescriber's competence, valid to a date (inclusive), registered by the access admin of
    a customer where the prescriber holds a role (`prescriber_competence_set`, or the import)."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="competences",
                             verbose_name=_("förskrivare"))
    competence = models.ForeignKey(Competence, on_delete=models.PROTECT, related_name="holders",
                                   verbose_name=_("kompetens"))
    valid_to = models.DateField(_("giltig till och med"))
    organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="+",
                                     verbose_name=_("registrerad av organisation"))
    registered_by = models.ForeignKey(User, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")

    class Meta:
        ordering = ["user_id", "competence__name"]
        constraints = [models.UniqueConstraint(fields=["user", "competence"], name="uniq_prescriber_competence")]
        verbose_name = _("förskrivares kompetens")
        verbose_name_plural = _("förskrivares kompetenser")

    def __str__(self) -> str:
        return f"{self.user_id}: {self.competence_id} ≤ {self.valid_to}"


class CustomerPrescribingTerms(TimeStampedModel):
    """A customer's terms for prescribing: the cost ceiling above which an order line needs a
    special request (särskilt beslut), and whether the customer's own approver (role
    *Godkännare hos kunden*) decides a special request before the supply centre's consultants do
    — for every request, or only when the order's cost is above `customer_approval_above`
    (docs/prescribing.md "The customer's own approver")."""

    organisation = models.OneToOneField(Organisation, on_delete=models.CASCADE, related_name="prescribing_terms")
    cost_ceiling = models.DecimalField(_("kostnadstak per rad (kr)"), max_digits=12, decimal_places=2, null=True,
                                       blank=True)
    customer_approval_required = models.BooleanField(
        _("kundens godkännande av särskilda beslut"), default=False,
        help_text=_("Ett särskilt beslut går först till kundens godkännare och sedan till Hjälpmedelscentralens "
                    "konsulent."))
    customer_approval_above = models.DecimalField(
        _("kundens godkännande från orderkostnad (kr)"), max_digits=12, decimal_places=2, null=True, blank=True,
        help_text=_("Tomt: varje särskilt beslut. Annars bara när orderns kostnad (inköpspris × antal) är högre."))

    class Meta:
        verbose_name = _("förskrivningsvillkor")
        verbose_name_plural = _("förskrivningsvillkor")

    def __str__(self) -> str:
        return f"{self.organisation_id}: {self.cost_ceiling}"


class SithsDevice(Device):
    """The second factor of a SITHS login (access.oidc): the region's identity provider checked
    the card and its PIN, so a user logged in through it holds this django-otp device, verified in
    the session (`django_otp.login`), and `user.is_verified()` is true as after a TOTP code. It
    verifies no token itself: a password login never accepts it (access.services.login_check
    takes only TOTP devices)."""

    issuer = models.CharField(_("identitetsutfärdare"), max_length=300, blank=True)
    subject = models.CharField(_("subjekt (sub)"), max_length=255, blank=True)
    last_login_at = models.DateTimeField(_("senaste SITHS-inloggning"), null=True, blank=True)

    class Meta(Device.Meta):
        constraints = [models.UniqueConstraint(fields=["user", "issuer", "subject"], name="uniq_siths_device")]
        verbose_name = _("SITHS-inloggning")
        verbose_name_plural = _("SITHS-inloggningar")

    def verify_token(self, token) -> bool:
        return False
