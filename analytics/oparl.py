"""`minutes export --format oparl`: the store as OParl 1.1 objects, a folder of JSON files.

What maps to what:

| OParl        | referat                                                                         |
| ------------ | ------------------------------------------------------------------------------- |
| Body         | an authority (`meeting.authority`; the body itself where the record names none)  |
| Organization | a body that meets (`Gremium`), and a party (`Partei`) where participants have one |
| Meeting      | the minutes (or, with none, the agenda) of one body on one day                   |
| AgendaItem   | an item: number, order, public, result (the outcome), resolutionText (decision)  |
| Paper        | a case number (`reference`), with a Consultation for every item that treated it  |
| Person       | a participant (by name within the authority)                                     |
| Membership   | person × organisation: role, party (`onBehalfOf`), first and last meeting seen   |

Layout: `system.json`, `bodies.json` (the System's body list), and per object type a folder with
one file per object (`body/`, `organization/`, `person/`, `meeting/`, `paper/`); each Body's
lists sit beside it (`body/<id>/meetings.json`, ...). Every `id` is the URL of its file: under
`--base-url` when the folder is to be served, else the `file://` URL of the written file.
AgendaItems, Consultations, Memberships and Files are embedded in their parent and have
fragment ids (`meeting/x.json#item-3.2`).
"""

from __future__ import annotations

import datetime as dt
import json
import re
import shutil
import unicodedata
from collections import defaultdict
from pathlib import Path
from urllib.parse import quote
from zoneinfo import ZoneInfo

from analytics.targets import partial_folder, swap_in

OPARL = "https://schema.oparl.org/1.1/"
ZONE = ZoneInfo("Europe/Copenhagen")


def slug(text: str) -> str:
    folded = unicodedata.normalize("NFKD", text.replace("æ", "ae").replace("ø", "oe").replace("å", "aa")
                                   .replace("Æ", "Ae").replace("Ø", "Oe").replace("Å", "Aa"))
    ascii_text = folded.encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-") or "x"


def _when(date: dt.date | None, time: str | None) -> str | None:
    if date is None or not time:
        return None
    hour, minute = (int(x) for x in time.split(":"))
    return dt.datetime.combine(date, dt.time(hour, minute), ZONE).isoformat()


def _list(url: str, data: list[dict]) -> dict:
    return {"data": data, "pagination": {"totalElements": len(data), "elementsPerPage": max(len(data), 1),
                                         "currentPage": 1, "totalPages": 1}, "links": {}}


def _fetch(con, sql: str) -> list[dict]:
    cursor = con.execute(sql)
    names = [d[0] for d in cursor.description]
    return [dict(zip(names, row)) for row in cursor.fetchall()]


