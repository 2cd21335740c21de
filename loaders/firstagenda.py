"""FirstAgenda publication API JSON: one meeting (`Udvalg`, `Moede`, `Dagsordenpunkter`).

The response states the meeting (body, date and time, place, whether it is concluded), who takes
part and who is absent, and every item with its number, title, case number, attachments and its
text as HTML fields (`Felter[].Html`). It is rendered to text the way the meeting system's own
export reads, and what it states is handed on beside the text (extractors/structure.py):

    <title>                    only where the JSON says which: `Dagsorden` for a meeting not concluded
    <Udvalg.Navn>
    Dato: 02-06-2025 16:30
    Sted: Mødelokale 6+7
    Deltagere: A, B, …         (Afbud: … for those flagged absent or cancelled)

    1. Godkendelse af dagsorden
    Beslutning                 every heading of the HTML on a line of its own
    Godkendt.
    Fremstilling
    Sagsprocedure
    …
    Sagens forløb              the case's treatment, one line per entry: date, body, what was decided
    18-03-2024 Beskæftigelses- og Erhvervsudvalget: 1.-3. Anbefales.

How the fields are read, from the Greve corpus (370 meetings, 2022–2025):
- `IsOpen` is false on every item of a publication that does not keep it (Greve: all 5475 items,
  the plainly public ones too), so it says something only where a publication has both values.
  Otherwise access is read from the title (`Lukket: …`).
- `Moede.Navn` is `Dagsorden` (or `Ekstraordinær dagsorden`) on concluded meetings with decisions
  too: it names the publication, not whether it holds minutes, so it is no title word. A meeting
  not concluded (`Afsluttet` false) is published as an agenda.
- An item whose presentation is not published (a closed item) carries only its decision, as
  bare text without a heading; older layouts put the decision before the presentation's headings,
  after the item's title repeated (left out: the heading line has it). In a concluded meeting that
  text is rendered under a `Beslutning` line (`Beslutning ikke frigivet` - the decision is not
  published - is no decision).
- `Sagens forløb` lists the case's treatment by date and body (`18-03-2024 Økonomiudvalget`),
  this meeting's own entry and later ones (`Beslutning ikke frigivet`) included. Entries before
  this meeting, or of another body on the same day, with a published decision become the item's
  `history`; the entry of this meeting (its decision is the item's own) and later ones do not.
  Each entry is one line of the text, so that what it records (`Afbud: …` under an earlier
  decision) is never read as this meeting's.
- `ExternalAgendaItemAttendees` flags members absent from one item (`Reason: "Fraværende"`): they
  are rendered as `Fraværende: …` after the item's decision, where the decision's text does not
  already record them.
- Committee names carry the election term (`Byråd 2022-2025`, `Økonomiudvalget 2022`) or a note
  that the committee was closed (`… (slettet 10-01-2022)`): the body is the name without them, in
  its definite form (`Byrådet`), so one body keeps one name across terms.
- The authority is no field of the JSON; the host the publication links to (`dagsordener.greve.dk`)
  names the municipality (extractors/data/municipalities.tsv).
- `Moede.Id` is the nil GUID; the publication's own `Id` (every item's `AgendaUid`) is the meeting's.
- FirstAgenda also keeps folders of documents as "meetings" (`Spørgsmål / Svar til Byrådet`: one
  item a year holding the questions and answers as attachments, no participants, no text): no
  title word and no document type is stated for them, so the evidence finds no minutes.
- Lines without a word or a number (`.`, `-`: what an emptied field leaves) are left out.

Nothing here reads markup with regular expressions: HTML goes through lxml (loaders/html_text).
"""

from __future__ import annotations

import copy
import datetime as dt
import json
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from urllib.parse import urlsplit

import regex
from lxml import etree

from extractors.attendance import parse_entry
from extractors.parts import match_part_heading
from extractors.profile import Profile, load_profile
from extractors.structure import StatedAttachment, StatedDecision, StatedItem, StatedParticipant, Structure
from extractors.tables import RawTable
from extractors.text import collapse, slugify
from loaders.base import LoadedDocument
from loaders.errors import CorruptDocument, UnsupportedMediaType
from loaders.html_text import HEADINGS, parse_fragment, render

