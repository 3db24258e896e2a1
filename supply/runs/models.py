"""Run (körning) and RunStop. Supply owns these rows; the orders they serve are ordering's."""
from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from core.models import TimeStampedModel


class RunStatus(models.TextChoices):
    PLANNED = "planned", _("Planerad")
    STARTED = "started", _("Påbörjad")
    DONE = "done", _("Klar")


class StopKind(models.TextChoices):
    DELIVERY = "delivery", _("Leverans")
    PICKUP = "pickup", _("Hämtning")
    VISIT = "visit", _("Teknikerbesök")


class StopOutcome(models.TextChoices):
    PENDING = "", _("Ej utförd")
    DELIVERED = "delivered", _("Levererad")
    PICKED_UP = "picked_up", _("Hämtad")
    PARTIAL = "partial", _("Delvis hämtad")
    VISITED = "visited", _("Besökt")
    NOBODY_HOME = "nobody_home", _("Ingen hemma")


class Run(TimeStampedModel):
    date = models.DateField(_("datum"), db_index=True)
    driver = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="runs",
                               verbose_name=_("chaufför"))
    vehicle = models.CharField(_("fordon"), max_length=40, blank=True)
    status = models.CharField(_("status"), max_length=10, choices=RunStatus.choices, default=RunStatus.PLANNED)
    created_by_label = models.CharField(max_length=200, blank=True)

    class Meta:
        ordering = ["date", "id"]
        indexes = [models.Index(fields=["driver", "date"], name="supply_run_driver_date")]

    def __str__(self) -> str:
        return f"Körning {self.pk} {self.date}"

    @property
    def is_open(self) -> bool:
        return self.status != RunStatus.DONE


class RunStop(TimeStampedModel):
    run = models.ForeignKey(Run, on_delete=models.CASCADE, related_name="stops")
    position = models.PositiveSmallIntegerField()
    kind = models.CharField(_("typ"), max_length=10, choices=StopKind.choices)
    order = models.ForeignKey("ordering.Order", on_delete=models.PROTECT, related_name="+",
                              verbose_name=_("order"))
    outcome = models.CharField(_("utfall"), max_length=12, choices=StopOutcome.choices, blank=True, default="")
    receiver_name = models.CharField(_("mottagare"), max_length=120, blank=True)
    # The receiver's signature (PNG) is stored with the delivery / return receipt in ordering;
    # the stop keeps the ids that point there.
    delivery_id_ref = models.PositiveIntegerField(null=True, blank=True)
    receipt_id_ref = models.PositiveIntegerField(null=True, blank=True)
    recorded_at = models.DateTimeField(null=True, blank=True)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                    related_name="+")

    class Meta:
        ordering = ["run_id", "position", "id"]
        constraints = [
            # An order is on at most one stop still to be done (the race backstop; the service
            # locks the order row first and says so in Swedish).
            models.UniqueConstraint(fields=["order"], condition=models.Q(outcome=""), name="uniq_open_stop_per_order"),
        ]

    def __str__(self) -> str:
        return f"{self.run_id}:{self.position}"

    @property
    def is_done(self) -> bool:
        return bool(self.outcome)
