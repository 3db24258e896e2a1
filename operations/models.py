"""Operations (DESIGN.md §3, §8): service notices, access requests, support cases, CO2e factors.

Access requests live here rather than in `access` (DESIGN.md lists them under access): they are a
workflow over access's services (`role_assign`, `user_create`), and `operations` sits above access
in the dependency order, so access needs nothing from them (docs/operations.md)."""
from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from access.roles import Role


class NoticeKind(models.TextChoices):
    PLANNED = "planned", _("Planerat underhåll")
    DISRUPTION = "disruption", _("Driftstörning")
    RESOLVED = "resolved", _("Åtgärdat")
    FALLBACK = "fallback", _("Reservrutin gäller")


class AffectedPart(models.TextChoices):
    WHOLE = "whole", _("Hela Lyfta")
    LOGIN = "login", _("Inloggning")
    ORDERING = "ordering", _("Beställning")
    CATALOGUE = "catalogue", _("Sortiment")
    STOCK = "stock", _("Lager och förråd")
    SUPPLY = "supply", _("HMC:s handläggning")
    INVOICING = "invoicing", _("Fakturering")
    API = "api", _("API och integrationer")


class ServiceNotice(models.Model):
    """A published service notice (driftinformation). Current while `starts_at <= now` (or
    planned and upcoming) and not ended; ended notices stay as history."""

    kind = models.CharField(_("typ"), max_length=20, choices=NoticeKind.choices)
    title = models.CharField(_("rubrik"), max_length=200)
    text = models.TextField(_("text"), max_length=4000)
    affected = models.JSONField(_("berörda delar"), default=list, blank=True)
    starts_at = models.DateTimeField(_("från"))
    ends_at = models.DateTimeField(_("till"), null=True, blank=True)
    published_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    published_at = models.DateTimeField(auto_now_add=True)
    ended_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                 related_name="+")
    ended_at = models.DateTimeField(null=True, blank=True)
    emailed_at = models.DateTimeField(null=True, blank=True)  # subscribers' e-mails handed off then

    class Meta:
        ordering = ["-starts_at", "-id"]
        indexes = [models.Index(fields=["ended_at", "starts_at"], name="ops_notice_current_idx")]

    def __str__(self) -> str:
        return self.title

    @property
    def affected_labels(self) -> list[str]:
        return [str(AffectedPart(a).label) for a in self.affected if a in AffectedPart.values]


class NoticeSubscription(models.Model):
    """A user's choice to get service notices by e-mail (profile)."""

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notice_subscription")
    subscribed_at = models.DateTimeField(auto_now_add=True)


REQUESTABLE_ROLES = [r for r in Role if r != Role.SYSTEM_ADMIN]


class AccessRequest(models.Model):
    """Behörighetsansökan: a role at a unit, asked for by a person without access (anonymous, e.g.
    a SITHS user without an account) or by a user wanting another role."""

    class Status(models.TextChoices):
        PENDING = "pending", _("Väntar på beslut")
        APPROVED = "approved", _("Godkänd")
        REJECTED = "rejected", _("Avslagen")

    unit = models.ForeignKey("access.Unit", on_delete=models.PROTECT, related_name="+", verbose_name=_("enhet"))
    role = models.CharField(_("roll"), max_length=40, choices=Role.choices)
    reason = models.TextField(_("motivering"), max_length=2000)
    manager_email = models.EmailField(_("chefens e-post"))
    # The applicant: a logged-in user, or a person described by name, e-mail and HSA-id.
    applicant = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                  related_name="+")
    first_name = models.CharField(_("förnamn"), max_length=150)
    last_name = models.CharField(_("efternamn"), max_length=150)
    email = models.EmailField(_("e-post"))
    hsa_id = models.CharField(_("HSA-id (person)"), max_length=44, blank=True)
    client_ip = models.GenericIPAddressField(null=True, blank=True)  # throttling of anonymous requests
    status = models.CharField(_("status"), max_length=12, choices=Status.choices, default=Status.PENDING)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    decided_at = models.DateTimeField(null=True, blank=True)
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+")
    decision_reason = models.CharField(_("beslutsmotivering"), max_length=1000, blank=True)
    granted_user = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                     related_name="+")
    reminded_at = models.DateTimeField(null=True, blank=True)  # deciders reminded of it when overdue
    # The language the request form was filled in: e-mails to an applicant without an account
    # are written in it (users get their own `User.language`).
    language = models.CharField(_("språk"), max_length=8, choices=settings.LANGUAGES,
                                default=settings.LANGUAGE_CODE)

    class Meta:
        ordering = ["created_at", "id"]
        indexes = [models.Index(fields=["status", "created_at"], name="ops_accreq_status_idx")]

    def __str__(self) -> str:
        return f"{self.first_name} {self.last_name}: {self.role} @ {self.unit_id}"

    @property
    def applicant_name(self) -> str:
        return f"{self.first_name} {self.last_name}".strip()


