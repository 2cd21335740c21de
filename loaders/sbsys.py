"""SBSYS/eDoc eDagsorden XML exports: a publication of one meeting's agenda or minutes.

The export (`<Publication>`, its `PublicationTypeAsEnum` Draft/Final for an agenda, Minutes for
minutes) holds `<Agendas><Agenda>` with the `<Meeting>` (`When`, `Until`, `Where`, `Members` with
each member's `ParticipationStatus…`), the `<Committee>` (the body) and `<Items>`: each `<Item>`
with its `Number`, `Caption` (or `Title`), `Case` number, `IsPublic`, `Enclosures` (attachments)
and `Fields` (`ItemField`: `Caption`, `FieldTypeAsEnum` Html or Multiline, `IsFeedback` for the
decision fields, `Content`). Element names are read without their namespace, values from CDATA
or text alike.

The meeting is rendered to text (a title line `Dagsorden`/`Referat`, the body, date and place,
the members, then per item `<number>. <title>` and its fields, each field's caption a heading line
of its own, its HTML through loaders.html_text, and its attachments under `Bilag`), and what the
export states goes into the Structure: meeting facts, members and their participation, and per
item number, title, case numbers, access, attachments, the item's id and an XPath to it.

A decision field that keeps every meeting's decision under its date ("18. september 2012: Sagen
udsat …" then "25. september 2012:") gives the decisions of earlier meetings as the item's earlier
treatment (`history`), not as text under the heading; the entry of this meeting stays the field's
text (an entry with only its date is no decision). A field that holds only the system's
placeholder ("Tomt indhold") is empty. Empty fields are left out.

The parser resolves no entities and loads nothing from the network.
"""

from __future__ import annotations

from lxml import etree

from extractors.structure import StatedAttachment, StatedItem, StatedParticipant, Structure
from loaders.base import LoadedDocument
from loaders.builder import TextBuilder, has_content
from loaders.errors import CorruptDocument, EmptyDocument, UnsupportedMediaType
from loaders.html_text import Rendered, render
from loaders.meeting_text import (earlier_decisions, is_placeholder, name_and_party, parse_datetime, recase)

EXPECTED = ("an SBSYS/eDoc eDagsorden export: <Publication> with <Agendas><Agenda> holding the <Meeting>, "
            "<Committee> and <Items>")
# PublicationTypeAsEnum / AsValue: what the export publishes.
PUBLICATION_TYPES = {"draft": "agenda", "final": "agenda", "agenda": "agenda", "dagsorden": "agenda",
                     "kladde": "agenda", "minutes": "minutes", "referat": "minutes", "protocol": "minutes"}
PUBLICATION_VALUES = {"0": "agenda", "1": "agenda", "2": "minutes"}
TITLES = {"agenda": "Dagsorden", "minutes": "Referat"}
# ParticipationStatusAsValue: 0 not decided (the members an agenda lists), 1 and 4 taking part.
PRESENT_VALUES = {"0", "1", "4"}
PRESENT_WORDS = ("notdecided", "participat", "present", "attend", "deltager", "deltog", "mødt")
ABSENT_WORDS = ("absent", "notparticipat", "cancel", "afbud", "fravær", "forfald", "ikke")
# Roles of people on the meeting's list who serve it rather than sit on the body.
STAFF_ROLES = ("sekretær", "mødesekretær", "referent", "protokolfører", "secretary")


def _parser() -> etree.XMLParser:
    return etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False, remove_comments=True,
                           remove_pis=True, huge_tree=False)


def parse_xml(name: str, data: bytes) -> etree._Element:
    """The export's root element, namespaces taken off the element names. CorruptDocument for XML
    that does not parse."""
    try:
        root = etree.fromstring(data, parser=_parser())
    except etree.XMLSyntaxError as exc:
        raise CorruptDocument(f"{name}: malformed XML ({exc})") from exc
    if root is None:
        raise CorruptDocument(f"{name}: malformed XML (no root element)")
    for element in root.iter():
        if isinstance(element.tag, str) and "}" in element.tag:
            element.tag = etree.QName(element).localname
    return root


def _text(element: etree._Element | None, path: str) -> str:
    if element is None:
        return ""
    return " ".join((element.findtext(path) or "").split())


def _raw(element: etree._Element | None, path: str) -> str:
    return (element.findtext(path) or "") if element is not None else ""


def _flag(element: etree._Element | None, path: str) -> bool | None:
    value = _text(element, path).lower()
    return {"true": True, "1": True, "ja": True, "false": False, "0": False, "nej": False}.get(value)


def _document_type(root: etree._Element) -> str | None:
    kind = _text(root, "PublicationTypeAsEnum").casefold()
    if kind in PUBLICATION_TYPES:
        return PUBLICATION_TYPES[kind]
    return PUBLICATION_VALUES.get(_text(root, "PublicationTypeAsValue"))


