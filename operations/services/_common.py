from __future__ import annotations

from core.errors import DomainError, ValidationFailed, field_error


class TooManyRequests(DomainError):
    status = 429
    code = "too_many_requests"
    title = "För många försök"


def clean_text(value, field: str, label: str, *, max_len: int, required: bool = True, min_len: int = 0) -> str:
    text = (value or "").strip()
    if required and not text:
        field_error(field, f"Ange {label}.")
    if len(text) > max_len:
        field_error(field, f"{label.capitalize()} får vara högst {max_len} tecken.")
    if text and len(text) < min_len:
        field_error(field, f"{label.capitalize()} måste vara minst {min_len} tecken.")
    return text


def clean_email(value, field: str, label: str = "e-postadress") -> str:
    from django.core.exceptions import ValidationError
    from django.core.validators import validate_email

    email = (value or "").strip()
    if not email:
        field_error(field, f"Ange {label}.")
    try:
        validate_email(email)
    except ValidationError:
        field_error(field, f"Ange en giltig {label}.")
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
        field_error(field, "Filtypen stöds inte (" + ", ".join(sorted(t.strip(".").upper() for t in types)) + ").")
    size = getattr(upload, "size", 0) or 0
    if size <= 0:
        field_error(field, "Filen är tom.")
    if size > max_bytes:
        field_error(field, f"Filen är för stor (högst {max_bytes // (1024 * 1024)} MB).")
    content_type, magic = types[ext]
    upload.seek(0)
    head = upload.read(16)
    upload.seek(0)
    if not head.startswith(magic):
        field_error(field, "Filens innehåll stämmer inte med filtypen.")
    return name, content_type