class SupportCategory(models.TextChoices):
    QUESTION = "question", _("Fråga")
    FAULT = "fault", _("Fel i Lyfta")
    ACCESS = "access", _("Inloggning och behörighet")
    ORDER = "order", _("Beställning")
    SUGGESTION = "suggestion", _("Förbättringsförslag")


def screenshot_path(instance, filename: str) -> str:
    return f"support/{instance.case_id}/{filename}"


class SupportCase(models.Model):
    """Supportärende: opened by any logged-in user from any page; answered in a thread by the
    supply centre's support staff."""

    class Status(models.TextChoices):
        OPEN = "open", _("Öppet")
        ANSWERED = "answered", _("Besvarat")
        CLOSED = "closed", _("Avslutat")

    number = models.CharField(max_length=16, unique=True)
    opened_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    customer = models.ForeignKey("access.Organisation", null=True, blank=True, on_delete=models.PROTECT,
                                 related_name="+")  # the opener's customer (None: supply staff)
    category = models.CharField(_("kategori"), max_length=20, choices=SupportCategory.choices)
    subject = models.CharField(_("rubrik"), max_length=200)
    page_url = models.CharField(_("sidans adress"), max_length=500, blank=True)
    order = models.ForeignKey("ordering.Order", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.OPEN)
    opened_at = models.DateTimeField(auto_now_add=True, db_index=True)
    first_answered_at = models.DateTimeField(null=True, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)
    unread_by_opener = models.BooleanField(default=False)

    class Meta:
        ordering = ["-opened_at", "-id"]
        indexes = [models.Index(fields=["status", "opened_at"], name="ops_support_status_idx")]

    def __str__(self) -> str:
        return self.number


class SupportMessage(models.Model):
    case = models.ForeignKey(SupportCase, on_delete=models.CASCADE, related_name="messages")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    author_label = models.CharField(max_length=200)
    from_support = models.BooleanField(default=False)
    text = models.TextField(max_length=4000)
    at = models.DateTimeField(auto_now_add=True)
    screenshot = models.FileField(upload_to=screenshot_path, max_length=300, blank=True)
    screenshot_type = models.CharField(max_length=40, blank=True)

    class Meta:
        ordering = ["at", "id"]


class Co2Factor(models.Model):
    """kg CO2e avoided when a refurbished device of an ISO 9999 class (the top two levels, e.g.
    "12 22") is reused instead of a new one bought; maintained by the supply admin."""

    iso_prefix = models.CharField(_("ISO-klass"), max_length=8, unique=True)
    kg_co2e = models.DecimalField(_("kg CO2e per återanvänt hjälpmedel"), max_digits=8, decimal_places=1)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["iso_prefix"]


class StatisticsMonth(models.Model):
    """The statistics' per-month projection (operations.statistics): one month's figures
    (`figures.MonthFigures`, every customer broken down) computed from the order events and kept
    beside them, as stock levels are kept beside the ledger. Derived and rebuildable: written only
    by `operations.statistics.services` (recomputed in the background when an event of the month
    commits, by the nightly sweep and `manage.py rebuild_statistics`); `stale` says an event
    committed after it was computed. `version` grows with every change mark, so a computation
    started before an event committed never overwrites the mark (compare and set)."""

    month = models.DateField(unique=True)
    figures = models.JSONField(default=dict)
    stale = models.BooleanField(default=True)
    version = models.PositiveBigIntegerField(default=0)
    computed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["month"]

    def __str__(self) -> str:
        return f"{self.month:%Y-%m}{' (stale)' if self.stale else ''}"