def _status(member: etree._Element) -> str:
    value = _text(member, "ParticipationStatusAsValue")
    words = _text(member, "ParticipationStatusAsText").casefold().replace(" ", "")
    if words:
        if words.startswith(PRESENT_WORDS):
            return "present"
        if any(w in words for w in ABSENT_WORDS):
            return "absent"
    if not value or value in PRESENT_VALUES:
        return "present"
    return "absent"


def _participants(meeting: etree._Element | None, committee: etree._Element | None) -> list[StatedParticipant] | None:
    members = meeting.findall("Members/MeetingMember") if meeting is not None else []
    if not members and committee is not None:
        members = committee.findall("Members/CommitteeMember")
    people = []
    for member in members:
        written = _text(member, "Name") or _text(member, "Member/Name")
        if not written:
            continue
        name, party = name_and_party(written)
        position = _text(member, "MeetingMemberRolesList") or None
        role = "staff" if position and position.casefold().startswith(STAFF_ROLES) else "member"
        people.append(StatedParticipant(name=name, party=party, status=_status(member), role=role,
                                        position=position, source_id=member.get("ID") or None))
    return people or None


def _render_field(field: etree._Element, first_line: int):
    """The rendered content of one field (lines, tables) starting at `first_line`."""
    content = _raw(field, "Content")
    if not content.strip():
        return None
    kind = _text(field, "FieldTypeAsEnum").casefold()
    if kind and kind != "html":  # Multiline, Text: plain text, one line per line
        lines = [" ".join(t.split()) for t in content.replace("\r\n", "\n").split("\n")]
        return Rendered(lines=[t for t in lines if has_content(t)])
    return render(content, first_line=first_line)


def _fields(item: etree._Element) -> list[etree._Element]:
    fields = item.findall("Fields/ItemField")
    try:
        return sorted(fields, key=lambda f: int(_text(f, "Index")))
    except ValueError:
        return fields


def _attachments(item: etree._Element, agenda: etree._Element) -> list[StatedAttachment]:
    enclosures = item.findall("Enclosures/Enclosure")
    if not enclosures and item.get("ID"):  # listed only for the whole agenda, tied by ItemID
        enclosures = [e for e in agenda.findall("Enclosures/Enclosure") if e.get("ItemID") == item.get("ID")]
    out = []
    for enclosure in enclosures:
        title = _text(enclosure, "Name") or _text(enclosure, "Title")
        if not title:
            file_name = _text(enclosure, "FileName").replace("\\", "/").rsplit("/", 1)[-1]
            title = file_name.rsplit(".", 1)[0] if file_name else ""
        if not title:
            continue
        url = _text(enclosure, "DownloadUrl") or _text(enclosure, "InstantiationFilePathRelative").replace("\\", "/")
        out.append(StatedAttachment(title=title, url=url or None, source_id=enclosure.get("ID") or None))
    return out


def _case_numbers(item: etree._Element) -> list[str] | None:
    cases = item.findall("Case") + item.findall("Cases/Case")
    if not cases:
        return None  # the export says nothing: read from the text
    numbers = []
    for case in cases:
        number = _text(case, "Number")
        if number and number not in numbers:
            numbers.append(number)
    return numbers  # a Case without a number (ID 0): the item has no case


def _item_absences(item: etree._Element, absent_from_meeting: set[str]) -> list[str]:
    """Members the item records as not taking part (decided, not taking part) beyond those absent
    from the whole meeting."""
    names = []
    for member in item.findall("Members/ItemMember"):
        if _text(member, "ParticipationStatusAsValue") in ("", "0") and not _text(member, "ParticipationStatusAsText"):
            continue
        if _text(member, "ParticipationStatusAsText").casefold() == "notdecided":
            continue
        if _status(member) == "absent":
            name = name_and_party(_text(member, "Name"))[0]
            if name and name not in absent_from_meeting:
                names.append(name)
    return names


def _whole_text(agenda: etree._Element) -> str:
    """All field text of the agenda, for re-casing names written in capitals."""
    parts = []
    for content in agenda.iterfind("Items/Item/Fields/ItemField/Content"):
        if content.text and content.text.strip():
            parts.append("\n".join(render(content.text).lines))
    return "\n".join(parts)


