"""Scoring records against hand-made gold annotations (the format of tests/fixtures/gold/).

Every field is scored as precision, recall and F1 over true positives, false positives and false
negatives. Scalars: a right value is a TP, a wrong value both an FP and an FN, a value where gold
has none an FP, a missing value an FN (null against null counts as right). Lists (people, case
numbers, attachments, protocol notes, decisions, item absences, votes) are compared as multisets.
Item fields are compared by item number; texts after collapsing whitespace, with a small tolerance
for rejoined hyphenation. A field is scored only where the gold file has it (older gold files lack
`authority`, `end_time`, `staff` and the item fields `access`, `decisions`, `absent`, `votes`).
"""

from __future__ import annotations

import difflib
import json
from pathlib import Path

import regex

from pipeline.evaluate_entities import add_scores, format_entity_report, score_entities_for
from schemas.record import AgendaItem, MeetingRecord

TEXT_TOLERANCE = 0.97
ITEM_FIELDS = ("title", "section", "access", "toc_page", "case_numbers", "case_handlers", "recommendation",
               "decision", "decision_outcome", "decisions", "absent", "attachments", "tables", "protocol_notes",
               "votes")
MEETING_FIELDS = ("document_type", "authority", "body", "date", "start_time", "end_time", "place", "next_meeting")
PEOPLE = (("attendees", "present"), ("absent", "absent"), ("staff", "staff"))


def _text_key(value: object) -> str:
    return regex.sub(r"\s+", " ", str(value)).strip()


def same(gold: object, predicted: object) -> bool:
    if gold is None or predicted is None:
        return gold is None and predicted is None
    if isinstance(gold, dict) and isinstance(predicted, dict):
        # a decision or a vote: every key the gold gives must agree (texts with the text tolerance)
        return all(same(gold[k], predicted.get(k)) for k in gold)
    if not isinstance(gold, str) or not isinstance(predicted, str):
        return gold == predicted
    a, b = _text_key(gold), _text_key(predicted)
    if a == b:
        return True
    # Tolerate rejoined hyphenation ("infra- struktur") and other tiny differences in long texts.
    a2, b2 = a.replace("- ", ""), b.replace("- ", "")
    return a2 == b2 or (len(a) > 40 and difflib.SequenceMatcher(None, a, b, autojunk=False).ratio() >= TEXT_TOLERANCE)


class Tally:
    def __init__(self) -> None:
        self.tp = self.fp = self.fn = 0

    def scalar(self, gold: object, predicted: object) -> None:
        if same(gold, predicted):
            self.tp += 1
            return
        if predicted is not None:
            self.fp += 1
        if gold is not None:
            self.fn += 1

    def multiset(self, gold: list, predicted: list) -> None:
        unmatched = list(predicted)
        for g in gold:
            hit = next((i for i, p in enumerate(unmatched) if same(g, p)), None)
            if hit is None:
                self.fn += 1
            else:
                self.tp += 1
                unmatched.pop(hit)
        self.fp += len(unmatched)

    def add(self, other: Tally) -> None:
        self.tp, self.fp, self.fn = self.tp + other.tp, self.fp + other.fp, self.fn + other.fn

    def scores(self) -> dict:
        p = self.tp / (self.tp + self.fp) if self.tp + self.fp else 1.0
        r = self.tp / (self.tp + self.fn) if self.tp + self.fn else 1.0
        f = 2 * p * r / (p + r) if p + r else 0.0
        return {"precision": round(p, 4), "recall": round(r, 4), "f1": round(f, 4),
                "tp": self.tp, "fp": self.fp, "fn": self.fn}