SYSTEM = "firstagenda"
MEDIA_TYPE = "application/json"
NIL_GUID = "00000000-0000-0000-0000-000000000000"
MUNICIPALITIES = Path(__file__).resolve().parents[1] / "extractors" / "data" / "municipalities.tsv"

# "Byråd 2022-2025", "Økonomiudvalget 2022": the election term after a committee's name.
TERM_SUFFIX = regex.compile(r"\s+\d{4}(?:\s*[-–]\s*\d{2,4})?$")
# "Økonomiudvalget (slettet 10-01-2022)": the system's note that a committee was closed.
DELETED_NOTE = regex.compile(r"\s*\(\s*slettet\b[^()]*\)\s*$", regex.IGNORECASE)
# Council nouns written without their article ("Byråd") and their definite form.
DEFINITE_ENDINGS = (("repræsentation", "en"), ("bestyrelse", "n"), ("udvalg", "et"), ("råd", "et"),
                    ("nævn", "et"), ("forum", "met"))
# "Bilag 1. Titel", "Bilag 3 - Titel", "Bilag 2: Titel", "Bilag 1a. – Titel", "Bilag 5 Titel": the
# numbering before an attachment's title (text from the JSON, not markup).
# "Bilag A: …" is lettered; "Bilag 2 til spørgsmål …" is a title (a lower-case word follows).
ATTACHMENT_NUMBER = regex.compile(
    r"^\s*bilag\s+(?:\d+[a-zæøå]?|(?-i:[A-ZÆØÅ])(?=\s*[.:)–-]))"  # the number or letter
    r"(?:\s*[.:,)]\s*(?:[-–]\s*)?|\s*[-–]\s*|\s+(?=(?-i:[\p{Lu}\d(\"'“])))",  # what ends it
    regex.IGNORECASE | regex.VERSION1)
# An entry of "Sagens forløb": "18-03-2024 Økonomiudvalget", "15/08/2024   Klima-, Teknik- og Miljøudvalget".
HISTORY_ENTRY = regex.compile(r"^\s*(?P<d>\d{1,2})[-/.](?P<m>\d{1,2})[-/.](?P<y>\d{4})\s*(?P<by>.*)$")
HISTORY_HEADING = regex.compile(r"^\s*(?:sagens\s+forløb|sagsforløb)\s*:?\s*$", regex.IGNORECASE)
NOT_RELEASED = regex.compile(r"^\s*beslutning(?:en)?\s+(?:er\s+)?ikke\s+frigivet\s*\.?\s*$", regex.IGNORECASE)
# Elements that open an entry of the history: its date and body, underlined (or bold).
ENTRY_TAGS = {"u", "b", "strong"}
CONTENT = regex.compile(r"[\p{L}\p{N}]")
# "Ekstraordinær dagsorden", "Ekstraordinært møde": a meeting beside the ordinary one of the day.
EXTRAORDINARY = regex.compile(r"\bekstraordinær", regex.IGNORECASE)
MINUTES_WORDS = regex.compile(r"\b(?:referat|beslutningsprotokol|protokol)\b", regex.IGNORECASE)


@dataclass
class _Line:
    text: str
    table: RawTable | None = None  # the table this blank line stands for
    heading: bool = False


@dataclass
class _Field:
    """One item field rendered: its lines, where this meeting's decision is, and the history."""

    lines: list[_Line] = field(default_factory=list)
    decision: tuple[int, int] | None = None  # (heading index, index after its last line)
    history: list[StatedDecision] = field(default_factory=list)


# --- reading the JSON -------------------------------------------------------------------------


MAX_DEPTH_HINT = "Python's parser stops at about 1,000 levels"


def is_firstagenda(data: object) -> bool:
    """A FirstAgenda meeting: a JSON object with `Moede` (an object) and `Dagsordenpunkter` (a list)."""
    return (isinstance(data, dict) and isinstance(data.get("Moede"), dict) and "Dagsordenpunkter" in data
            and isinstance(data["Dagsordenpunkter"], (list, type(None))))


