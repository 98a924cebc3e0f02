"""Is this a PDF? Checked for structure, not only its first bytes: the header, and the
trailer a PDF reader starts from -- ``startxref`` near the end pointing at a cross-reference
table (``xref`` ... ``trailer`` with ``/Root``) or a cross-reference stream (an object of
``/Type /XRef`` with ``/Root``), then ``%%EOF``. A file cut off in transfer, a renamed
document or an HTML error page saved as .pdf fails here with a message saying which part is
missing. Pure: bytes in, an error or nothing out (no PDF library needed for these checks).
"""

from __future__ import annotations

import re

from review.screening.model import ScreeningError

TAIL = 4096  # the trailer is within the last bytes (the spec: startxref in the last 1024; some writers pad)
_STARTXREF = re.compile(rb"startxref\s+(\d+)\s+%%EOF\s*$")
_XREF_STREAM = re.compile(rb"\d+\s+\d+\s+obj\s*<<(?:(?!endobj).){0,4000}?/Type\s*/XRef", re.S)


def check_pdf(content: bytes, filename: str) -> None:
    """Raise ``ScreeningError`` naming ``filename`` unless ``content`` is a complete PDF."""
    if not content[:1024].lstrip().startswith(b"%PDF-"):
        raise ScreeningError(f"{filename}: not a PDF (it does not start with %PDF-)")
    tail = content[-TAIL:].rstrip(b"\x00")
    found = None
    for found in _STARTXREF.finditer(tail):
        pass
    if found is None:
        raise ScreeningError(
            f"{filename}: the PDF is incomplete (no startxref ... %%EOF at its end): the file was "
            "probably cut off while downloading; download it again"
        )
    offset = int(found.group(1))
    if not 0 < offset < len(content):
        raise ScreeningError(f"{filename}: the PDF's startxref points outside the file ({offset}); it is damaged")
    at = content[offset:offset + 8192]
    if at.startswith(b"xref"):
        trailer = content.rfind(b"trailer", offset)
        if trailer < 0 or b"/Root" not in content[trailer:trailer + 4096]:
            raise ScreeningError(f"{filename}: the PDF's trailer has no /Root (document catalogue); it is damaged")
        return
    if _XREF_STREAM.match(at) and b"/Root" in at:
        return
    raise ScreeningError(
        f"{filename}: the PDF's startxref ({offset}) does not point at a cross-reference table; it is damaged"
    )