def load_sbsys(name: str, data: bytes) -> LoadedDocument:
    root = parse_xml(name, data)
    tag = root.tag.lower() if isinstance(root.tag, str) else ""
    if tag == "html":  # XHTML without a doctype in its first KiB: a web page after all
        from loaders.firstagenda_html import is_firstagenda_page, load_firstagenda_page
        from loaders.html import load_html

        return load_firstagenda_page(name, data) if is_firstagenda_page(data) else load_html(name, data)
    if root.tag != "Publication":
        raise UnsupportedMediaType(f"{name}: an XML document with root <{root.tag}> is no meeting publication "
                                   f"referat knows (expected {EXPECTED})")
    agendas = root.findall("Agendas/Agenda")
    if not agendas:
        raise UnsupportedMediaType(f"{name}: a <Publication> without <Agendas><Agenda>: no meeting in it "
                                   f"(expected {EXPECTED})")
    warnings: list[tuple[str, str]] = []
    if len(agendas) > 1:
        warnings.append(("multiple_agendas", f"the export holds {len(agendas)} agendas; only the first "
                                             f"('{_text(agendas[0], 'Name')}') was read"))
    agenda = agendas[0]
    meeting = agenda.find("Meeting")
    committee = agenda.find("Committee")
    document_type = _document_type(root)

    whole_text = _whole_text(agenda)
    body = recase(_text(committee, "Name") or _text(agenda, "Name"), whole_text) or None
    date, start_time = parse_datetime(_text(meeting, "When"))
    end_date, end_time = parse_datetime(_text(meeting, "Until"))
    if end_date is not None and date is not None and end_date != date:
        end_time = None
    if end_time and start_time and end_time <= start_time:
        end_time = None
    place = _text(meeting, "Where") or None
    participants = _participants(meeting, committee)

    out = TextBuilder()
    # --- header: title word, body, the agenda's own name and front page, date, place, members ---
    if document_type:
        out.line(TITLES[document_type])
    if body:
        out.line(body)
    agenda_name = _text(agenda, "Name")
    if agenda_name and agenda_name.casefold() != (body or "").casefold():
        out.line(agenda_name)
    frontpage = _raw(agenda, "Frontpage")
    if frontpage.strip():
        out.html(frontpage)
    if date:
        when = f"Mødedato: {date:%d-%m-%Y}"
        if start_time:
            when += f" kl. {start_time}" + (f"-{end_time}" if end_time else "")
        out.line(when)
    if place:
        out.line(f"Mødested: {place}")
    absent_names = set()
    if participants:
        for heading, status in (("Medlemmer", "present"), ("Afbud", "absent")):
            listed = [p for p in participants if p.status == status]
            if listed:
                out.blank()
                out.line(heading)
                for person in listed:
                    out.line(f"{person.name} ({person.party})" if person.party else person.name)
        absent_names = {p.name for p in participants if p.status == "absent"}

    # --- items ---
    items: list[StatedItem] = []
    tree = root.getroottree()
    for index, item in enumerate(agenda.findall("Items/Item"), start=1):
        number = _text(item, "Number").rstrip(".") or str(index)
        title = _text(item, "Caption") or _text(item, "Title") or _text(item, "Case/Title")
        if not _text(item, "Number"):
            warnings.append(("item_without_number", f"item '{title}' has no number in the export; "
                                                    f"numbered {number} by its place"))
        public = _flag(item, "IsPublic")
        out.blank()
        line = out.line(f"{number}. {title}".strip())
        history = []
        field_lines: list[int] = []
        for field in _fields(item):
            caption = _text(field, "Caption")
            rendered = _render_field(field, out.next_line + (1 if caption else 0))
            if rendered is None:
                continue
            lines = [t for t in rendered.lines if t]
            if not rendered.tables and (not lines or is_placeholder(lines)):
                continue
            if _flag(field, "IsFeedback") and not rendered.tables:
                earlier, kept = earlier_decisions(caption, rendered.lines, date, body, whole_text)
                history.extend(earlier)
                if not any(has_content(t) for t in kept):
                    continue
                rendered.lines = kept
            if caption:
                field_lines.append(out.line(caption))
            out.rendered(rendered)
        attachments = _attachments(item, agenda)
        if attachments:
            field_lines.append(out.line("Bilag"))
            for attachment in attachments:
                out.line(f"- {attachment.title}")
        absences = _item_absences(item, absent_names)
        if absences:
            field_lines.append(out.line("Fraværende: " + ", ".join(absences)))
        items.append(StatedItem(
            number=number, title=title, line=line, end_line=out.last_line, case_numbers=_case_numbers(item),
            access=None if public is None else ("public" if public else "closed"), attachments=attachments,
            history=history, heading_lines=field_lines, source_id=item.get("ID") or None,
            pointer=tree.getpath(item)))
    if not items and not any(out.lines):
        raise EmptyDocument(f"{name}: the export holds no items and no meeting text")

    structure = Structure(
        system="sbsys", meeting_id=(meeting.get("ID") if meeting is not None else None) or None, body=body,
        date=date, start_time=start_time, end_time=end_time, place=place, document_type=document_type,
        participants=participants, items=items)
    return LoadedDocument(text=out.text_value, media_type="application/xml", system="sbsys", tables=out.tables,
                          warnings=warnings, structure=structure)


__all__ = ["load_sbsys", "parse_xml"]
