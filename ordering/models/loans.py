"""Reminders about loans (ordering.flows.loans): one row per loan, kind and due date, so the
daily job never sends the same reminder twice, and the prescriber's one-click answer (pickup,
extend, convert) closes it."""
from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class LoanReminder(models.Model):
    class Kind(models.TextChoices):
        TRIAL_ENDING = "trial_ending", _("Utprovningen slutar snart")
        RETURN_OVERDUE = "return_overdue", _("Återlämningsdatum passerat")

    class Status(models.TextChoices):
        SENT = "sent", _("Skickad")
        DONE = "done", _("Åtgärdad")
        STOPPED = "stopped", _("Stoppad")

    loan = models.ForeignKey("stock.Loan", on_delete=models.PROTECT, related_name="+")
    kind = models.CharField(max_length=20, choices=Kind.choices)
    due_on = models.DateField()  # the loan's date the reminder is about (trial end / return date)
    recipient = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                  related_name="+")
    message = models.ForeignKey("ordering.Message", null=True, blank=True, on_delete=models.SET_NULL,
                                related_name="loan_reminders")
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.SENT)
    action = models.CharField(max_length=20, blank=True)  # what closed it: pickup / extended / converted / …
    created_at = models.DateTimeField(auto_now_add=True)
    closed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [models.UniqueConstraint(fields=["loan", "kind", "due_on"], name="uniq_loan_reminder")]
        indexes = [models.Index(fields=["status", "loan"], name="ord_loanrem_status_idx")]

    def __str__(self) -> str:
        return f"{self.loan_id} {self.kind} {self.due_on}"