def load_firstagenda(name: str, data: bytes) -> LoadedDocument:
    """The text and structure of one FirstAgenda publication. Raises CorruptDocument for JSON that
    cannot be parsed, UnsupportedMediaType for JSON of any other shape."""
    try:
        payload = json.loads(data)
    except (ValueError, UnicodeDecodeError) as exc:
        raise CorruptDocument(f"{name}: not valid JSON ({exc})") from None
    except RecursionError:
        raise CorruptDocument(f"{name}: JSON nested deeper than any meeting publication ({MAX_DEPTH_HINT})") from None
    if not is_firstagenda(payload):
        keys = ", ".join(sorted(payload)[:8]) if isinstance(payload, dict) else type(payload).__name__
        raise UnsupportedMediaType(
            f"{name}: JSON that is not a FirstAgenda meeting (expected an object with 'Moede' and "
            f"'Dagsordenpunkter'; found {keys or 'an empty object'})")
    return _Publication(name, payload).load()


def _str(value: object) -> str:
    return collapse(value) if isinstance(value, str) else ""


def _datetime(value: object) -> dt.datetime | None:
    if not isinstance(value, str) or not value.strip():
        return None
    try:
        return dt.datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
    except ValueError:
        return None


def _dicts(value: object) -> list[dict]:
    return [v for v in value if isinstance(v, dict)] if isinstance(value, list) else []


def body_name(name: str) -> str:
    """A committee as FirstAgenda names it to the body's name: the election term and a closing
    note dropped, a leading sort mark too (".Spørgsmål / Svar …"), the article added where it is
    missing ("Byråd 2022-2025" -> "Byrådet")."""
    name = collapse(name).lstrip(".-_ ")
    name = DELETED_NOTE.sub("", name)
    name = TERM_SUFFIX.sub("", name).strip()
    if name and " " not in name:
        lowered = name.casefold()
        for ending, article in DEFINITE_ENDINGS:
            if lowered.endswith(ending):
                return name + article
    return name


def attachment_title(name: str) -> str:
    """An attachment's title without the pure numbering before it ("Bilag 1. Kort" -> "Kort")."""
    title = collapse(name)
    stripped = ATTACHMENT_NUMBER.sub("", title, count=1).strip()
    return stripped or title


@lru_cache(maxsize=1)
def _municipality_slugs() -> dict[str, str]:
    """Slugs of the 98 municipalities' names and other forms -> "<Name> Kommune" (or the
    Regionskommune form where that is its name)."""
    out: dict[str, str] = {}
    for line in MUNICIPALITIES.read_text(encoding="utf-8").splitlines():
        if not line.strip() or line.startswith("#"):
            continue
        cols = line.split("\t")
        name = cols[1].strip()
        forms = [f.strip() for f in (cols[3].split("|") if len(cols) > 3 else []) if f.strip()]
        official = next((f for f in forms if f.endswith("Regionskommune")), f"{name} Kommune")
        for form in [name, *forms]:
            if form.endswith("Kommune"):
                continue
            for slug in {slugify(form), slugify(form).replace("-", "")}:
                out.setdefault(slug, official)
    return out


def authority_of_hosts(urls: list[str]) -> str | None:
    """The municipality a publication's host names ("dagsordener.greve.dk" -> "Greve Kommune"):
    its domain, else a subdomain ("greve.firstagenda.com"). None where no host names one."""
    slugs = _municipality_slugs()
    for url in urls:
        host = urlsplit(url).hostname or ""
        labels = [label for label in host.split(".") if label]
        if len(labels) < 2:
            continue
        for label in reversed(labels[:-1]):  # the domain first, then its subdomains
            found = slugs.get(label) or slugs.get(slugify(label))
            if found:
                return found
    return None


# --- rendering ---------------------------------------------------------------------------------


