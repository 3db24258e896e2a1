"""Patients (brukare): identity, addresses, protected identity and the responsible customer.

Written only by `patients.services`; read through `patients.selectors`, which enforce customer
isolation and write one patient-access row per view."""
from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from core.models import TimeStampedModel

from .identity import format_identity


class Patient(TimeStampedModel):
    class IdentityKind(models.TextChoices):
        PERSONNUMMER = "personnummer", _("Personnummer")
        SAMORDNINGSNUMMER = "samordningsnummer", _("Samordningsnummer")
        RESERVNUMMER = "reservnummer", _("Reservnummer")

    identity_number = models.CharField(_("personnummer"), max_length=12, unique=True,
                                       help_text=_("Lagras som 12 tecken, ÅÅÅÅMMDDNNNN."))
    identity_kind = models.CharField(_("typ av nummer"), max_length=20, choices=IdentityKind.choices,
                                     default=IdentityKind.PERSONNUMMER)
    first_name = models.CharField(_("förnamn"), max_length=100)
    last_name = models.CharField(_("efternamn"), max_length=100)
    registered_street = models.CharField(_("folkbokföringsadress"), max_length=200, blank=True)
    registered_postal_code = models.CharField(_("postnummer"), max_length=6, blank=True)
    registered_city = models.CharField(_("ort"), max_length=100, blank=True)
    stay_street = models.CharField(_("vistelseadress"), max_length=200, blank=True)
    stay_postal_code = models.CharField(_("postnummer (vistelse)"), max_length=6, blank=True)
    stay_city = models.CharField(_("ort (vistelse)"), max_length=100, blank=True)
    phone = models.CharField(_("telefon"), max_length=30, blank=True)
    protected_identity = models.BooleanField(_("skyddad identitet"), default=False)
    contact_name = models.CharField(_("kontaktperson"), max_length=200, blank=True)
    contact_phone = models.CharField(_("kontaktpersonens telefon"), max_length=30, blank=True)
    delivery_instructions = models.CharField(_("leveransinstruktion"), max_length=500, blank=True)
    customer = models.ForeignKey("access.Organisation", on_delete=models.PROTECT, related_name="patients",
                                 verbose_name=_("ansvarig kund"))
    # Lower-case "first last" for name search (kept by services).
    name_search = models.CharField(max_length=201, editable=False, default="")
    # Recorded by `patients.services.patient_mark_deceased` (ordering's flow stops orders and reminders).
    deceased_on = models.DateField(_("avliden"), null=True, blank=True)

    class Meta:
        ordering = ["last_name", "first_name", "identity_number"]
        verbose_name = _("patient")
        verbose_name_plural = _("patienter")
        indexes = [
            models.Index(fields=["customer", "last_name", "first_name"], name="pat_customer_name"),
            models.Index(fields=["name_search"], name="pat_name_search"),
            # the deceased are few: the statistics' overdue version counts them through this
            models.Index(fields=["deceased_on"], name="pat_deceased", condition=models.Q(deceased_on__isnull=False)),
        ]

    def __str__(self) -> str:
        return f"{self.full_name} ({self.identity_display})"

    @property
    def full_name(self) -> str:
        return f"{self.first_name} {self.last_name}".strip()

    @property
    def identity_display(self) -> str:
        return format_identity(self.identity_number)

    @property
    def has_stay_address(self) -> bool:
        return bool(self.stay_street)


class CareRelationship(models.Model):
    """A stated care relationship (patientdatalagen): the deliberate, logged act by which a user
    (or a customer's system) of one customer reaches a patient of another customer. Held by that
    user or API client alone — not by their whole customer — with a reason from a short list and
    a free text, for a limited time (`LYFTA_CARE_RELATIONSHIP_DAYS`, default 30) unless renewed.
    Every stated or renewed relationship is audited; the auditor lists them per user and per
    customer. Within one's own customer no relationship is needed."""

    class Reason(models.TextChoices):
        TREATED_BY_UNIT = "treated_by_unit", _("Patienten vårdas av vår enhet")
        CONSULTATION = "consultation", _("Konsultation")
        EMERGENCY = "emergency", _("Akut vårdbehov")
        TRANSFER = "transfer", _("Patienten flyttar till oss")

    patient = models.ForeignKey(Patient, on_delete=models.CASCADE, related_name="care_relationships")
    customer = models.ForeignKey("access.Organisation", on_delete=models.PROTECT, related_name="+",
                                 verbose_name=_("kund"))
    user = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                             related_name="care_relationships")
    api_client = models.ForeignKey("access.ApiClient", null=True, blank=True, on_delete=models.PROTECT,
                                   related_name="+")
    actor_label = models.CharField(max_length=200, blank=True)
    reason = models.CharField(_("skäl"), max_length=30, choices=Reason.choices)
    note = models.CharField(_("beskrivning"), max_length=500)
    created_at = models.DateTimeField(auto_now_add=True)
    renewed_at = models.DateTimeField(null=True, blank=True)
    expires_at = models.DateTimeField(db_index=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["patient", "user", "expires_at"], name="care_rel_user"),
                   models.Index(fields=["patient", "api_client", "expires_at"], name="care_rel_client"),
                   models.Index(fields=["customer", "-created_at"], name="care_rel_customer")]
        constraints = [models.CheckConstraint(
            condition=models.Q(user__isnull=False) | models.Q(api_client__isnull=False), name="care_rel_has_holder")]

    def __str__(self) -> str:
        return f"{self.patient_id} ← {self.actor_label}"
