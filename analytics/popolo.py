"""`minutes export --format popolo`: persons, organizations, memberships, events (meetings) and
vote_events (with counts and party results) as one Popolo JSON file (popoloproject.com).

Organizations are the authorities (`classification: "authority"`), the bodies that meet
(`committee`, with the authority as `parent_id`) and the parties participants belong to
(`party`). A vote event is an item with recorded votes: its `counts` give the number of votes
for each option where the minutes write it, its `group_results` how each party voted.
"""

from __future__ import annotations

import datetime as dt
import json
import os
from collections import defaultdict
from pathlib import Path

from analytics.oparl import _fetch, _when, slug

OPTIONS = {"for": "yes", "against": "no", "abstain": "abstain"}
RESULTS = {"approved": "pass", "rejected": "fail"}  # Popolo's words; other outcomes as referat names them


def build(con) -> dict[str, list[dict]]:
    meetings = _fetch(con, """SELECT * FROM meetings WHERE document_type IN ('minutes', 'agenda')
                              ORDER BY date NULLS LAST, record_id""")
    by_record = {m["record_id"]: m for m in meetings}
    organizations: dict[str, dict] = {}
    persons: dict[str, dict] = {}
    memberships: dict[tuple, dict] = {}
    events: list[dict] = []
    vote_events: list[dict] = []

    def authority(m: dict) -> str:
        return m["authority"] or m["body"] or "Unknown"

    def org(oid: str, **fields) -> str:
        organizations.setdefault(oid, {"id": oid, **fields})
        return oid

    def committee(m: dict) -> str:
        auth = authority(m)
        parent = org(f"org/{slug(auth)}", name=auth, classification="authority")
        name = m["body"] or auth
        if name == auth:
            return parent
        return org(f"org/{slug(auth)}/{slug(name)}", name=name, classification="committee", parent_id=parent)

    for m in meetings:
        event = {"id": f"event/{m['record_id']}", "name": f"{m['body'] or authority(m)} {m['date'] or ''}".strip(),
                 "classification": "meeting" if m["document_type"] == "minutes" else "agenda",
                 "organization_id": committee(m),
                 "identifiers": [{"scheme": "referat", "identifier": m["record_id"]}]}
        start = _when(m["date"], m["start_time"]) or (m["date"].isoformat() if m["date"] else None)
        if start:
            event["start_date"] = start
        end = _when(m["date"], m["end_time"])
        if end:
            event["end_date"] = end
        if m["place"]:
            event["location"] = m["place"]
        events.append(event)

    for p in _fetch(con, "SELECT * FROM participants ORDER BY record_id, participant_index"):
        m = by_record.get(p["record_id"])
        if m is None:
            continue
        auth = authority(m)
        pid = f"person/{slug(auth)}/{slug(p['name'])}"
        persons.setdefault(pid, {"id": pid, "name": p["name"]})
        if p["role"] == "staff":
            continue
        oid = committee(m)
        key = (pid, oid)
        ms = memberships.get(key)
        if ms is None:
            ms = memberships[key] = {"id": f"membership/{len(memberships)}", "person_id": pid, "organization_id": oid,
                                     "role": "substitute" if p["role"] == "substitute" else "member"}
        if p["position"]:
            ms["label"] = p["position"]
        if p["party"]:
            ms["on_behalf_of_id"] = org(f"org/{slug(auth)}/party-{slug(p['party'])}", name=p["party"],
                                        classification="party")
        if m["date"]:
            day = m["date"].isoformat()
            ms["start_date"] = min(ms.get("start_date", day), day)
            ms["end_date"] = max(ms.get("end_date", day), day)

    votes = defaultdict(list)
    for v in _fetch(con, "SELECT * FROM votes ORDER BY item_key, vote_index"):
        votes[v["item_key"]].append(v)
    if votes:
        items = {i["item_key"]: i for i in _fetch(con, "SELECT item_key, record_id, number, title, outcome, decision, "
                                                        "recommendation FROM items WHERE item_key IN "
                                                        "(SELECT item_key FROM votes)")}
        for key, cast in votes.items():
            item = items[key]
            m = by_record.get(item["record_id"])
            if m is None:
                continue
            event = {"id": f"vote_event/{key}", "identifier": item["number"],
                     "motion": {"text": item["recommendation"] or item["title"], "classification": "item",
                                "date": m["date"].isoformat() if m["date"] else None},
                     "organization_id": committee(m), "legislative_session_id": f"event/{m['record_id']}",
                     "result": RESULTS.get(item["outcome"], item["outcome"]), "counts": [], "group_results": [],
                     "sources": [{"note": v["text"]} for v in cast]}
            if m["date"]:
                event["start_date"] = m["date"].isoformat()
            for v in cast:
                option = OPTIONS[v["position"]]
                if v["count"] is not None:
                    event["counts"].append({"option": option, "value": v["count"]})
                for party in v["parties"] or []:
                    event["group_results"].append({"group": {"name": party}, "result": option})
            vote_events.append(event)
    return {"persons": list(persons.values()), "organizations": list(organizations.values()),
            "memberships": list(memberships.values()), "events": events, "vote_events": vote_events}


def write_popolo(con, target: Path) -> dict[str, int]:
    data = build(con)
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = target.with_name(f".{target.name}.{os.getpid()}.tmp")
    tmp.write_text(json.dumps(data, ensure_ascii=False, indent=1, default=_default) + "\n", encoding="utf-8")
    os.replace(tmp, target)
    return {name: len(rows) for name, rows in data.items()}


def _default(value):
    if isinstance(value, dt.date):
        return value.isoformat()
    raise TypeError(type(value))
