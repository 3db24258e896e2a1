"""The text a ReportLab PDF shows, for tests: every content stream decoded (ASCII85 and/or
Flate, as ReportLab writes them) and the strings of its text operators joined, one per line."""
from __future__ import annotations

import base64
import re
import zlib

_STREAM = re.compile(rb"<<(?P<dict>(?:(?!>>).)*?)>>\s*stream\r?\n(?P<data>.*?)\s*endstream", re.S)
_STRING = re.compile(rb"\((?P<s>(?:\\.|[^\\)])*)\)\s*(?:Tj|')|\[(?P<a>[^\]]*)\]\s*TJ", re.S)
_ESCAPE = re.compile(rb"\\([0-7]{1,3}|.)", re.S)
_SIMPLE = {b"n": b"\n", b"r": b"\r", b"t": b"\t", b"b": b"\b", b"f": b"\f"}


def _decode(header: bytes, data: bytes) -> bytes:
    if b"/ASCII85Decode" in header:
        data = data.strip().removeprefix(b"<~").removesuffix(b"~>")
        data = base64.a85decode(data)
    if b"/FlateDecode" in header:
        data = zlib.decompress(data)
    return data


def _unescape(raw: bytes) -> str:
    def one(m):
        code = m.group(1)
        if code[:1].isdigit():
            return bytes([int(code, 8) & 0xFF])
        return _SIMPLE.get(code, code)

    return _ESCAPE.sub(one, raw).decode("cp1252", errors="replace")


def pdf_text(pdf: bytes) -> str:
    lines = []
    for m in _STREAM.finditer(pdf):
        header = m.group("dict")
        if b"/Subtype /Image" in header:
            continue
        try:
            content = _decode(header, m.group("data"))
        except (ValueError, zlib.error):
            continue
        for t in _STRING.finditer(content):
            if t.group("s") is not None:
                lines.append(_unescape(t.group("s")))
            else:
                lines.append("".join(_unescape(s) for s in re.findall(rb"\(((?:\\.|[^\\)])*)\)", t.group("a"))))
    return "\n".join(lines)
