"""A saved FirstAgenda meeting web page (the publication site's page of one meeting's agenda or
minutes).

The page's markup, as FirstAgenda's publication site writes it:
- the title `<h1>` ("Dagsorden 8. oktober 2025 kl. 16.00", "Referat …"), the body and place in
  `span.udvalg` / `span.sted`, and the meeting table `table.dagsordeninfo` with label/value rows
  (`Udvalg:`, `Mødedato:`, `Mødested:`, `Information:`, `Mødedeltagere:` in `td.deltagere`);
- one row per item, `tr.punktrow` (id `punktrow_<item GUID>`): the number in its first cell, the
  title in `h2.overskrift`, and `div.details` with the case number (`span.sagsnummer`) and the
  item's fields: headings (`<h3>Resume</h3>`, `Beslutningspunkter`, `Beslutning`, `Sagsforløb:`)
  each followed by its content, and `Bilag` with the attachments (`a.bilag-link`: title, link,
  `enclosure-<GUID>`).
Scripts, navigation, forms, dialogs and hidden elements are no part of it.

The meeting is rendered to text (the title line, the body, the meeting table's rows, then per
item `<number>. <title>`, its case number, and its fields with their headings as heading lines of
their own, attachments under `Bilag`), and what the page states goes into the Structure.
`Sagsforløb` (the case's earlier treatment: `Udvalg: …`, `Dato: …`, `Punktnummer: …` and the
decision's text, once per earlier meeting) is kept as text under its heading and is the item's
`history`. Participants are read from the text where the page lists them (the site fills
`td.deltagere` by script, so a page saved without running it lists nobody).
"""

from __future__ import annotations

from urllib.parse import urljoin

import regex
from lxml import etree

from extractors.structure import StatedAttachment, StatedDecision, StatedItem, Structure
from loaders.base import LoadedDocument
from loaders.builder import TextBuilder, has_content
from loaders.errors import DocumentError, EmptyDocument
from loaders.html import classes, drop_page_chrome, parse_page
from loaders.html_text import text_of
from loaders.meeting_text import parse_datetime, recase

HEADINGS = {"h1", "h2", "h3", "h4", "h5", "h6"}
# The title word of the page's `<h1>`: what the page publishes.
TITLE_TYPES = {"dagsorden": "agenda", "tillægsdagsorden": "agenda", "referat": "minutes",
               "beslutningsprotokol": "minutes", "protokol": "minutes"}
# Labels of the lines of a `Sagsforløb` entry (text lines of the page, not markup).
HISTORY_LABEL = regex.compile(r"^\s*(?P<label>udvalg|dato|punktnummer|punkt)\s*:\s*(?P<value>.*?)\s*$", regex.I)
HISTORY_HEADING = regex.compile(r"^\s*sagsforløb\s*:?\s*$", regex.I)
GUID = regex.compile(r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}")
CLOSED_WORDS = ("lukket", "closed")
# An item number as the first cell shows it: "12", "3.1", "4a".
ITEM_NUMBER = regex.compile(r"^\d{1,3}(?:\.\d{1,3})*[a-z]?$")


def _rows(root: etree._Element) -> list[etree._Element]:
    return [el for el in root.iter("tr") if "punktrow" in classes(el)]


def _title_element(row: etree._Element) -> etree._Element | None:
    return next((el for el in row.iter() if isinstance(el.tag, str) and "overskrift" in classes(el)
                 and el.tag.lower() in HEADINGS), None)


def is_firstagenda_page(data: bytes) -> bool:
    """A FirstAgenda meeting page: item rows (`tr.punktrow`) with their titles (`.overskrift`)."""
    try:
        root = parse_page("page", data)
    except DocumentError:  # not a page at all: the generic loader says why
        return False
    return any(_title_element(row) is not None for row in _rows(root))


def _first(element: etree._Element, cls: str, tag: str | None = None) -> etree._Element | None:
    return next((el for el in element.iter() if isinstance(el.tag, str) and cls in classes(el)
                 and (tag is None or el.tag.lower() == tag)), None)


def _info_rows(root: etree._Element) -> list[tuple[str, str, etree._Element]]:
    """(label without its colon, value, value cell) of the meeting table's rows."""
    table = _first(root, "dagsordeninfo", "table")
    rows = []
    for tr in table.iter("tr") if table is not None else []:
        cells = [td for td in tr if isinstance(td.tag, str) and td.tag.lower() in ("td", "th")]
        if len(cells) >= 2:
            rows.append((text_of(cells[0]).rstrip(":").strip(), text_of(cells[1]), cells[1]))
    return rows


def _document_type(root: etree._Element, title: str) -> str | None:
    word = title.split()[0].casefold() if title.split() else ""
    if word in TITLE_TYPES:
        return TITLE_TYPES[word]
    for el in root.iter():  # the download button: "Hent hele dagsordenen" / "… referatet"
        if not isinstance(el.tag, str) or not (el.get("id") or "").lower().startswith("hentheledagsorden"):
            continue
        kind = (el.get("data-type") or "").casefold()
        if kind in TITLE_TYPES:
            return TITLE_TYPES[kind]
    return None


