from __future__ import annotations

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from core.errors import DomainError, ValidationFailed, field_error


class TooManyRequests(DomainError):
    status = 429
    code = "too_many_requests"
    title = gettext_lazy("För många försök")


def clean_text(value, field: str, label: str, *, max_len: int, required: bool = True, min_len: int = 0) -> str:
    text = (value or "").strip()
    if required and not text:
        field_error(field, _("Ange %(label)s.") % {"label": label})
    if len(text) > max_len:
        field_error(field, _("%(label)s får vara högst %(max_len)s tecken.") % {"label": label.capitalize(), "max_len": max_len})
    if text and len(text) < min_len:
        field_error(field, _("%(label)s måste vara minst %(min_len)s tecken.") % {"label": label.capitalize(), "min_len": min_len})
    return text


def clean_email(value, field: str, label: str = "") -> str:
    from django.core.exceptions import ValidationError
    from django.core.validators import validate_email

    label = label or _("e-postadress")
    email = (value or "").strip()
    if not email:
        field_error(field, _("Ange %(label)s.") % {"label": label})
    try:
        validate_email(email)
    except ValidationError:
        field_error(field, _("Ange en giltig %(label)s.") % {"label": label})
    return email.lower()[:254]


def clean_choice(value, choices, field: str, message: str) -> str:
    if value not in choices:
        raise ValidationFailed(message, errors={field: [message]})
    return value


IMAGE_TYPES = {".png": ("image/png", b"\x89PNG\r\n\x1a\n"), ".jpg": ("image/jpeg", b"\xff\xd8\xff"),
               ".jpeg": ("image/jpeg", b"\xff\xd8\xff")}
SCAN_TYPES = {**IMAGE_TYPES, ".pdf": ("application/pdf", b"%PDF")}


def clean_upload(upload, field: str, types: dict, *, max_bytes: int) -> tuple[str, str] | None:
    """(file name, content type) of a checked upload (type by extension *and* content), or None."""
    import os

    if upload is None:
        return None
    name = os.path.basename(getattr(upload, "name", "") or "")[:150]
    ext = os.path.splitext(name)[1].lower()
    if ext not in types:
        field_error(field, _("Filtypen stöds inte (%(types)s).") % {
            "types": ", ".join(sorted(t.strip(".").upper() for t in types))})
    size = getattr(upload, "size", 0) or 0
    if size <= 0:
        field_error(field, _("Filen är tom."))
    if size > max_bytes:
        field_error(field, _("Filen är för stor (högst %(n)s MB).") % {"n": max_bytes // (1024 * 1024)})
    content_type, magic = types[ext]
    upload.seek(0)
    head = upload.read(16)
    upload.seek(0)
    if not head.startswith(magic):
        field_error(field, _("Filens innehåll stämmer inte med filtypen."))
    return name, content_type