def build(con, base: str, sources: dict[str, list[str]] | None = None) -> dict[str, dict]:
    """Every OParl object to write, keyed by its path relative to `base`."""
    sources = sources or {}
    t = lambda name: OPARL + name  # noqa: E731
    files: dict[str, dict] = {}
    meetings = _fetch(con, """SELECT * FROM meetings WHERE document_type IN ('minutes', 'agenda')
                              ORDER BY date NULLS LAST, record_id""")
    items = defaultdict(list)
    for row in _fetch(con, "SELECT * FROM items ORDER BY record_id, item_index"):
        items[row["record_id"]].append(row)
    cases = defaultdict(list)
    for row in _fetch(con, "SELECT * FROM cases ORDER BY record_id, item_index, case_index"):
        cases[row["item_key"]].append(row["case_number"])
    files_of = defaultdict(list)
    for row in _fetch(con, "SELECT * FROM attachments WHERE regexp_matches(url, '^https?://', 'i') "
                           "ORDER BY item_key, attachment_index"):  # only links to the web, whatever a record holds
        files_of[row["item_key"]].append(row)
    people = defaultdict(list)
    for row in _fetch(con, "SELECT * FROM participants ORDER BY record_id, participant_index"):
        people[row["record_id"]].append(row)

    def body_name(m: dict) -> str:
        return m["authority"] or m["body"] or "Unknown"

    # One Meeting per body and day: the minutes, or the agenda where there are no minutes.
    chosen: dict[tuple, dict] = {}
    agendas: dict[tuple, dict] = {}
    for m in meetings:
        key = (body_name(m), m["body"], m["date"], m["extraordinary"])
        if m["document_type"] == "agenda":
            agendas[key] = m
            chosen.setdefault(key, m)
        elif chosen.get(key, {}).get("document_type") != "minutes":
            chosen[key] = m

    bodies: dict[str, dict] = {}
    orgs: dict[tuple, dict] = {}
    persons: dict[tuple, dict] = {}
    memberships: dict[tuple, dict] = {}
    papers: dict[tuple, dict] = {}
    body_lists: dict[str, dict[str, list]] = defaultdict(lambda: defaultdict(list))

    def body_of(name: str) -> dict:
        if name not in bodies:
            s = slug(name)
            bodies[name] = {
                "id": f"{base}body/{s}.json", "type": t("Body"), "system": f"{base}system.json", "name": name,
                "organization": f"{base}body/{s}/organizations.json", "person": f"{base}body/{s}/persons.json",
                "meeting": f"{base}body/{s}/meetings.json", "paper": f"{base}body/{s}/papers.json",
                "legislativeTerm": [],
            }
        return bodies[name]

    def org_of(body: str, name: str, kind: str) -> dict:
        key = (body, kind, name)
        if key not in orgs:
            path = f"organization/{slug(body)}--{slug(kind)}-{slug(name)}.json"
            orgs[key] = {"id": f"{base}{path}", "type": t("Organization"), "body": body_of(body)["id"],
                         "name": name, "organizationType": kind, "membership": []}
        return orgs[key]

    def person_of(body: str, name: str) -> dict:
        key = (body, name)
        if key not in persons:
            path = f"person/{slug(body)}--{slug(name)}.json"
            persons[key] = {"id": f"{base}{path}", "type": t("Person"), "body": body_of(body)["id"], "name": name,
                            "membership": []}
        return persons[key]

    for key, m in sorted(chosen.items(), key=lambda kv: (kv[1]["date"] or dt.date.max, kv[1]["record_id"])):
        bname = body_name(m)
        body = body_of(bname)
        org = org_of(bname, m["body"] or bname, "Gremium")
        mid = f"{base}meeting/{quote(m['record_id'])}.json"
        meeting = {"id": mid, "type": t("Meeting"), "name": f"{m['body'] or bname} {m['date'] or ''}".strip(),
                   "meetingState": "terminated" if m["document_type"] == "minutes" else "planned",
                   "organization": [org["id"]], "participant": [], "agendaItem": [],
                   "keyword": [m["document_type"]]}
        start, end = _when(m["date"], m["start_time"]), _when(m["date"], m["end_time"])
        if start:
            meeting["start"] = start
        if end:
            meeting["end"] = end
        if m["place"]:
            meeting["location"] = {"id": f"{mid}#location", "type": t("Location"), "description": m["place"]}
        for doc, field in ((m, "resultsProtocol" if m["document_type"] == "minutes" else "invitation"),
                           (agendas.get(key), "invitation")):
            if doc is None or field in meeting:
                continue
            url = _file_url(sources.get(doc["source_sha256"]))
            if url:
                meeting[field] = {"id": f"{mid}#{field}", "type": t("File"), "name": doc["source_file"],
                                  "fileName": doc["source_file"], "mimeType": doc["source_media_type"],
                                  "accessUrl": url}
        for p in people[m["record_id"]]:
            person = person_of(bname, p["name"])
            if p["status"] == "present" and person["id"] not in meeting["participant"]:
                meeting["participant"].append(person["id"])
            if p["role"] == "staff":
                continue
            membership_key = (bname, p["name"], org["id"])
            ms = memberships.get(membership_key)
            if ms is None:
                ms = {"id": f"{person['id']}#membership-{len(person['membership'])}", "type": t("Membership"),
                      "person": person["id"], "organization": org["id"], "votingRight": p["role"] == "member"}
                memberships[membership_key] = ms
                person["membership"].append(ms)
                org["membership"].append(ms["id"])
            role = p["position"] or ("Stedfortræder" if p["role"] == "substitute" else None)
            if role:
                ms["role"] = role
            if p["party"]:
                ms["onBehalfOf"] = org_of(bname, p["party"], "Partei")["id"]
            if m["date"]:
                day = m["date"].isoformat()
                ms["startDate"] = min(ms.get("startDate", day), day)
                ms["endDate"] = max(ms.get("endDate", day), day)
        for it in items[m["record_id"]]:
            aid = f"{mid}#item-{quote(it['number'], safe='')}"
            agenda_item = {"id": aid, "type": t("AgendaItem"), "meeting": mid, "number": it["number"],
                           "order": int(it["order"]), "name": it["title"], "public": it["access"] == "public"}
            if it["outcome"] and it["outcome"] != "none":
                agenda_item["result"] = it["outcome"]
            if it["decision"]:
                agenda_item["resolutionText"] = it["decision"]
            attached = [{"id": f"{aid}-file-{k}", "type": t("File"), "name": a["title"], "accessUrl": a["url"]}
                        for k, a in enumerate(files_of[it["item_key"]])]
            if attached:
                agenda_item["auxiliaryFile"] = attached
            for number in cases[it["item_key"]]:
                paper_key = (bname, number)
                paper = papers.get(paper_key)
                if paper is None:
                    paper = {"id": f"{base}paper/{slug(bname)}--{slug(number)}.json", "type": t("Paper"),
                             "body": body["id"], "name": it["title"], "reference": number, "consultation": []}
                    if m["date"]:
                        paper["date"] = m["date"].isoformat()
                    papers[paper_key] = paper
                consultation = {"id": f"{paper['id']}#consultation-{len(paper['consultation'])}",
                                "type": t("Consultation"), "paper": paper["id"], "agendaItem": aid, "meeting": mid,
                                "organization": [org["id"]]}
                paper["consultation"].append(consultation)
                agenda_item.setdefault("consultation", consultation["id"])
            meeting["agendaItem"].append(agenda_item)
        files[f"meeting/{quote(m['record_id'])}.json"] = meeting
        body_lists[bname]["meetings"].append(meeting)

    for (bname, _, _), org in orgs.items():
        files[org["id"][len(base):]] = org
        body_lists[bname]["organizations"].append(org)
    for (bname, _), person in persons.items():
        files[person["id"][len(base):]] = person
        body_lists[bname]["persons"].append(person)
    for (bname, _), paper in papers.items():
        files[paper["id"][len(base):]] = paper
        body_lists[bname]["papers"].append(paper)
    for bname, body in bodies.items():
        s = slug(bname)
        files[f"body/{s}.json"] = body
        for kind in ("organizations", "persons", "meetings", "papers"):
            files[f"body/{s}/{kind}.json"] = _list(f"{base}body/{s}/{kind}.json", body_lists[bname][kind])
    files["bodies.json"] = _list(f"{base}bodies.json", list(bodies.values()))
    files["system.json"] = {"id": f"{base}system.json", "type": t("System"), "oparlVersion": OPARL,
                            "body": f"{base}bodies.json", "name": "referat",
                            "website": "https://schema.oparl.org/1.1/"}
    return files


def _file_url(paths: list[str] | None) -> str | None:
    for p in paths or []:
        path = Path(p)
        if path.is_file():
            return path.absolute().as_uri()
    return None


def write_oparl(con, target: Path, base_url: str | None = None,
                sources: dict[str, list[str]] | None = None) -> dict[str, int]:
    base = base_url or target.absolute().as_uri()
    base = base if base.endswith("/") else base + "/"
    files = build(con, base, sources)
    tmp = partial_folder(target, "oparl")
    try:
        for rel, obj in files.items():
            path = tmp / rel
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(json.dumps(obj, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
        swap_in(tmp, target)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    counts: dict[str, int] = defaultdict(int)
    for obj in files.values():
        kind = obj.get("type", "").rsplit("/", 1)[-1] or "list"
        counts[kind] += 1
    counts["AgendaItem"] = sum(len(o.get("agendaItem", [])) for o in files.values() if o.get("type", "").endswith("Meeting"))
    counts["Consultation"] = sum(len(o.get("consultation", [])) for o in files.values() if o.get("type", "").endswith("Paper"))
    counts["Membership"] = sum(len(o.get("membership", [])) for o in files.values() if o.get("type", "").endswith("Person"))
    return dict(counts)
