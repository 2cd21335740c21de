"""Plain text files: decoded, cleaned of control characters, nothing else known.

How the encoding is told, first that applies:
1. a byte order mark: UTF-8, UTF-16 LE/BE, UTF-32 LE/BE;
2. the pattern of NUL bytes of UTF-16 or UTF-32 without a BOM (as Windows tools write it: every
   other byte of Latin text is 0);
3. UTF-8, if the bytes are valid UTF-8 (ASCII is UTF-8);
4. else the detector (charset-normalizer) among the single-byte encodings Danish text is written
   in (Windows-1252, ISO 8859-1/-15, DOS 850/865, Mac Roman), Windows-1252 where it cannot tell.

The encoding read lands in the record (`source.encoding`). Text that was UTF-8 read as
Windows-1252 and saved again (mojibake: `KÃ¸benhavn`) is repaired (ftfy) with a warning
(`mojibake_repaired`). Control characters (C0 except tab, line feed, carriage return and form
feed; DEL; C1) never reach a record: they are removed, with a warning (`control_characters`);
a file that is mostly control characters is binary data, not text (`undecodable_text`).
"""

from __future__ import annotations

import codecs
import re
from dataclasses import dataclass, field, fields, is_dataclass

from loaders.base import LoadedDocument
from loaders.errors import EmptyDocument, TooManyChars, UndecodableText