def item_view(item: AgendaItem) -> dict:
    """An item in the gold file's terms."""
    return {
        "number": item.number,
        "title": item.title,
        "section": item.section,
        "access": item.access,
        "toc_page": item.toc_page,
        "case_numbers": [c.number for c in item.case_numbers],
        "case_handlers": [h for c in item.case_numbers for h in c.handlers],
        "recommendation": item.recommendation.text if item.recommendation else None,
        "decision": item.decision.text if item.decision else None,
        "decision_outcome": item.decision.outcome if item.decision else "none",
        "decisions": [{"by": d.by, "date": d.date.isoformat() if d.date else None, "text": d.text,
                       "outcome": d.outcome} for d in item.decisions],
        "absent": list(item.absent),
        "attachments": [a.title for a in item.attachments],
        "tables": len(item.tables),
        "protocol_notes": list(item.decision.protocol_notes) if item.decision else [],
        "votes": [{"position": v.position, "parties": v.parties, "count": v.count} for v in item.votes],
    }


def _person(p: dict) -> str:
    return json.dumps([p.get("name"), p.get("party"), p.get("municipality")], ensure_ascii=False)


def score_record(gold: dict, record: MeetingRecord | None) -> dict[str, Tally]:
    """Tallies per field for one document; only the fields the gold file has."""
    gold_item_fields = {k for i in gold.get("items", []) for k in i}
    people = [name for name, _ in PEOPLE if name in gold or name != "staff"]
    tallies: dict[str, Tally] = {name: Tally() for name in (
        "items", *(f for f in MEETING_FIELDS if f in gold), *people,
        *(f for f in ITEM_FIELDS if f in gold_item_fields))}
    meeting = record.meeting if record else None
    next_meeting = None
    if meeting and meeting.next_meeting:
        nm = meeting.next_meeting
        next_meeting = {"date": nm.date.isoformat() if nm.date else None, "start_time": nm.start_time,
                        "end_time": nm.end_time}
    predicted_meeting = {
        "document_type": record.document_type if record else None,
        "authority": meeting.authority if meeting else None,
        "body": meeting.body if meeting else None,
        "date": meeting.date.isoformat() if meeting and meeting.date else None,
        "start_time": meeting.start_time if meeting else None,
        "end_time": meeting.end_time if meeting else None,
        "place": meeting.place if meeting else None,
        "next_meeting": next_meeting,
    }
    for name in MEETING_FIELDS:
        if name in gold:
            tallies[name].scalar(gold[name], predicted_meeting[name])

    participants = record.participants if record else []
    for name, status in PEOPLE:
        if name not in tallies:
            continue
        if status == "staff":
            predicted = [_person(p.model_dump()) for p in participants if p.role == "staff"]
        else:
            predicted = [_person(p.model_dump()) for p in participants if p.status == status and p.role != "staff"]
        tallies[name].multiset([_person(p) for p in gold.get(name, [])], predicted)

    predicted_items = {i.number: item_view(i) for i in (record.items if record else [])}
    gold_items = {i["number"]: i for i in gold.get("items", [])}
    tallies["items"].multiset(list(gold_items), list(predicted_items))
    for number in gold_items.keys() | predicted_items.keys():
        g, p = gold_items.get(number), predicted_items.get(number)
        for name in ITEM_FIELDS:
            if name not in tallies:
                continue
            gv = g.get(name) if g else None
            pv = p.get(name) if p else None
            tally = tallies[name]
            if name == "case_handlers" or isinstance(gv, list) or isinstance(pv, list):
                tally.multiset(gv or [], pv or [])
            elif g is None:
                tally.fp += pv is not None
            elif p is None:
                tally.fn += gv is not None
            else:
                tally.scalar(gv, pv)
    return tallies


def _load_records(records_dir: Path) -> dict[str, MeetingRecord]:
    records = {}
    for path in sorted(records_dir.glob("*.json")):
        try:
            record = MeetingRecord.model_validate_json(path.read_text(encoding="utf-8"))
        except ValueError:
            continue
        records[record.source.file_name] = record
    return records


