"""Product pictures stored by Lyfta: checking an uploaded picture, making its thumbnail, and
simple pictograms drawn with Pillow for the demo catalogue (no picture is downloaded).

A picture is refused unless Pillow reads it as PNG, JPEG or WebP of at most 6000 × 6000 px and
`MAX_BYTES`; the thumbnail fits in `THUMB_PX` × `THUMB_PX` (PNG, or JPEG for a JPEG)."""
from __future__ import annotations

import io
import math

from django.utils.translation import gettext as _
from PIL import Image, ImageDraw, UnidentifiedImageError

from core.errors import field_error

MAX_BYTES = 5 * 1024 * 1024
MAX_PX = 6000
THUMB_PX = 240
FORMATS = {"PNG": "png", "JPEG": "jpg", "WEBP": "webp"}


def picture_check(content: bytes) -> tuple[Image.Image, str]:
    """The opened picture and its file extension, or ValidationFailed on `picture`."""
    if not content:
        field_error("picture", _("Välj en bild."))
    if len(content) > MAX_BYTES:
        field_error("picture", _("Bilden får vara högst %(n)s MB.") % {"n": MAX_BYTES // (1024 * 1024)})
    try:
        probe = Image.open(io.BytesIO(content))
        fmt = probe.format
        width, height = probe.size
        probe.verify()
    except (UnidentifiedImageError, OSError, SyntaxError, Image.DecompressionBombError):
        field_error("picture", _("Filen är ingen bild som kan läsas (PNG, JPEG eller WebP)."))
    if fmt not in FORMATS:
        field_error("picture", _("Bilden måste vara PNG, JPEG eller WebP."))
    if width > MAX_PX or height > MAX_PX or width < 1 or height < 1:
        field_error("picture", _("Bilden får vara högst %(max_px)s × %(max_px)s bildpunkter.") % {"max_px": MAX_PX})
    image = Image.open(io.BytesIO(content))
    image.load()
    return image, FORMATS[fmt]


def thumbnail_of(image: Image.Image, ext: str) -> tuple[bytes, str]:
    """A thumbnail at most THUMB_PX on each side (aspect kept): (bytes, extension)."""
    thumb = image.copy()
    thumb.thumbnail((THUMB_PX, THUMB_PX), Image.Resampling.LANCZOS)
    out = io.BytesIO()
    if ext == "jpg":
        thumb.convert("RGB").save(out, "JPEG", quality=85, optimize=True)
        return out.getvalue(), "jpg"
    if thumb.mode not in ("RGB", "RGBA", "L", "LA", "P"):
        thumb = thumb.convert("RGBA")
    thumb.save(out, "PNG", optimize=True)
    return out.getvalue(), "png"


# --- pictograms for the demo catalogue -----------------------------------------------------------

INK = (29, 79, 145)
SOFT = (227, 239, 250)


def _wheel(d, cx, cy, r, w):
    d.ellipse([cx - r, cy - r, cx + r, cy + r], outline=INK, width=w)
    d.ellipse([cx - w, cy - w, cx + w, cy + w], fill=INK)


def _wheelchair(d, s, w):
    _wheel(d, s * .42, s * .66, s * .22, w)
    _wheel(d, s * .76, s * .82, s * .06, w)
    d.line([(s * .30, s * .22), (s * .30, s * .58), (s * .70, s * .58), (s * .76, s * .76)], fill=INK, width=w)
    d.line([(s * .30, s * .40), (s * .58, s * .40)], fill=INK, width=w)
    d.line([(s * .30, s * .22), (s * .22, s * .22)], fill=INK, width=w)


def _bed(d, s, w):
    d.rectangle([s * .12, s * .50, s * .88, s * .62], outline=INK, width=w, fill=SOFT)
    d.line([(s * .12, s * .30), (s * .12, s * .80)], fill=INK, width=w)
    d.line([(s * .88, s * .42), (s * .88, s * .80)], fill=INK, width=w)
    d.rounded_rectangle([s * .16, s * .42, s * .34, s * .50], radius=s * .03, outline=INK, width=w)


def _rollator(d, s, w):
    d.line([(s * .30, s * .20), (s * .36, s * .80)], fill=INK, width=w)
    d.line([(s * .70, s * .20), (s * .64, s * .80)], fill=INK, width=w)
    d.line([(s * .22, s * .20), (s * .38, s * .20)], fill=INK, width=w)
    d.line([(s * .62, s * .20), (s * .78, s * .20)], fill=INK, width=w)
    d.rectangle([s * .33, s * .48, s * .67, s * .54], outline=INK, width=w, fill=SOFT)
    for cx in (.36, .64):
        _wheel(d, s * cx, s * .84, s * .06, w)


def _lift(d, s, w):
    d.line([(s * .25, s * .85), (s * .25, s * .15), (s * .70, s * .15)], fill=INK, width=w)
    d.line([(s * .12, s * .85), (s * .80, s * .85)], fill=INK, width=w)
    d.line([(s * .70, s * .15), (s * .70, s * .38)], fill=INK, width=w)
    d.arc([s * .56, s * .34, s * .84, s * .62], 0, 180, fill=INK, width=w)
    d.ellipse([s * .64, s * .26, s * .76, s * .38], outline=INK, width=w)


def _cushion(d, s, w):
    d.rounded_rectangle([s * .16, s * .36, s * .84, s * .66], radius=s * .12, outline=INK, width=w, fill=SOFT)
    d.line([(s * .30, s * .51), (s * .70, s * .51)], fill=INK, width=w)


def _cane(d, s, w):
    d.arc([s * .30, s * .12, s * .54, s * .36], 180, 360, fill=INK, width=w)
    d.line([(s * .54, s * .24), (s * .54, s * .88)], fill=INK, width=w)


def _chair(d, s, w):
    d.line([(s * .30, s * .18), (s * .30, s * .84)], fill=INK, width=w)
    d.rectangle([s * .30, s * .50, s * .72, s * .56], outline=INK, width=w, fill=SOFT)
    d.line([(s * .70, s * .56), (s * .70, s * .84)], fill=INK, width=w)
    for i in range(3):  # water drops
        x = s * (.50 + .08 * i)
        d.ellipse([x - s * .02, s * (.22 + .05 * i), x + s * .02, s * (.26 + .05 * i)], fill=INK)


def _magnifier(d, s, w):
    d.ellipse([s * .20, s * .18, s * .62, s * .60], outline=INK, width=w * 2, fill=SOFT)
    d.line([(s * .58, s * .56), (s * .82, s * .82)], fill=INK, width=w * 2)


def _ear(d, s, w):
    d.arc([s * .26, s * .16, s * .74, s * .70], 160, 380, fill=INK, width=w)
    d.line([(s * .30, s * .56), (s * .46, s * .84)], fill=INK, width=w)
    for i, r in enumerate((.10, .18)):
        d.arc([s * (.72 - r), s * (.44 - r), s * (.72 + r), s * (.44 + r)], -40, 40, fill=INK, width=w)
        del i


def _speech(d, s, w):
    d.rounded_rectangle([s * .14, s * .20, s * .86, s * .64], radius=s * .08, outline=INK, width=w, fill=SOFT)
    d.polygon([(s * .30, s * .64), (s * .44, s * .64), (s * .28, s * .82)], fill=INK)
    for cx in (.34, .50, .66):
        d.ellipse([s * cx - s * .03, s * .39, s * cx + s * .03, s * .45], fill=INK)


def _battery(d, s, w):
    d.rectangle([s * .18, s * .32, s * .76, s * .68], outline=INK, width=w, fill=SOFT)
    d.rectangle([s * .76, s * .43, s * .84, s * .57], fill=INK)
    d.polygon([(s * .50, s * .36), (s * .38, s * .52), (s * .48, s * .52), (s * .44, s * .64), (s * .58, s * .46),
               (s * .48, s * .46)], fill=INK)


def _generic(d, s, w):
    d.ellipse([s * .25, s * .25, s * .75, s * .75], outline=INK, width=w, fill=SOFT)
    d.line([(s * .5, s * .35), (s * .5, s * .65)], fill=INK, width=w)
    d.line([(s * .35, s * .5), (s * .65, s * .5)], fill=INK, width=w)


PICTOGRAMS = {
    "rullstol": _wheelchair, "transportrullstol": _wheelchair, "elrullstol": _wheelchair,
    "säng": _bed, "sänggrind": _bed, "madrass": _bed, "duschbrits": _bed,
    "rollator": _rollator, "käpp": _cane, "mobil lyft": _lift, "taklyft": _lift, "lyftsele": _lift,
    "sittdyna": _cushion, "glidmatta": _cushion, "duschstol": _chair, "toalettstol": _chair,
    "toalettförhöjning": _chair, "förstoringsglas": _magnifier, "läs-tv": _magnifier,
    "samtalsförstärkare": _ear, "hörslinga": _ear, "bildtavla": _speech, "talapparat": _speech,
    "batteriladdare": _battery,
}


def pictogram_for(name: str) -> str:
    """The pictogram key for a product name ("Rullstol Aktiv" → "rullstol"); "" for the generic one."""
    low = name.lower()
    return max((k for k in PICTOGRAMS if low.startswith(k)), key=len, default="")


def pictogram_png(key: str, size: int = 480) -> bytes:
    """A simple line pictogram (dark blue on a light tint), PNG."""
    image = Image.new("RGB", (size, size), (255, 255, 255))
    d = ImageDraw.Draw(image)
    d.rounded_rectangle([2, 2, size - 3, size - 3], radius=size // 12, outline=SOFT, width=max(2, size // 60))
    PICTOGRAMS.get(key, _generic)(d, size, max(3, math.ceil(size / 40)))
    out = io.BytesIO()
    image.save(out, "PNG", optimize=True)
    return out.getvalue()