def _detach(element: etree._Element) -> None:
    """Remove `element` from its tree, keeping the text that follows it."""
    parent = element.getparent()
    if parent is None:
        return
    if element.tail and element.tail.strip():
        previous = element.getprevious()
        if previous is not None:
            previous.tail = (previous.tail or "") + element.tail
        else:
            parent.text = (parent.text or "") + element.tail
    parent.remove(element)


def _take_history(root: etree._Element) -> list[tuple[str, list[str]]]:
    """Take the `Sagens forløb` heading and what follows it (up to the next heading of its rank)
    out of `root`: its entries as (date and body as written, lines of what was decided)."""
    heading = next((e for e in root.iter(*HEADINGS) if HISTORY_HEADING.match(collapse(e.text_content()))), None)
    if heading is None:
        return []
    rank = heading.tag.lower()
    following = []
    for sibling in heading.itersiblings():
        if isinstance(sibling.tag, str) and sibling.tag.lower() in HEADINGS and sibling.tag.lower() <= rank:
            break
        following.append(sibling)
    # The entries' nodes: the children of a wrapper (<span class="sagsforloeb">), or the siblings.
    nodes: list[etree._Element | str] = []
    if heading.tail and heading.tail.strip():
        nodes.append(heading.tail)
    for element in following:
        wrapper = isinstance(element.tag, str) and element.tag.lower() in ("span", "div", "section")
        if wrapper and any(isinstance(c.tag, str) and c.tag.lower() in ENTRY_TAGS for c in element):
            if element.text and element.text.strip():
                nodes.append(element.text)
            for child in element:
                nodes.append(child)
                if child.tail and child.tail.strip():
                    nodes.append(child.tail)
        else:
            nodes.append(element)
            if element.tail and element.tail.strip():
                nodes.append(element.tail)
    entries: list[tuple[str, etree._Element]] = []
    loose = etree.Element("div")  # text before the first entry
    for node in nodes:
        if not isinstance(node, str) and isinstance(node.tag, str) and node.tag.lower() in ENTRY_TAGS:
            label = collapse(node.text_content())
            if HISTORY_ENTRY.match(label):
                entries.append((label, etree.Element("div")))
                continue
        target = entries[-1][1] if entries else loose
        if isinstance(node, str):
            _append_text(target, node)
        else:
            clone = copy.deepcopy(node)
            clone.tail = None
            target.append(clone)
    for element in [heading, *following]:
        element.tail = None  # taken above
        _detach(element)
    out = [(label, _plain_lines(content)) for label, content in entries]
    if len(loose) or (loose.text and loose.text.strip()):
        out.insert(0, ("", _plain_lines(loose)))
    return out


def _append_text(element: etree._Element, text: str) -> None:
    if len(element):
        element[-1].tail = (element[-1].tail or "") + text
    else:
        element.text = (element.text or "") + text


def _plain_lines(element: etree._Element) -> list[str]:
    rendered = render(element)
    lines = list(rendered.lines)
    for table in rendered.tables:  # a table in a history entry: its rows as text
        lines[table.start_line - 1] = " ".join(" | ".join(c for c in row if c) for row in table.rows)
    return [line for line in lines if CONTENT.search(line)]