def evaluate_folder(gold_dir: Path, records_dir: Path) -> dict:
    """Scores per field and overall, summed over every gold file in `gold_dir`, and per document
    (with the record's coverage)."""
    records = _load_records(records_dir)
    totals: dict[str, Tally] = {}
    entity_totals: dict[str, dict] = {}
    documents = []
    for gold_path in sorted(gold_dir.glob("*.gold.json")):
        if gold_path.name.endswith(".entities.gold.json"):
            continue
        gold = json.loads(gold_path.read_text(encoding="utf-8"))
        record = records.get(gold.get("source", ""))
        document_total = Tally()
        tallies = score_record(gold, record)
        for name, tally in tallies.items():
            totals.setdefault(name, Tally()).add(tally)
            document_total.add(tally)
        documents.append({
            "gold": gold_path.name, "record": record.record_id if record else None,
            "expected_type": gold.get("document_type"), "type": record.document_type if record else None,
            "overall": document_total.scores(), "fields": {k: v.scores() for k, v in tallies.items()},
            "coverage": record.coverage.share if record and record.coverage else None,
        })
        entity_scores = score_entities_for(gold_path, record)  # when <name>.entities.gold.json exists
        if entity_scores is not None:
            documents[-1]["entities"] = entity_scores
            add_scores(entity_totals, entity_scores)
    overall = Tally()
    for tally in totals.values():
        overall.add(tally)
    return {"documents": documents, "fields": {k: v.scores() for k, v in totals.items()},
            "overall": overall.scores(), "entities": entity_totals, "summary": summarise(documents)}


def summarise(documents: list[dict]) -> dict:
    """Over the documents of a folder: the mean and the worst overall F1 (a document without a
    record scores 0), and how many were recorded as another type than the gold's (minutes recorded
    as `not_minutes` or `agenda`, a missing record counted too)."""
    f1 = {d["gold"]: (d["overall"]["f1"] if d["record"] else 0.0) for d in documents}
    wrong = [d["gold"] for d in documents if d.get("expected_type") and d.get("type") != d["expected_type"]]
    minutes = [d for d in documents if d.get("expected_type") == "minutes"]
    worst = min(f1, key=f1.get) if f1 else None
    return {"documents": len(documents), "mean_f1": round(sum(f1.values()) / len(f1), 4) if f1 else None,
            "worst_f1": f1[worst] if worst else None, "worst": worst,
            "minutes": len(minutes), "minutes_as_other": sum(1 for d in minutes if d.get("type") != "minutes"),
            "wrong_type": wrong}


def format_report(report: dict) -> str:
    lines = [f"{'field':<18} {'precision':>9} {'recall':>7} {'f1':>6}   tp  fp  fn"]
    for name, s in [*report["fields"].items(), ("OVERALL", report["overall"])]:
        lines.append(f"{name:<18} {s['precision']:>9.2f} {s['recall']:>7.2f} {s['f1']:>6.2f} "
                     f"{s['tp']:>4} {s['fp']:>3} {s['fn']:>3}")
    if report.get("entities"):
        lines += ["", format_entity_report(report["entities"])]
    lines += ["", f"{'document':<64} {'f1':>6} {'coverage':>8}"]
    for doc in report["documents"]:
        name = doc["gold"].removesuffix(".gold.json")
        if doc["record"] is None:
            lines.append(f"{name:<64} {'missing record':>15}")
            continue
        coverage = f"{doc['coverage']:.3f}" if doc["coverage"] is not None else "-"
        kind = f"  recorded as {doc['type']}" if doc.get("expected_type") and doc["type"] != doc["expected_type"] else ""
        lines.append(f"{name:<64} {doc['overall']['f1']:>6.2f} {coverage:>8}{kind}")
    summary = report.get("summary")
    if summary and summary["documents"]:
        lines += ["", f"{summary['documents']} documents: mean F1 {summary['mean_f1']:.2f}, worst "
                      f"{summary['worst_f1']:.2f} ({summary['worst'].removesuffix('.gold.json')}); "
                      f"{summary['minutes_as_other']} of {summary['minutes']} minutes recorded as something else"]
    return "\n".join(lines)