def _item_number(row: etree._Element) -> str:
    """The number in the row's first cell: its label ("12", "3.1"), not a marker beside it
    ("Lukket punkt")."""
    cells = [td for td in row if isinstance(td.tag, str) and td.tag.lower() in ("td", "th")]
    if not cells:
        return ""
    for el in cells[0].iter():
        text = text_of(el).rstrip(".") if isinstance(el.tag, str) else ""
        if text and ITEM_NUMBER.match(text):
            return text
    words = text_of(cells[0]).split()
    return words[0].rstrip(".") if words else ""


def _item_id(row: etree._Element) -> str | None:
    m = GUID.search(row.get("id") or "")
    if m:
        return m.group(0)
    for el in row.iter():  # "Hent som PDF" of the item: data-type="dagsordenpunkt" data-id="<GUID>"
        if isinstance(el.tag, str) and (el.get("data-type") or "") == "dagsordenpunkt" and el.get("data-id"):
            return el.get("data-id")
    return None


def _closed(row: etree._Element, details: etree._Element | None) -> bool:
    """The site marks a closed item outside its details: a label "Lukket punkt", a lock icon, a
    class naming it closed."""
    for el in row.iter():
        if not isinstance(el.tag, str) or (details is not None and _inside(el, details)):
            continue
        names = " ".join(classes(el)).casefold()
        if any(w in names for w in CLOSED_WORDS) or "glyphicon-lock" in names:
            return True
        if el.tag.lower() in ("span", "div", "small", "em") and text_of(el).casefold() in ("lukket punkt", "lukket"):
            return True
    return False


def _inside(element: etree._Element, container: etree._Element) -> bool:
    while element is not None:
        if element is container:
            return True
        element = element.getparent()
    return False


def _contains_heading(element: etree._Element) -> bool:
    return any(isinstance(el.tag, str) and el.tag.lower() in HEADINGS for el in element.iterdescendants())


def _blocks(element: etree._Element):
    """The details of an item in reading order: ("heading", text), ("content", element) and
    ("text", string) for text between elements; containers that hold headings are opened."""
    if element.text and element.text.strip():
        yield "text", element.text
    for child in element:
        if isinstance(child.tag, str):
            tag = child.tag.lower()
            if tag in HEADINGS:
                yield "heading", text_of(child)
            elif "sagsnummer" in classes(child):
                yield "case", text_of(child)
            elif _contains_heading(child) or any("sagsnummer" in classes(el) for el in child.iterdescendants()
                                                 if isinstance(el.tag, str)):
                yield from _blocks(child)
            else:
                yield "content", child
        if child.tail and child.tail.strip():
            yield "text", child.tail


class _Field:
    def __init__(self, heading: str | None):
        self.heading = heading
        self.parts: list[tuple[str, object]] = []


def _fields(details: etree._Element) -> tuple[list[str] | None, list[_Field]]:
    """The item's case numbers (None where the page shows no case-number element) and fields."""
    cases: list[str] | None = None
    fields = [_Field(None)]
    for kind, value in _blocks(details):
        if kind == "case":
            cases = (cases or []) + [n for n in (p.strip() for p in value.replace(";", ",").split(",")) if n]
        elif kind == "heading":
            if value:  # an empty heading (`<h3/>`) opens nothing
                fields.append(_Field(value))
        else:
            fields[-1].parts.append((kind, value))
    return cases, [f for f in fields if f.heading or f.parts]


def _attachment_links(field: _Field, base: str | None) -> list[StatedAttachment]:
    links = []
    for kind, value in field.parts:
        if kind != "content":
            continue
        for a in value.iter("a"):
            if "bilag-link" not in classes(a) and not (a.get("id") or "").startswith("enclosure-"):
                continue
            title = text_of(a)
            if not title:
                continue
            href = a.get("href") or None
            m = GUID.search(a.get("id") or "") or GUID.search(href or "")
            links.append(StatedAttachment(title=title, url=urljoin(base, href) if base and href else href,
                                          source_id=m.group(0) if m else None))
    return links


def _history(lines: list[str]) -> list[StatedDecision]:
    """The entries of `Sagsforløb`: `Udvalg: …` opens one, `Dato: …` and `Punktnummer: …` follow,
    then the decision's text."""
    entries: list[StatedDecision] = []
    current: dict | None = None

    def close():
        if current and (current["text"] or current["by"]):
            entries.append(StatedDecision(by=current["by"], date=current["date"], text="\n".join(current["text"]),
                                          heading=current["heading"]))

    for line in lines:
        m = HISTORY_LABEL.match(line)
        label = m["label"].lower() if m else ""
        if label == "udvalg":
            close()
            current = {"by": m["value"] or None, "date": None, "text": [], "heading": f"Sagsforløb: {m['value']}"}
        elif current is not None and label == "dato" and current["date"] is None and not current["text"]:
            current["date"] = parse_datetime(m["value"])[0]
            current["heading"] += f", {m['value']}"
        elif current is not None and label in ("punktnummer", "punkt") and not current["text"]:
            current["heading"] += f", punkt {m['value']}"
        elif current is not None:
            current["text"].append(line)
    close()
    return entries


