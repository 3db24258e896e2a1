"""Base model and numbering. Every Lyfta table inherits `TimeStampedModel`."""
from django.db import models


class TimeStampedModel(models.Model):
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        abstract = True


class NumberSequence(models.Model):
    """One counter per prefix (KO, AO, HO, AV …); incremented under a row lock."""

    prefix = models.CharField(max_length=8, primary_key=True)
    last_value = models.BigIntegerField(default=0)

    def __str__(self) -> str:
        return f"{self.prefix}:{self.last_value}"


class ScheduledRun(models.Model):
    """When a periodic job last ran; the scheduler enqueues the job when it is due."""

    name = models.CharField(max_length=100, primary_key=True)
    last_enqueued_at = models.DateTimeField(null=True, blank=True)


from .idempotency import IdempotencyRecord  # noqa: E402,F401  (model lives with its logic)
