"""Patients (brukare): identity, addresses, protected identity and the responsible customer.

Written only by `patients.services`; read through `patients.selectors`, which enforce customer
isolation and write one patient-access row per view."""
from __future__ import annotations

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

    class Meta:
        ordering = ["last_name", "first_name", "identity_number"]
        verbose_name = _("patient")
        verbose_name_plural = _("patienter")
        indexes = [
            models.Index(fields=["customer", "last_name", "first_name"], name="pat_customer_name"),
            models.Index(fields=["name_search"], name="pat_name_search"),
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


class PatientCustomerLink(models.Model):
    """A customer other than the responsible one that knows this patient: created when a
    customer-side principal finds the patient by exact identity number (the way prescribers
    reach a patient of another customer). It lets that customer's users open the patient
    afterwards (see `patients.selectors`). Never removed; the access log records every view."""

    patient = models.ForeignKey(Patient, on_delete=models.CASCADE, related_name="customer_links")
    customer = models.ForeignKey("access.Organisation", on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.CharField(max_length=200, blank=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["patient", "customer"], name="uniq_patient_customer_link")]
        indexes = [models.Index(fields=["customer", "patient"], name="pat_link_customer")]

    def __str__(self) -> str:
        return f"{self.patient_id} ↔ {self.customer_id}"