def _base_url(root: etree._Element) -> str | None:
    """Where the page was published, where it says so (`<base href>`, a canonical link, og:url)."""
    for el in root.iter("base", "link", "meta"):
        if el.tag == "base" and el.get("href"):
            return el.get("href")
        if el.tag == "link" and (el.get("rel") or "").lower() == "canonical" and el.get("href"):
            return el.get("href")
        if el.tag == "meta" and (el.get("property") or "").lower() == "og:url" and el.get("content"):
            return el.get("content")
    return None


def load_firstagenda_page(name: str, data: bytes) -> LoadedDocument:
    root = parse_page(name, data)
    base = _base_url(root)
    rows = [row for row in _rows(root) if _title_element(row) is not None]
    # An item's details may be collapsed by the page (hidden, display: none) until clicked: they
    # are the item's text, not hidden text. Dialogs, forms and the hidden description row are not.
    for row in rows:
        for details in (el for el in row.iter() if isinstance(el.tag, str) and "details" in classes(el)):
            details.attrib.pop("hidden", None)
            details.attrib.pop("style", None)
    drop_page_chrome(root)
    rows = [row for row in rows if _inside(row, root)]

    h1 = next((el for el in root.iter("h1")), None)
    title = text_of(h1)
    document_type = _document_type(root, title)
    info = _info_rows(root)
    info_value = {label.casefold(): value for label, value, _ in info}
    body_el = _first(root, "udvalg")
    body = info_value.get("udvalg") or text_of(body_el) or None
    place_el = _first(root, "sted", "span")
    place = info_value.get("mødested") or text_of(place_el) or None
    date, start_time = parse_datetime(info_value.get("mødedato") or info_value.get("dato") or title)
    if date is None:
        date, start_time = parse_datetime(title)

    out = TextBuilder()
    if title:
        out.line(title)
    if body:
        out.line(body)
    for label, value, cell in info:
        if label.casefold() in ("udvalg",) or not value:
            continue
        if "deltagere" in classes(cell) or label.casefold().endswith("deltagere"):
            out.line(label)  # the participants, one a line, for the attendance reader
            out.html(cell)
        else:
            out.line(f"{label}: {value}")

    items: list[StatedItem] = []
    tree = root.getroottree()
    warnings: list[tuple[str, str]] = []
    for index, row in enumerate(rows, start=1):
        number = _item_number(row)
        item_title = text_of(_title_element(row))
        details = _first(row, "details")
        if not number:
            number = str(index)
            warnings.append(("item_without_number", f"item '{item_title}' has no number on the page; "
                                                    f"numbered {number} by its place"))
        out.blank()
        line = out.line(f"{number}. {item_title}")
        cases, fields = _fields(details) if details is not None else (None, [])
        for case in cases or []:
            out.line(case)
        attachments: list[StatedAttachment] = []
        field_lines: list[int] = []
        history: list[StatedDecision] = []
        for field in fields:
            links = _attachment_links(field, base)
            if links:
                attachments.extend(links)
                field_lines.append(out.line(field.heading or "Bilag"))
                for link in links:
                    out.line(f"- {link.title}")
                continue
            heading_line = out.line(field.heading) if field.heading else None
            added: list[str] = []
            for kind, value in field.parts:
                added += out.text(value) if kind == "text" else out.html(value)
            if heading_line and not any(has_content(t) for t in added):
                out.lines.pop()  # a heading over nothing
                continue
            if heading_line:
                field_lines.append(heading_line)
            if field.heading and HISTORY_HEADING.match(field.heading):
                history.extend(_history([t for t in added if t]))
        row_id = row.get("id")
        items.append(StatedItem(
            number=number, title=item_title, line=line, end_line=out.last_line, case_numbers=cases,
            access="closed" if _closed(row, details) else None, attachments=attachments, history=history,
            source_id=_item_id(row),
            pointer=f'//tr[@id="{row_id}"]' if row_id else tree.getpath(row), heading_lines=field_lines))
    if not items and not any(out.lines):
        raise EmptyDocument(f"{name}: the FirstAgenda page holds no meeting")

    meeting_id = None
    for el in root.iter():
        if isinstance(el.tag, str) and (el.get("id") or "").lower() == "hentheledagsorden":
            m = GUID.search(el.get("data-id") or "")
            meeting_id = m.group(0) if m else None
    structure = Structure(
        system="firstagenda-html", meeting_id=meeting_id, body=recase(body, "\n".join(out.lines)) if body else None,
        date=date, start_time=start_time, place=place, document_type=document_type, participants=None,
        items=items, base_url=base)
    return LoadedDocument(text=out.text_value, media_type="text/html", system="firstagenda-html", tables=out.tables,
                          warnings=warnings, structure=structure)


__all__ = ["is_firstagenda_page", "load_firstagenda_page"]
