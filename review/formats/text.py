"""Bytes of an export file -> text: the encoding decided, binary junk and empty files refused.

Order of decisions (``decode_bytes``):

1. empty (or only whitespace)             -> UnreadableFileError "the file is empty"
2. a byte-order mark                      -> UTF-8-SIG / UTF-16 / UTF-32 as marked (UTF-8
                                             with a mark: still refused if binary, as in 4-5)
3. NUL bytes on every other position      -> UTF-16 (little or big endian) without a BOM
4. a known binary signature (ZIP, PDF...) -> UnreadableFileError naming what it is
5. many control bytes                     -> UnreadableFileError "binary data"
6. valid UTF-8                            -> UTF-8 (a character cut off by the end of a
                                             truncated file is left out, with a warning)
7. otherwise                              -> Windows-1252 (Latin-1 for its 5 undefined bytes),
                                             with a warning naming the first bad byte's line

Line ends are normalised to ``\\n``; stray control characters become spaces (with a warning).
"""

from __future__ import annotations

import codecs
import re
from dataclasses import dataclass, field
from pathlib import Path

from review.formats.base import UnreadableFileError

__all__ = ["DecodedText", "decode_bytes", "read_text", "sniff_text", "BINARY_SIGNATURES"]

# leading bytes -> what the file is (for a helpful refusal)
BINARY_SIGNATURES: dict[bytes, str] = {
    b"PK\x03\x04": "a ZIP archive (e.g. .xlsx, .docx, .enlx or a zipped export)",
    b"%PDF": "a PDF document",
    b"\x1f\x8b": "a gzip-compressed file",
    b"\xd0\xcf\x11\xe0": "an old Microsoft Office file (.xls/.doc)",
    b"SQLite format 3\x00": "an SQLite database",
    b"\x89PNG": "a PNG image",
    b"\xff\xd8\xff": "a JPEG image",
    b"Rar!": "a RAR archive",
    b"7z\xbc\xaf": "a 7-Zip archive",
}