class _Publication:
    def __init__(self, name: str, payload: dict):
        self.name = name
        self.payload = payload
        self.meeting: dict = payload["Moede"]
        self.committee: dict = payload.get("Udvalg") if isinstance(payload.get("Udvalg"), dict) else {}
        self.items = _dicts(payload.get("Dagsordenpunkter"))
        self.profile: Profile = load_profile()
        self.warnings: list[tuple[str, str]] = []
        self.concluded = self.meeting.get("Afsluttet") is True
        begin = _datetime(self.meeting.get("Dato")) or _datetime(self.meeting.get("MeetingBeginUtc"))
        self.begin = begin
        self.body = body_name(_str(self.committee.get("Navn"))) or None
        open_flags = {item.get("IsOpen") for item in self.items if isinstance(item.get("IsOpen"), bool)}
        self.open_flag_kept = open_flags == {True, False}  # a publication that keeps IsOpen has both
        words = sorted(self.profile.section("attendance")["absent_headings"], key=len, reverse=True)
        # "Afbud: …", "Fraværende: …": the labels of absence lists (the profile's)
        self.absence_label = regex.compile(rf"^\s*(?:{'|'.join(regex.escape(w) for w in words)})\b", regex.IGNORECASE)

    # meeting ------------------------------------------------------------------------------------

    def _end_time(self) -> str | None:
        end = _datetime(self.meeting.get("MeetingEndUtc"))
        if end is None:
            return None
        if end.tzinfo is not None and self.begin is not None and self.begin.tzinfo is not None:
            end = end.astimezone(self.begin.tzinfo)  # local time, as the start is written
        return f"{end:%H:%M}"

    def _participants(self) -> list[StatedParticipant]:
        out = []
        for person in _dicts(self.meeting.get("Moededeltagere")):
            written = _str(person.get("Name") or person.get("Navn"))
            if not written:
                continue
            absent = person.get("Absent") is True or person.get("ParticipationCancelled") is True
            status = "absent" if absent else "present"
            entry = parse_entry(written, status, 1, self.profile, single_names=True)
            out.append(StatedParticipant(
                name=entry.name if entry else written, status=status, party=entry.party if entry else None,
                role=entry.role if entry else "member", position=entry.position if entry else None,
                substitute_for=entry.substitute_for if entry else None,
                source_id=_str(person.get("Id") or person.get("Uid")) or None))
        return out

    def _is_meeting(self) -> bool:
        """Whether the publication is a meeting at all: FirstAgenda also keeps folders of documents
        as "meetings" (questions and answers to the council over a year), without participants and
        with items that hold only attachments."""
        if _dicts(self.meeting.get("Moededeltagere")):
            return True
        return any(_str(f.get("Html")) and render(f.get("Html")).lines
                   for item in self.items for f in _dicts(item.get("Felter")))

    def _document_type(self, is_meeting: bool) -> tuple[str | None, str | None]:
        """(document type stated, title line) where the JSON says which."""
        if not is_meeting:
            return None, None
        title = _str(self.meeting.get("Navn"))
        if not self.concluded and "Afsluttet" in self.meeting:
            return "agenda", title if regex.search(r"\bdagsorden\b", title, regex.IGNORECASE) else "Dagsorden"
        if self.concluded and MINUTES_WORDS.search(title):
            return "minutes", title
        return None, None

    def _header(self, title: str | None, participants: list[StatedParticipant]) -> list[str]:
        lines = [title] if title else []
        lines.append(_str(self.committee.get("Navn")) or "")
        if self.begin is not None:
            lines.append(f"Dato: {self.begin:%d-%m-%Y %H:%M}")
        place = _str(self.meeting.get("Sted"))
        if place:
            lines.append(f"Sted: {place}")
        written = [_str(p.get("Name") or p.get("Navn")) for p in _dicts(self.meeting.get("Moededeltagere"))]
        written = [w for w in written if w]
        present = [w for w, p in zip(written, participants) if p.status == "present"]
        absent = [w for w, p in zip(written, participants) if p.status == "absent"]
        if present:
            lines.append("Deltagere: " + ", ".join(present))
        if absent:
            lines.append("Afbud: " + ", ".join(absent))
        return [line for line in lines if line]

    # items --------------------------------------------------------------------------------------

    def _field(self, html: object, title: str) -> _Field:
        out = _Field()
        root = parse_fragment(html) if isinstance(html, str) else None
        if root is None:
            return out
        history = _take_history(root)
        rendered = render(root)
        tables = {t.start_line - 1: t for t in rendered.tables}
        # Lines without a word or a number (".", "-": what an emptied field leaves) are left out.
        out.lines = [_Line(text, tables.get(i), i in rendered.headings) for i, text in enumerate(rendered.lines)
                     if i in tables or CONTENT.search(text)]
        if out.lines and out.lines[0].table is None and collapse(out.lines[0].text).casefold() == collapse(title).casefold():
            del out.lines[0]  # the item's title repeated at the top of its text: the heading line has it
        decision_at = next((i for i, line in enumerate(out.lines) if line.heading and self._is_decision(line.text)), None)
        if decision_at is None:
            first_heading = next((i for i, line in enumerate(out.lines) if line.heading), len(out.lines))
            leading = [line.text for line in out.lines[:first_heading] if line.text.strip() or line.table]
            if self.concluded and leading and not NOT_RELEASED.match(" ".join(leading)):
                # the decision published without a heading (a closed item, an older layout)
                out.lines.insert(0, _Line("Beslutning", heading=True))
                decision_at = 0
        if decision_at is not None:
            end = next((i for i in range(decision_at + 1, len(out.lines)) if out.lines[i].heading), len(out.lines))
            while end > decision_at + 1 and not out.lines[end - 1].text.strip() and out.lines[end - 1].table is None:
                end -= 1
            out.decision = (decision_at, end)
        if history:
            out.lines.append(_Line("Sagens forløb", heading=True))
            for label, content in history:
                text = " ".join(content)
                out.lines.append(_Line(f"{label}: {text}" if label and text else (label or text)))
                entry = HISTORY_ENTRY.match(label) if label else None
                if entry is None:
                    continue
                try:
                    date = dt.date(int(entry["y"]), int(entry["m"]), int(entry["d"]))
                except ValueError:
                    date = None
                out.history.append(StatedDecision(by=body_name(entry["by"]) or None, date=date,
                                                  text="\n".join(content), heading=label))
        return out

    def _is_decision(self, text: str) -> bool:
        found = match_part_heading(text, self.profile)
        return found is not None and found[0].kind == "decision" and not found[2]

    def _absent_line(self, item: dict, decision_text: list[str]) -> str | None:
        """`Fraværende: …` for the members the item flags absent, those its decision already
        records as absent left out."""
        recorded = " ".join(t for t in decision_text if self.absence_label.match(t)).casefold()
        by_reason: dict[str, list[str]] = {}
        for person in _dicts(item.get("ExternalAgendaItemAttendees")):
            name, reason = _str(person.get("Name") or person.get("Navn")), _str(person.get("Reason"))
            if not name or not reason or not self.absence_label.match(reason):
                continue  # only absences; a guest attending the item is no absence
            if name.casefold() in recorded:
                continue
            by_reason.setdefault(reason, [])
            if name not in by_reason[reason]:
                by_reason[reason].append(name)
        lines = [f"{reason}: {', '.join(names)}" for reason, names in by_reason.items() if names]
        return "\n".join(lines) or None

    def _history_kept(self, history: list[StatedDecision]) -> list[StatedDecision]:
        """The earlier treatment: entries before this meeting, or of another body on its day, whose
        decision is published."""
        date = self.begin.date() if self.begin else None
        body = (self.body or "").casefold()
        kept = []
        for entry in history:
            text = collapse(entry.text)
            if not text or NOT_RELEASED.match(text):
                continue
            if date and entry.date:
                if entry.date > date:
                    continue  # later treatment
                if entry.date == date and entry.by and entry.by.casefold() == body:
                    continue  # this meeting's own entry: its decision is the item's
            kept.append(entry)
        return kept

    def _item(self, index: int, item: dict, first_line: int) -> tuple[list[_Line], StatedItem]:
        number = _str(item.get("Punktnummer") or item.get("Number")).rstrip(".") or str(index + 1)
        title = _str(item.get("Navn") or item.get("Caption"))
        lines = [_Line(f"{number}. {title}".rstrip(), heading=True)]
        fields = []
        for felt in _dicts(item.get("Felter")):
            rendered = self._field(felt.get("Html"), title)
            label = _str(felt.get("Navn"))
            if label:  # a named field: its name is its heading
                rendered.lines.insert(0, _Line(label, heading=True))
                if rendered.decision:
                    rendered.decision = (rendered.decision[0] + 1, rendered.decision[1] + 1)
                elif self._is_decision(label) and rendered.lines[1:]:
                    rendered.decision = (0, len(rendered.lines))
            fields.append(rendered)
        # Members the system flags absent from this item: after this meeting's decision.
        with_decision = next((f for f in fields if f.decision), None)
        decision_text = ([line.text for line in with_decision.lines[with_decision.decision[0]:with_decision.decision[1]]]
                         if with_decision else [])
        absent = self._absent_line(item, decision_text)
        if absent:
            if with_decision:
                at = with_decision.decision[1]
                with_decision.lines[at:at] = [_Line(text) for text in absent.split("\n")]
            else:
                lines.extend(_Line(text) for text in absent.split("\n"))
        for rendered in fields:
            lines.extend(rendered.lines)
        history = [h for f in fields for h in f.history]
        while len(lines) > 1 and not lines[-1].text.strip() and lines[-1].table is None:
            lines.pop()
        case = _str(item.get("SagsNummer") or item.get("CaseNumber"))
        access = None
        if self.open_flag_kept and isinstance(item.get("IsOpen"), bool):
            access = "public" if item["IsOpen"] else "closed"
        attachments = []
        for bilag in _dicts(item.get("Bilag")):
            written = _str(bilag.get("Navn") or bilag.get("Name") or bilag.get("Titel"))
            if not written:
                continue
            url = next((_str(bilag.get(k)) for k in ("Link", "Url", "URL", "Href") if _str(bilag.get(k))), None)
            attachments.append(StatedAttachment(title=attachment_title(written), url=url,
                                                source_id=_str(bilag.get("Id")) or None))
        stated = StatedItem(
            number=number, title=title, line=first_line, end_line=first_line + len(lines) - 1,
            case_numbers=[c for c in (collapse(p) for p in regex.split(r"[;,]", case)) if c] if case else [],
            access=access, attachments=attachments, history=self._history_kept(history),
            source_id=_str(item.get("Id")) or None, pointer=f"/Dagsordenpunkter/{index}")
        return lines, stated

    def _links(self) -> list[str]:
        links = [_str(f.get("Link")) for item in self.items for f in _dicts(item.get("Felter"))]
        links += [_str(b.get(k)) for item in self.items for b in _dicts(item.get("Bilag")) for k in ("Link", "Url")]
        return [link for link in links if link.startswith(("http://", "https://"))]

    def load(self) -> LoadedDocument:
        participants = self._participants()
        is_meeting = self._is_meeting()
        document_type, title = self._document_type(is_meeting)
        text_lines: list[_Line] = [_Line(line) for line in self._header(title, participants)]
        stated_items = []
        order = sorted(range(len(self.items)), key=lambda i: (
            self.items[i].get("Sorting") if isinstance(self.items[i].get("Sorting"), int) else i, i))
        for index in order:
            text_lines.append(_Line(""))
            lines, stated = self._item(index, self.items[index], len(text_lines) + 1)
            text_lines.extend(lines)
            stated_items.append(stated)
        tables = []
        for number, line in enumerate(text_lines, start=1):
            if line.table is not None:
                line.table.start_line = line.table.end_line = number
                tables.append(line.table)
        if self.begin is None:
            self.warnings.append(("no_date", f"{self.name}: the meeting has no readable date (Moede.Dato)"))
        meeting_id = next((i for i in (_str(self.meeting.get("Id")), _str(self.payload.get("Id")))
                           if i and i != NIL_GUID), None)
        structure = Structure(
            system=SYSTEM, meeting_id=meeting_id, body=self.body,
            authority=authority_of_hosts(self._links()),
            date=self.begin.date() if self.begin else None,
            start_time=f"{self.begin:%H:%M}" if self.begin else None,
            end_time=self._end_time(), place=_str(self.meeting.get("Sted")) or None,
            document_type=document_type, participants=participants, items=stated_items,
            extraordinary=bool(EXTRAORDINARY.search(_str(self.meeting.get("Navn")))))
        text = "\n".join(line.text for line in text_lines) + "\n"
        return LoadedDocument(text=text, media_type=MEDIA_TYPE, system=SYSTEM, tables=tables,
                              warnings=self.warnings, structure=structure)
