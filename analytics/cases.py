"""`minutes case NUMBER`: one case's history across meetings and bodies, in date order.

Every item that carries the case number contributes every decision in its `decisions`: the
decision made at its own meeting and the earlier treatment by other bodies that its record
repeats (a council item lists the committee's and Økonomiudvalget's decisions before its own). The
same treatment is then seen several times (in the committee's own minutes and again in the
council's), so an earlier-treatment row is kept only when no row of the same body on the same day
was already kept; a body's own record always wins. Items without any decision (an agenda, a
meeting not yet held) appear as treatments without a decision.
"""

from __future__ import annotations

import datetime as dt
import os
import re
from dataclasses import asdict, dataclass

from analytics import warehouse

SQL = """
WITH treated AS (SELECT DISTINCT item_key FROM cases WHERE case_number = ?)
SELECT d.decided_on, d.body, i.title, i.recommendation, d.text, d.outcome, d.is_current, d.heading,
       d.record_id, d.item_key, i.number, m.body AS meeting_body, m.date AS meeting_date, m.document_type,
       d.decision_index
FROM treated JOIN items i USING (item_key) JOIN meetings m ON m.record_id = i.record_id
     JOIN decisions d ON d.item_key = i.item_key
UNION ALL
SELECT m.date, m.body, i.title, i.recommendation, NULL, NULL, TRUE, NULL,
       i.record_id, i.item_key, i.number, m.body, m.date, m.document_type, 0
FROM treated JOIN items i USING (item_key) JOIN meetings m ON m.record_id = i.record_id
WHERE i.decision_count = 0
"""


@dataclass
class Treatment:
    date: dt.date | None
    body: str | None
    title: str
    recommendation: str | None
    decision: str | None
    outcome: str | None
    own_record: bool  # True: from the body's own record of the meeting; False: repeated by a later record
    record_id: str  # the record this row was read from
    item_key: str
    item_number: str
    document_type: str

    def as_json(self) -> dict:
        out = asdict(self)
        out["date"] = self.date.isoformat() if self.date else None
        return out


def _body_key(body: str | None) -> str:
    return re.sub(r"\W+", " ", (body or "").casefold()).strip()


def history(out: str | os.PathLike, number: str) -> list[Treatment]:
    con = warehouse.connect(out)
    try:
        rows = con.execute(SQL, [number]).fetchall()
    finally:
        con.close()
    treatments = [
        Treatment(date=r[0], body=r[1], title=r[2], recommendation=r[3], decision=r[4], outcome=r[5],
                  own_record=bool(r[6]), record_id=r[8], item_key=r[9], item_number=r[10], document_type=r[13])
        for r in rows
    ]
    order = {id(t): (r[14], r[8]) for t, r in zip(treatments, rows)}
    # own records first, so that they win over the same treatment repeated by a later record
    treatments.sort(key=lambda t: (not t.own_record, t.date or dt.date.max, order[id(t)]))
    kept, seen = [], set()
    for t in treatments:
        key = (_body_key(t.body), t.date)
        if not t.own_record and key in seen:
            continue
        seen.add(key)
        kept.append(t)
    kept.sort(key=lambda t: (t.date or dt.date.max, not t.own_record, order[id(t)]))
    return kept


def rich_table(number: str, rows: list[Treatment]):
    """The history as a rich Table (a recommendation repeated from the row above is not reprinted)."""
    from rich.table import Table

    table = Table(title=f"Case {number}: {rows[-1].title}", show_lines=True)
    for name in ("date", "body", "item", "recommendation", "decision", "outcome"):
        table.add_column(name, overflow="fold", no_wrap=name == "date")
    previous = None
    for t in rows:
        same = t.recommendation and t.recommendation == previous
        recommendation = "(as above)" if same else (t.recommendation or "")[:300]
        previous = t.recommendation
        table.add_row(str(t.date or "?"), t.body or "?", f"{t.item_number} {t.title}", recommendation,
                      t.decision or "(no decision)", t.outcome or "")
    return table
