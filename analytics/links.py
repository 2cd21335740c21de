"""Agenda <-> minutes: the agenda (`...-dagsorden`) and the minutes of the same meeting (same
authority, body and date, both extraordinary or neither) are linked, and their items compared: which items the minutes added,
which of the agenda's they dropped, and whose recommendation changed.

Items are matched by case number first, then by title (case and punctuation aside). A
recommendation counts as changed when both documents have one and their texts differ (whitespace
aside); minutes that do not repeat the recommendation change nothing.
"""

from __future__ import annotations

import re
from typing import Any

LINK_TABLES: list[tuple[str, str, list[tuple[str, str, str, Any]]]] = [
    (
        "agenda_links",
        "One row per meeting that has both an agenda and minutes in the store (same authority, body and date).",
        [
            ("minutes_record_id", "VARCHAR", "The minutes' record.", "egedal-kommunalbestyrelsen-2025-03-26"),
            ("agenda_record_id", "VARCHAR", "The agenda's record.", "egedal-kommunalbestyrelsen-2025-03-26-dagsorden"),
            ("body", "VARCHAR", "The body (`meeting.body`).", "Kommunalbestyrelsen"),
            ("authority", "VARCHAR", "The authority (`meeting.authority`).", "Egedal Kommune"),
            ("date", "DATE", "The meeting date.", "2025-03-26"),
            ("agenda_items", "BIGINT", "Items on the agenda.", 5),
            ("minutes_items", "BIGINT", "Items in the minutes.", 5),
            ("items_added", "BIGINT", "Items in the minutes that the agenda did not have.", 1),
            ("items_removed", "BIGINT", "Items of the agenda that the minutes do not have.", 1),
            ("recommendations_changed", "BIGINT", "Items in both whose recommendation changed.", 1),
        ],
    ),
    (
        "agenda_changes",
        "What changed between the agenda and the minutes of a meeting: one row per item added, removed, or "
        "with a changed recommendation.",
        [
            ("minutes_record_id", "VARCHAR", "The minutes' record.", "egedal-kommunalbestyrelsen-2025-03-26"),
            ("agenda_record_id", "VARCHAR", "The agenda's record.", "egedal-kommunalbestyrelsen-2025-03-26-dagsorden"),
            ("change", "VARCHAR", "One of: `added` (in the minutes only), `removed` (on the agenda only), "
             "`recommendation_changed`.", "added"),
            ("item_key", "VARCHAR", "The item in the minutes; null for a removed item.",
             "egedal-kommunalbestyrelsen-2025-03-26#147"),
            ("agenda_item_key", "VARCHAR", "The item on the agenda; null for an added item.",
             "egedal-kommunalbestyrelsen-2025-03-26-dagsorden#147"),
            ("matched_by", "VARCHAR", "How the two items were matched: `case_number` or `title`; null if unmatched.",
             "case_number"),
            ("number", "VARCHAR", "The item's number (in the minutes, else on the agenda).", "147"),
            ("title", "VARCHAR", "The item's title (in the minutes, else on the agenda).",
             "Spørgsmål fra Jørgen Holm om skolebusser"),
            ("agenda_recommendation", "VARCHAR", "The recommendation on the agenda.", "Direktionen indstiller, at …"),
            ("minutes_recommendation", "VARCHAR", "The recommendation in the minutes.", "Direktionen indstiller, at …"),
        ],
    ),
]

LINK_COLUMNS = {name: [c[0] for c in cols] for name, _, cols in LINK_TABLES}


def _norm_title(title: str) -> str:
    return re.sub(r"\W+", " ", title.casefold()).strip()


def _norm_text(text: str | None) -> str:
    return " ".join((text or "").split())


def _items(con, record_id: str) -> list[dict]:
    rows = con.execute(
        """SELECT i.item_key, i.number, i.title, i.recommendation, list(c.case_number ORDER BY c.case_index)
           FROM items i LEFT JOIN cases c USING (item_key) WHERE i.record_id = ?
           GROUP BY i.item_key, i.number, i.title, i.recommendation, i.item_index ORDER BY i.item_index""",
        [record_id],
    ).fetchall()
    return [{"item_key": k, "number": n, "title": t, "recommendation": r, "cases": [c for c in cs if c]}
            for k, n, t, r, cs in rows]


def match_items(agenda: list[dict], minutes: list[dict]) -> list[tuple[dict | None, dict | None, str | None]]:
    """(agenda item, minutes item, matched_by) for every item of either: matched pairs, then the
    agenda's unmatched items (removed) and the minutes' (added)."""
    pairs = []
    left = list(agenda)
    right = list(minutes)
    for how, key in (("case_number", lambda i: tuple(i["cases"])), ("title", lambda i: _norm_title(i["title"]))):
        by_key: dict = {}
        for item in right:
            k = key(item)
            if k:
                by_key.setdefault(k, []).append(item)
        still = []
        for item in left:
            candidates = by_key.get(key(item))
            if candidates:
                other = candidates.pop(0)
                right.remove(other)
                pairs.append((item, other, how))
            else:
                still.append(item)
        left = still
    return pairs + [(item, None, None) for item in left] + [(None, item, None) for item in right]


def compute(con) -> tuple[list[tuple], list[tuple]]:
    """The rows of `agenda_links` and `agenda_changes` from the tables in `con`."""
    meetings = con.execute(
        """SELECT a.record_id, m.record_id, m.body, m.authority, m.date
           FROM meetings a JOIN meetings m
             ON a.document_type = 'agenda' AND m.document_type = 'minutes'
            AND a.body IS NOT DISTINCT FROM m.body AND a.authority IS NOT DISTINCT FROM m.authority
            AND a.date = m.date AND a.extraordinary = m.extraordinary
           ORDER BY m.date, m.record_id, a.record_id"""
    ).fetchall()
    links, changes = [], []
    for agenda_id, minutes_id, body, authority, date in meetings:
        agenda, minutes = _items(con, agenda_id), _items(con, minutes_id)
        counts = {"added": 0, "removed": 0, "recommendation_changed": 0}
        for a, m, how in match_items(agenda, minutes):
            if a is None:
                change = "added"
            elif m is None:
                change = "removed"
            elif a["recommendation"] and m["recommendation"] and (
                    _norm_text(a["recommendation"]) != _norm_text(m["recommendation"])):
                change = "recommendation_changed"
            else:
                continue
            counts[change] += 1
            shown = m or a
            changes.append((minutes_id, agenda_id, change, m and m["item_key"], a and a["item_key"], how,
                            shown["number"], shown["title"], a and a["recommendation"], m and m["recommendation"]))
        links.append((minutes_id, agenda_id, body, authority, date, len(agenda), len(minutes), counts["added"],
                      counts["removed"], counts["recommendation_changed"]))
    return links, changes