_BOMS: tuple[tuple[bytes, str, str], ...] = (
    (codecs.BOM_UTF32_LE, "utf-32-le", "utf-32"),
    (codecs.BOM_UTF32_BE, "utf-32-be", "utf-32"),
    (codecs.BOM_UTF8, "utf-8", "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "utf-16-le", "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16-be", "utf-16"),
)

# C0 controls other than tab, LF, CR (and form feed, seen in old exports), plus DEL
_CONTROL_BYTES = bytes(b for b in range(32) if b not in (9, 10, 12, 13)) + b"\x7f"
_CONTROL_CHARS = re.compile(r"[\x00-\x08\x0b\x0e-\x1f\x7f]")
_SNIFF = 65536


@dataclass
class DecodedText:
    text: str
    encoding: str
    warnings: list[str] = field(default_factory=list)


def line_of(data: bytes, offset: int) -> int:
    """The 1-based line of byte ``offset`` in ``data``."""
    return data.count(b"\n", 0, offset) + 1


def _utf16_without_bom(head: bytes) -> str | None:
    """'utf-16-le' / 'utf-16-be' when NULs sit on every other byte (mostly-ASCII UTF-16)."""
    sample = head[:4096]
    if len(sample) < 4:
        return None
    even = sample[0::2]
    odd = sample[1::2]
    even_nul = even.count(0) / len(even)
    odd_nul = odd.count(0) / len(odd)
    def mostly_text(lane: bytes) -> bool:  # the low bytes of mostly-ASCII characters
        controls = sum(1 for b in lane if b < 32 and b not in (9, 10, 13))
        return controls < len(lane) * 0.05

    if odd_nul > 0.4 and even_nul < 0.05 and mostly_text(even):
        return "utf-16-le"
    if even_nul > 0.4 and odd_nul < 0.05 and mostly_text(odd):
        return "utf-16-be"
    return None


def _finish(path: str | Path, text: str, encoding: str, warnings: list[str]) -> DecodedText:
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    if "\ufeff" in text:  # a BOM at the start, or mid-file where exports were concatenated
        text = text.replace("\ufeff", "")
    if not text.strip():
        raise UnreadableFileError(path, "the file holds no text (only blank lines); export it again")
    stray = _CONTROL_CHARS.findall(text)
    if stray:
        first = _CONTROL_CHARS.search(text)
        line = text.count("\n", 0, first.start()) + 1 if first else None
        text = _CONTROL_CHARS.sub(" ", text)
        warnings.append(
            f"{len(stray)} stray control character(s) replaced by spaces (first on line {line})"
        )
    return DecodedText(text=text, encoding=encoding, warnings=warnings)


def _refuse_binary(path: str | Path, data: bytes) -> None:
    for signature, what in BINARY_SIGNATURES.items():
        if data.startswith(signature):
            raise UnreadableFileError(
                path, f"this is {what}, not a text export; export the records as RIS, "
                "MEDLINE/.nbib, XML or CSV (or save a spreadsheet as .xlsx/.csv)"
            )
    nul = data.find(b"\x00")  # anywhere: a text export never holds one
    if nul >= 0:
        raise UnreadableFileError(
            path, "binary data (NUL bytes), not a text export", line=line_of(data, nul)
        )
    for start in range(0, len(data), _SNIFF):  # a block of junk anywhere in the file
        block = data[start : start + _SNIFF]
        controls = len(block) - len(block.translate(None, _CONTROL_BYTES))
        if controls >= 8 and controls > len(block) * 0.01:
            first = min(i for i in (block.find(bytes([b])) for b in _CONTROL_BYTES) if i >= 0)
            raise UnreadableFileError(
                path,
                f"binary data ({controls} control bytes in {len(block)} bytes), not a text export",
                line=line_of(data, start + first),
            )


def _drop_cut_character(data: bytes, warnings: list[str]) -> bytes:
    """``data`` without the first bytes of a UTF-8 character cut off by the end of the file
    (a truncated download or copy), with a warning naming the line; else ``data`` as it is.
    Decoding it as Windows-1252 instead would garble every accented character in the file."""
    if not data or data[-1] < 0x80:
        return data
    decoder = codecs.getincrementaldecoder("utf-8")()
    try:
        decoder.decode(data, final=False)
    except UnicodeDecodeError:
        return data  # not UTF-8 anyway
    pending = decoder.getstate()[0]
    if not pending:
        return data
    kept = data[: len(data) - len(pending)]
    warnings.append(
        f"the file ends in the middle of a character on line {line_of(data, len(kept))}: it "
        "may be truncated (export or download it again); the cut character was left out"
    )
    return kept


def decode_bytes(data: bytes, path: str | Path = "<bytes>") -> DecodedText:
    """Decode an export file's bytes; raise UnreadableFileError for empty or binary input."""
    if not data.strip():
        raise UnreadableFileError(
            path, "the file is empty" + (" (only blank lines)" if data else " (0 bytes)")
            + "; export the records again"
        )
    for bom, name, codec in _BOMS:
        if data.startswith(bom):
            warnings: list[str] = []
            if codec == "utf-8-sig":
                _refuse_binary(path, data[len(bom):])
                data = _drop_cut_character(data, warnings)
            try:
                return _finish(path, data.decode(codec), name, warnings)
            except UnicodeDecodeError as exc:
                start = exc.start + len(bom)  # the codec counts after its byte-order mark
                raise UnreadableFileError(
                    path, f"marked as {name.upper()} (byte-order mark) but not valid {name.upper()} "
                    f"at byte {start} (0x{data[start:start + 1].hex()}); save the file "
                    f"again as {name.upper()}, or export the records again",
                    line=line_of(data, start),
                ) from exc
    utf16 = _utf16_without_bom(data)
    if utf16:
        try:
            return _finish(path, data.decode(utf16), utf16, [])
        except UnicodeDecodeError:
            pass  # not UTF-16 after all: the binary check below will say so
    _refuse_binary(path, data)
    cut: list[str] = []
    data = _drop_cut_character(data, cut)
    try:
        return _finish(path, data.decode("utf-8"), "utf-8", cut)
    except UnicodeDecodeError as exc:
        line = line_of(data, exc.start)
        bad = data[exc.start : exc.start + 1].hex()
    text = data.decode("cp1252", errors="latin1_fallback")
    warning = (
        f"not valid UTF-8 (first bad byte 0x{bad} on line {line}); read as Windows-1252 "
        "(Latin-1): check accented characters, or export the file again as UTF-8"
    )
    return _finish(path, text, "cp1252", [warning])


def _latin1_fallback(exc: UnicodeError) -> tuple[str, int]:
    """Windows-1252 leaves 0x81, 0x8D, 0x8F, 0x90, 0x9D undefined: read those as Latin-1."""
    assert isinstance(exc, UnicodeDecodeError)
    return exc.object[exc.start : exc.end].decode("latin-1"), exc.end


codecs.register_error("latin1_fallback", _latin1_fallback)


def read_text(path: str | Path) -> DecodedText:
    """Read and decode a whole export file."""
    path = Path(path)
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise UnreadableFileError(path, f"cannot read the file ({exc.strerror})") from exc
    return decode_bytes(data, path)


def sniff_text(path: str | Path, size: int = _SNIFF) -> DecodedText:
    """Decode the first ``size`` bytes only (format detection); same refusals as read_text."""
    path = Path(path)
    try:
        with open(path, "rb") as handle:
            data = handle.read(size)
            truncated = bool(handle.read(1))
    except OSError as exc:
        raise UnreadableFileError(path, f"cannot read the file ({exc.strerror})") from exc
    if truncated:
        # do not let a multi-byte character cut at the end make the head look like cp1252
        for cut in range(0, 4):
            try:
                (data[: len(data) - cut] if cut else data).decode("utf-8")
                data = data[: len(data) - cut] if cut else data
                break
            except UnicodeDecodeError:
                continue
    return decode_bytes(data, path)
