"""One meeting from several documents: the pages of its items, or rival copies of the whole.

Many portals publish a meeting as one page per item. Each page is read as a document of its own
and gives a record of the same meeting (the same record id: authority, body and date), holding
its own items. Two documents of one meeting are either
- **parts**: their items are (almost) all different ones — the record is assembled from them: the
  union of their items in item order, each item naming the document it was read from
  (`items[].document`), the meeting's facts from whichever part states them, `source.parts`
  listing every document; or
- **rivals**: copies of the same minutes (a `.txt` and a `.pdf`) — one of them is read, by the rule
  in pipeline/ingest.py, the others named in `source.alternatives`.
Pure functions of records: the store and the manifest are pipeline/ingest.py's.
"""

from __future__ import annotations

from schemas.record import DocumentRef, MeetingRecord, RecordWarning

# Two documents whose items overlap by more than this share of the items are rival copies.
RIVAL_OVERLAP = 0.2
MEETING_FIELDS = ("body", "authority", "date", "start_time", "end_time", "place", "next_meeting")


def item_keys(record: MeetingRecord) -> list[str]:
    """What tells an item apart across documents: its number, or its title where it has no number
    of its own (an item page's position "1" says nothing), or the document itself."""
    unnumbered = any(w.code == "unnumbered_items" for w in record.warnings)
    keys = []
    for index, item in enumerate(record.items):
        if not unnumbered:
            keys.append(f"#{item.number}")
        elif item.title:
            keys.append(f"t:{item.title.casefold()}")
        else:
            keys.append(f"d:{record.source.sha256}:{index}")
    return keys


def group_parts(records: list[MeetingRecord]) -> list[list[MeetingRecord]]:
    """The records of one meeting's documents, best first, in groups that hold the same items: a
    group of one is a part of its own; a document whose items overlap a group's by more than
    RIVAL_OVERLAP of the fewer joins it as a rival copy (the first of a group is the one read).
    A document without items is a rival of the first group."""
    groups: list[tuple[set[str], list[MeetingRecord]]] = []
    for record in records:
        keys = set(item_keys(record))
        for held, members in groups:
            if not keys or not held or len(keys & held) > RIVAL_OVERLAP * min(len(keys), len(held)):
                members.append(record)
                break
        else:
            groups.append((keys, [record]))
    return [members for _, members in groups]


def reference(record: MeetingRecord) -> DocumentRef:
    s = record.source
    return DocumentRef(file_name=s.file_name, sha256=s.sha256, media_type=s.media_type, system=s.system)


def _number_key(number: str) -> tuple:
    return tuple((0, int(p), "") if p.isdecimal() and p.isascii() else (1, 0, p) for p in number.split("."))


def assemble(records: list[MeetingRecord]) -> MeetingRecord:
    """The record of a meeting published as `records` (its parts, as `are_parts` says): items in
    item order (by number; by the parts' order where items have no numbers), each naming its
    document; the meeting's facts from the part that states most of them, gaps filled from the
    others; participants, sections, evidence and warnings of all the parts."""
    parts = sorted(records, key=lambda r: (min((_number_key(i.number) for i in r.items), default=()),
                                           r.source.file_name, r.source.sha256))
    base = max(parts, key=lambda r: (sum(getattr(r.meeting, f) is not None for f in MEETING_FIELDS),
                                     len(r.participants), -parts.index(r)))
    data = base.model_dump()
    for other in parts:
        for name in MEETING_FIELDS:
            if data["meeting"][name] is None and getattr(other.meeting, name) is not None:
                data["meeting"][name] = other.meeting.model_dump()[name]
    numbered = not any(w.code == "unnumbered_items" for r in parts for w in r.warnings)
    items = []
    for part in parts:
        ref = reference(part).model_dump()
        for item in part.items:
            items.append({**item.model_dump(), "document": ref})
    if numbered:
        items.sort(key=lambda i: _number_key(i["number"]))  # stable: one number twice keeps its parts' order
    else:
        for position, item in enumerate(items, start=1):
            item["number"] = str(position)
    for order, item in enumerate(items):
        item["order"] = order
    data["items"] = items

    people, seen = [], set()
    for part in parts:
        for p in part.participants:
            key = (p.name.casefold(), p.status)
            if key in seen:
                continue
            seen.add(key)
            people.append({**p.model_dump(), "line": p.line if part is base else None})
    data["participants"] = people
    sections = {s.label: s.model_dump() for part in parts for s in part.sections}
    data["sections"] = list(sections.values())

    data["document_type"] = "minutes" if any(r.document_type == "minutes" for r in parts) else base.document_type
    data["not_minutes_reason"] = None if data["document_type"] != "not_minutes" else base.not_minutes_reason
    evidence = [e for r in parts for e in r.classification]
    data["classification"] = [f"assembled from {len(parts)} documents of one meeting",
                              *dict.fromkeys(evidence)]
    warnings = []
    for part in parts:
        for w in part.warnings:
            if w.code in ("duplicate_source", "assembled_from_parts"):
                continue
            message = w.message if part is base else f"{part.source.file_name}: {w.message}"
            warnings.append({**w.model_dump(), "message": message})
    names = ", ".join(p.source.file_name for p in parts)
    warnings.append(RecordWarning(code="assembled_from_parts", message=(
        f"the meeting is published as {len(parts)} documents ({names}); their items are put together in "
        "item order, each with its own document (`items[].document`)")).model_dump())
    data["warnings"] = warnings
    covered = [r.coverage for r in parts if r.coverage is not None]
    if covered:
        body = sum(c.body_chars for c in covered)
        placed = sum(c.placed_chars for c in covered)
        data["coverage"] = {"share": round(placed / body, 4) if body else 1.0, "body_chars": body, "placed_chars": placed,
                            "unassigned": [u.model_dump() for c in covered for u in c.unassigned],
                            "furniture_chars": sum(c.furniture_chars for c in covered)}
    data["source"]["parts"] = [reference(r).model_dump() for r in parts]
    data["source"]["alternatives"] = []
    return MeetingRecord.model_validate(data)


def parts_of(record: MeetingRecord) -> set[str]:
    """The sha256 of the documents a stored record is assembled from (none for one document)."""
    return {p.sha256 for p in record.source.parts}
