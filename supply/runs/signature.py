"""The receiver's signature drawn on the driver's phone: a PNG data URL from the <canvas>
(static/lyfta/js/signature.js), decoded and checked here with Pillow before it is kept.

Checks, each a Swedish message on the field `signature`: a `data:image/png;base64,` URL; at most
`MAX_BYTES` decoded; really a PNG (magic number and Pillow's own verify); width and height within
bounds (checked from the header, before the pixels are decoded); not blank (enough dark ink on a
white or transparent background). What is kept is Pillow's re-encoding (no metadata chunks)."""
from __future__ import annotations

import base64
import binascii
import io

from PIL import Image, UnidentifiedImageError

from core.errors import field_error

PREFIX = "data:image/png;base64,"
PNG_MAGIC = b"\x89PNG\r\n\x1a\n"
MAX_BYTES = 300 * 1024
MIN_SIZE = (100, 40)
MAX_SIZE = (2000, 1000)
MIN_INK_PIXELS = 40  # a real stroke, not a tap


def _fail(message: str):
    field_error("signature", message)


def clean_signature(value) -> bytes:
    value = (value or "").strip()
    if not value:
        _fail("Mottagaren måste signera på skärmen.")
    if not value.startswith(PREFIX):
        _fail("Signaturen måste vara en PNG-bild.")
    encoded = value[len(PREFIX):]
    if len(encoded) > (MAX_BYTES * 4) // 3 + 4:
        _fail("Signaturen är för stor.")
    try:
        raw = base64.b64decode(encoded, validate=True)
    except (binascii.Error, ValueError):
        _fail("Signaturen kunde inte läsas.")
    if len(raw) > MAX_BYTES:
        _fail("Signaturen är för stor.")
    if not raw.startswith(PNG_MAGIC):
        _fail("Signaturen måste vara en PNG-bild.")
    try:
        with Image.open(io.BytesIO(raw)) as probe:
            if probe.format != "PNG":
                _fail("Signaturen måste vara en PNG-bild.")
            width, height = probe.size
            if width < MIN_SIZE[0] or height < MIN_SIZE[1] or width > MAX_SIZE[0] or height > MAX_SIZE[1]:
                _fail("Signaturens storlek är orimlig.")
            probe.verify()
        with Image.open(io.BytesIO(raw)) as img:
            img.load()
            rgba = img.convert("RGBA")
    except (UnidentifiedImageError, OSError, SyntaxError, Image.DecompressionBombError):
        _fail("Signaturen kunde inte läsas.")
    white = Image.new("RGBA", rgba.size, (255, 255, 255, 255))
    gray = Image.alpha_composite(white, rgba).convert("L")
    ink = sum(gray.histogram()[:128])  # pixels darker than mid-grey
    if ink < MIN_INK_PIXELS:
        _fail("Signaturen är tom. Be mottagaren signera på skärmen.")
    out = io.BytesIO()
    gray.save(out, format="PNG", optimize=True)
    return out.getvalue()
