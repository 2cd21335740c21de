"""What a meeting system states outright, in a form that knows no file format.

A loader of a structured publication (FirstAgenda JSON or web page, an SBSYS/eDoc XML export)
renders every item's fields to text (headings kept as lines of their own) and says, beside that
text, what the source states: the meeting, its participants and their absence, and each item with
its number, title, case numbers, access, attachments, earlier treatment and the lines of the text
its fields were rendered to. The extractors take what is stated from here and read the rest from
the text, the same way as for any document (see extractors/document.py). Anything left None is
read from the text.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from urllib.parse import urljoin, urlsplit


@dataclass
class StatedParticipant:
    name: str
    status: str  # "present" or "absent"
    party: str | None = None
    role: str = "member"  # "member", "substitute" or "staff"
    position: str | None = None
    substitute_for: str | None = None
    source_id: str | None = None


@dataclass
class StatedAttachment:
    title: str
    url: str | None = None
    source_id: str | None = None


@dataclass
class StatedDecision:
    """A decision of the item's earlier treatment that the source lists (FirstAgenda's
    `Sagsforløb`): who decided, when, and what."""

    by: str | None
    date: dt.date | None
    text: str
    heading: str = ""


@dataclass
class StatedItem:
    number: str
    title: str
    line: int  # 1-based line of the item's heading in the rendered text
    end_line: int  # 1-based last line of its fields
    case_numbers: list[str] | None = None  # None: read from the text
    access: str | None = None  # "public"/"closed"; None: read from the title and text
    attachments: list[StatedAttachment] | None = None  # None: read from the text's Bilag parts
    history: list[StatedDecision] = field(default_factory=list)
    # The 1-based lines of the item's field headings ("Indstilling", "Beslutning", "Bilag"). When
    # given, only these lines (and lines that record who did not take part) head parts: a field's
    # content may hold a line that reads like a heading ("Beslutning:" in a quoted proposal).
    heading_lines: list[int] | None = None
    source_id: str | None = None  # the system's own id of the item (a GUID)
    pointer: str | None = None  # where it sits in the source: a JSON pointer or an XPath


@dataclass
class Structure:
    system: str  # "firstagenda", "firstagenda-html", "sbsys", ...
    meeting_id: str | None = None
    body: str | None = None
    authority: str | None = None
    date: dt.date | None = None
    start_time: str | None = None
    end_time: str | None = None
    place: str | None = None
    # "minutes" or "agenda" where the system says so; None: decided from the evidence as always.
    document_type: str | None = None
    extraordinary: bool | None = None  # an extraordinary meeting; None: read from the title lines
    participants: list[StatedParticipant] | None = None  # None: read from the text
    items: list[StatedItem] = field(default_factory=list)
    base_url: str | None = None  # where the publication says it was published: relative links resolve here


WEB_SCHEMES = ("http", "https")


def web_url(url: str | None, base: str | None) -> str | None:
    """`url` as a link a reader may follow: an absolute http(s) URL, a relative one resolved against
    an http(s) `base`; None for anything else (`javascript:`, `data:`, `file:`, a relative path with
    no base)."""
    if not url:
        return None
    url = "".join(ch for ch in url.strip() if ch >= " " and ch != "\x7f")  # browsers drop these too
    if urlsplit(url).scheme.lower() in WEB_SCHEMES and urlsplit(url).hostname:
        return url
    if base and urlsplit(base).scheme.lower() in WEB_SCHEMES and not urlsplit(url).scheme:
        joined = urljoin(base, url)
        parts = urlsplit(joined)
        if parts.scheme.lower() in WEB_SCHEMES and parts.hostname:
            return joined
    return None
