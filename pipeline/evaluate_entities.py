"""Scoring a record's entities against hand-made entity gold (``<name>.entities.gold.json``).

Gold format (documented in the gold file's ``notes``): ``items`` maps an item number to a list
of ``{"type", "text", "value"}`` — one entry per mention, in any order. ``value`` is the
normalised value the record must carry (see ``entity_key``). Only the items listed in ``items``
are scored, and only the types listed in ``types`` (all eight by default), or for an item in
``item_types`` the types listed there.

Per item and type, gold and predicted mentions are compared as multisets of normalised values:
a predicted mention whose value is in gold is a true positive (each gold mention matches once),
the rest of the predictions are false positives, unmatched gold mentions false negatives. The
text as written is kept in the gold for the reader; it is not compared, so a span that is a
word too long or short still counts if it means the same thing.
"""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

from schemas.entities import Entity
from schemas.record import MeetingRecord

TYPES = ("person", "municipality", "region", "party", "organisation", "money", "percent", "date")


def _num(x: float) -> str:
    return f"{float(x):.2f}".rstrip("0").rstrip(".")


def entity_key(e: Entity) -> str | None:
    """The normalised value of a predicted entity, in the gold file's terms."""
    if e.type in ("person", "region", "organisation"):
        return e.name
    if e.type == "municipality":
        return str(e.municipality_code) if e.municipality_code is not None else None
    if e.type == "party":
        return e.party_letter
    if e.type == "money":
        if e.amount_dkk is None:
            return None
        per = e.unit.split("/", 1)[1] if e.unit and "/" in e.unit else None
        return f"{_num(e.amount_dkk)}/{per}" if per else _num(e.amount_dkk)
    if e.type == "percent":
        return _num(e.value) if e.value is not None else None
    if e.type == "date":
        if e.date:
            return e.date.isoformat()
        if e.period_start and e.period_end:
            return f"{e.period_start.isoformat()}/{e.period_end.isoformat()}"
    return None


def gold_key(g: dict) -> str:
    value = g["value"]
    if g["type"] in ("money", "percent") and not isinstance(value, str):
        return _num(value)
    return str(value)


def score_entities(gold: dict, record: MeetingRecord | None) -> dict[str, dict]:
    """Precision, recall, F1 and counts per entity type, over the items the gold covers."""
    types = tuple(gold.get("types", TYPES))
    counts = {t: Counter(tp=0, fp=0, fn=0) for t in types}
    items = {i.number: i for i in (record.items if record else [])}
    for number, mentions in gold.get("items", {}).items():
        item = items.get(number)
        predicted = item.entities if item else []
        for t in gold.get("item_types", {}).get(number, types):
            if t not in counts:
                continue
            g = Counter(gold_key(m) for m in mentions if m["type"] == t)
            p = Counter(entity_key(e) for e in predicted if e.type == t)
            tp = sum((g & p).values())
            counts[t]["tp"] += tp
            counts[t]["fp"] += sum(p.values()) - tp
            counts[t]["fn"] += sum(g.values()) - tp
    out = {}
    for t, c in counts.items():
        tp, fp, fn = c["tp"], c["fp"], c["fn"]
        precision = tp / (tp + fp) if tp + fp else 1.0
        recall = tp / (tp + fn) if tp + fn else 1.0
        f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
        out[t] = {"precision": round(precision, 4), "recall": round(recall, 4), "f1": round(f1, 4),
                  "tp": tp, "fp": fp, "fn": fn}
    return out


def mismatches(gold: dict, record: MeetingRecord) -> list[str]:
    """Human-readable differences, for debugging a score."""
    lines = []
    items = {i.number: i for i in record.items}
    types = tuple(gold.get("types", TYPES))
    for number, mentions in gold.get("items", {}).items():
        item = items.get(number)
        predicted = item.entities if item else []
        for t in gold.get("item_types", {}).get(number, types):
            g = Counter(gold_key(m) for m in mentions if m["type"] == t)
            p = Counter(entity_key(e) for e in predicted if e.type == t)
            for key, n in (g - p).items():
                lines.append(f"{number} FN {t} {key} x{n}")
            for key, n in (p - g).items():
                texts = [e.text for e in predicted if e.type == t and entity_key(e) == key]
                lines.append(f"{number} FP {t} {key} x{n} {texts[:2]}")
    return lines


def format_entity_report(scores: dict[str, dict]) -> str:
    lines = [f"{'entity type':14} {'P':>6} {'R':>6} {'F1':>6} {'tp':>5} {'fp':>4} {'fn':>4}"]
    for t, s in scores.items():
        lines.append(f"{t:14} {s['precision']:6.3f} {s['recall']:6.3f} {s['f1']:6.3f} "
                     f"{s['tp']:5d} {s['fp']:4d} {s['fn']:4d}")
    return "\n".join(lines)


def entity_gold_path(gold_path: Path) -> Path:
    """``<name>.gold.json`` -> ``<name>.entities.gold.json`` next to it."""
    return gold_path.with_name(gold_path.name.removesuffix(".gold.json") + ".entities.gold.json")


def score_entities_for(gold_path: Path, record: MeetingRecord | None) -> dict[str, dict] | None:
    """Entity scores for the record of a ``<name>.gold.json``, if an entity gold file sits next to
    it; None otherwise."""
    path = entity_gold_path(gold_path)
    if not path.exists():
        return None
    return score_entities(json.loads(path.read_text(encoding="utf-8")), record)


def add_scores(total: dict[str, dict], scores: dict[str, dict]) -> dict[str, dict]:
    """Sum per-type counts over documents (precision/recall recomputed from the sums)."""
    for t, s in scores.items():
        c = total.setdefault(t, {"tp": 0, "fp": 0, "fn": 0})
        for k in ("tp", "fp", "fn"):
            c[k] += s[k]
        tp, fp, fn = c["tp"], c["fp"], c["fn"]
        c["precision"] = round(tp / (tp + fp), 4) if tp + fp else 1.0
        c["recall"] = round(tp / (tp + fn), 4) if tp + fn else 1.0
        p, r = c["precision"], c["recall"]
        c["f1"] = round(2 * p * r / (p + r), 4) if p + r else 0.0
    return total