# Removed from every text a loader hands on: C0 controls but tab, LF, CR and FF (a loader may mark
# pages with FF), DEL, C1 controls, and the non-characters U+FFFE/U+FFFF.
CONTROLS = re.compile(r"[\x00-\x08\x0b\x0e-\x1f\x7f-\x9f\ufffe\uffff]")
# Typographic ligatures (a PDF's "ﬁ" in "ﬁnansiering") spelt out, so that search and the
# extractors' patterns read the word.
LIGATURES = {0xFB00: "ff", 0xFB01: "fi", 0xFB02: "fl", 0xFB03: "ffi", 0xFB04: "ffl", 0xFB05: "st", 0xFB06: "st"}
_LIGATURE = re.compile("[\ufb00-\ufb06]")
SAMPLE = 64 * 1024  # bytes looked at to tell UTF-16/32 without a BOM and the single-byte code page
BINARY_SHARE = 0.10  # control characters above this share of a sample: binary data, not text
# What Danish text files are written in, besides Unicode.
SINGLE_BYTE = ("cp1252", "latin_1", "iso8859_15", "cp850", "cp865", "mac_roman")
_BOMS = (  # longest first: the UTF-32 LE BOM starts with the UTF-16 LE one
    (codecs.BOM_UTF32_LE, "utf-32-le"),
    (codecs.BOM_UTF32_BE, "utf-32-be"),
    (codecs.BOM_UTF8, "utf-8"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
)
# Two or more characters of UTF-8 read as Windows-1252/Latin-1: Ã¸ (ø), Ã¥ (å), Ã¦ (æ), Ã˜ (Ø),
# Â§ (§), â€“ (–), â€™ (’) ...
# UTF-8 read as a DOS code page (cp852, cp850, cp437, cp865): its lead byte C3 is a box-drawing
# character: "Regionsr├ądet", "K├©benhavn".
_MOJIBAKE = re.compile(r"[ÃÂ][\u0080-\u00bf\u0152\u0153\u0160\u0161\u0178\u017d\u017e\u0192\u02c6\u02dc"
                       r"\u2013-\u203a\u20ac\u2122]|â€[\u0080-\u00bf\u0153\u2018-\u203a\u2122]"
                       r"|(?<=\w)[├┼┬][\u0080-\u024f\u2500-\u25a0]")
DOS_PAGES = ("cp852", "cp850", "cp865", "cp437")


@dataclass
class DecodedText:
    text: str
    encoding: str
    warnings: list[tuple[str, str]] = field(default_factory=list)


def _bom(data: bytes) -> tuple[str, int] | None:
    for bom, encoding in _BOMS:
        if data.startswith(bom):
            return encoding, len(bom)
    return None


def _nul_pattern(sample: bytes) -> str | None:
    """UTF-16/32 without a BOM, told by where the NUL bytes of mostly-Latin text fall."""
    if sample.count(0) < len(sample) // 4 or len(sample) < 4:
        return None
    n = len(sample) - len(sample) % 4
    quads = [sample[i:n:4] for i in range(4)]
    zero = [q.count(0) / max(1, len(q)) for q in quads]
    if zero[2] > 0.95 and zero[3] > 0.95 and zero[0] < 0.5:
        return "utf-32-le"
    if zero[0] > 0.95 and zero[1] > 0.95 and zero[3] < 0.5:
        return "utf-32-be"
    even = sample[0:n:2]
    odd = sample[1:n:2]
    z_even, z_odd = even.count(0) / len(even), odd.count(0) / len(odd)
    if z_odd > 0.4 and z_even < 0.05:
        return "utf-16-le"
    if z_even > 0.4 and z_odd < 0.05:
        return "utf-16-be"
    return None


def _single_byte(data: bytes) -> str:
    """The single-byte code page of `data` (not UTF-8), by the detector; Windows-1252 by default."""
    try:
        from charset_normalizer import from_bytes

        best = from_bytes(data[:SAMPLE], cp_isolation=list(SINGLE_BYTE)).best()
    except Exception:  # noqa: BLE001 - the detector is advice; never a failure
        best = None
    encoding = codecs.lookup(best.encoding).name if best is not None else "cp1252"
    try:
        data.decode(encoding)
    except UnicodeDecodeError:
        # Windows-1252 leaves five bytes undefined; Latin-1 reads every byte
        encoding = "cp1252" if encoding != "cp1252" and _decodes(data, "cp1252") else "latin-1"
    return encoding


def _decodes(data: bytes, encoding: str) -> bool:
    try:
        data.decode(encoding)
    except UnicodeDecodeError:
        return False
    return True


def detect_encoding(data: bytes) -> tuple[str, int]:
    """(encoding, bytes of BOM to skip) of the text `data`."""
    bom = _bom(data)
    if bom:
        return bom
    sample = data[:SAMPLE]
    pattern = _nul_pattern(sample)
    if pattern and _decodes(data[: len(data) - len(data) % (4 if "32" in pattern else 2)], pattern):
        return pattern, 0
    if _decodes(data, "utf-8"):
        return "utf-8", 0
    return _single_byte(data), 0


def strip_controls(text: str) -> tuple[str, int]:
    """`text` without control characters (see CONTROLS), and how many were removed."""
    cleaned, count = CONTROLS.subn("", text)
    return cleaned, count


def repair_mojibake(text: str) -> tuple[str, int]:
    """UTF-8 that was read as Windows-1252 (or Latin-1) repaired, line by line; (text, lines fixed)."""
    if not _MOJIBAKE.search(text):
        return text, 0
    fixed_lines = 0
    lines = text.split("\n")
    for i, line in enumerate(lines):
        if _MOJIBAKE.search(line):
            fixed = _redecode(line)
            if fixed != line:
                lines[i] = fixed
                fixed_lines += 1
    return ("\n".join(lines) if fixed_lines else text), fixed_lines


def _redecode(line: str) -> str:
    """A line of mojibake read back: its characters as Windows-1252 (or Latin-1, or a DOS code page) bytes are UTF-8,
    which text that is not mojibake practically never is; else ftfy's careful repair (a line that
    mixes mojibake with real non-ASCII letters)."""
    for single in ("cp1252", "latin-1", *DOS_PAGES):
        try:
            return line.encode(single).decode("utf-8")
        except UnicodeError:
            continue
    import ftfy

    return ftfy.fix_encoding(line)


def decode(data: bytes, name: str, max_chars: int | None = None) -> DecodedText:
    """Decode the bytes of a text file. Raises UndecodableText for binary data, TooManyChars for
    more than `max_chars` characters (checked before any other work on the text)."""
    encoding, skip = detect_encoding(data)
    body = data[skip:]
    if encoding.startswith(("utf-16", "utf-32")):
        unit = 4 if "32" in encoding else 2
        body = body[: len(body) - len(body) % unit]  # a truncated last character is dropped
    text = body.decode(encoding, errors="replace")
    if max_chars is not None and len(text) > max_chars:
        raise TooManyChars(f"{name}: {len(text):,} characters of text, more than the limit of {max_chars:,} "
                           "(REFERAT_MAX_CHARS)")
    warnings: list[tuple[str, str]] = []
    sample = text[:SAMPLE]
    if sample and len(CONTROLS.findall(sample)) > BINARY_SHARE * len(sample):
        raise UndecodableText(f"{name}: binary data in a text file (mostly control characters, read as {encoding})")
    if "\ufffd" in text and not encoding.startswith("utf-8"):
        warnings.append(("undecodable_characters", f"{text.count(chr(0xFFFD))} character(s) of the file "
                         f"could not be read as {encoding} and were replaced by U+FFFD"))
    text, removed = strip_controls(text)
    if removed:
        warnings.append(("control_characters", f"{removed} control character(s) (NUL and the like) removed from "
                         "the text"))
    text, repaired = repair_mojibake(text)
    if repaired:
        warnings.append(("mojibake_repaired", f"{repaired} line(s) held UTF-8 text read as a single-byte "
                         f"encoding (like 'KÃ¸benhavn' for 'København'); repaired"))
    return DecodedText(text=text, encoding=encoding, warnings=warnings)


def decode_text(data: bytes, name: str) -> str:
    """The text of `data` (see decode); kept for callers that need only the text."""
    return decode(data, name).text


def load_text(name: str, data: bytes, max_chars: int | None = None) -> LoadedDocument:
    decoded = decode(data, name, max_chars)
    if not decoded.text.strip():
        raise EmptyDocument(f"{name}: file holds only whitespace")
    return LoadedDocument(text=decoded.text, media_type="text/plain", system="text",
                          warnings=decoded.warnings, encoding=decoded.encoding)


def scrub(value):
    """`value` with control characters removed and ligatures spelt out in every string in it:
    strings, lists, tuples, dicts and dataclasses (changed in place) are walked. For what
    structured loaders read out of JSON, XML and HTML, which may hold the same characters
    (`\\u0000` in a JSON string), and for the text of every format."""
    if isinstance(value, str):
        if CONTROLS.search(value):
            value = CONTROLS.sub("", value)
        return value.translate(LIGATURES) if _LIGATURE.search(value) else value
    if isinstance(value, list):
        for i, item in enumerate(value):
            value[i] = scrub(item)
        return value
    if isinstance(value, tuple):
        return tuple(scrub(item) for item in value)
    if isinstance(value, dict):
        return {scrub(k): scrub(v) for k, v in value.items()}
    if is_dataclass(value) and not isinstance(value, type):
        for f in fields(value):
            current = getattr(value, f.name)
            cleaned = scrub(current)
            if cleaned is not current:
                setattr(value, f.name, cleaned)
        return value
    return value
