"""Domain errors. Services raise these; the UI shows `message` and the API turns them into
RFC 9457 problem documents with `status`, `code` and `errors`. Messages are gettext'd where they
are raised (Swedish msgid, in the request's language); the titles are lazy (class attributes)."""
from __future__ import annotations

from django.utils.translation import gettext_lazy as _


class DomainError(Exception):
    status = 400
    code = "invalid"
    title = _("Felaktig begäran")

    def __init__(self, message: str, *, code: str | None = None, errors: dict | None = None):
        super().__init__(message)
        self.message = message
        if code:
            self.code = code
        self.errors = errors or {}


class ValidationFailed(DomainError):
    status = 422
    code = "validation"
    title = _("Ogiltiga uppgifter")


class NotFound(DomainError):
    status = 404
    code = "not_found"
    title = _("Hittades inte")


class PermissionDenied(DomainError):
    status = 403
    code = "forbidden"
    title = _("Behörighet saknas")


class Conflict(DomainError):
    status = 409
    code = "conflict"
    title = _("Konflikt")


class IllegalTransition(Conflict):
    code = "illegal_transition"
    title = _("Otillåten statusändring")


def field_error(field_name: str, message: str):
    """Raise `ValidationFailed` for one field (message in Swedish)."""
    raise ValidationFailed(message, errors={field_name: [message]})
