"""One meeting from many documents (issue 16): a portal that publishes one page per item gives one
record whose items are the union of the pages', each with its own document; re-ingesting a page
updates its item, removing a page retires its item, and copies of the same minutes stay rivals.
The pages are invented, in the shape of a municipal site's item pages."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

from pipeline.assemble import group_parts
from pipeline.ingest import ingest_direct, rerun_document
from pipeline.process import build_record

PAGE = """Du er her: Forside / Politik / Dagsordener og referater

Referat

Dato: Onsdag, March 4, 2026 - 17:30
Sted: Rådhuset, mødelokale 2

Pkt. {number}

{title}

Sagsnr. {case} Kultur- og Fritidsudvalget Åbent punkt

{body}Kultur- og Fritidsudvalget, 04-03-2026, pkt. {number}

{decision}

Til toppen
"""
PAGES = {
    "punkt-41.txt": dict(number=41, title="Godkendelse af dagsorden", case="412233", body="", decision="Godkendt."),
    "punkt-42.txt": dict(number=42, title="Tilskud til lokale spejdergrupper", case="412250",
                         body="Indstilling\n\nForvaltningen indstiller, at der gives tilskud på 40.000 kr.\n\n",
                         decision="Godkendt."),
    "punkt-43.txt": dict(number=43, title="Meddelelser", case="412233", body="", decision="Taget til efterretning."),
}
RECORD = "kultur-og-fritidsudvalget-2026-03-04"


def write_pages(folder: Path, names=tuple(PAGES)) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    for name in names:
        (folder / name).write_text(PAGE.format(**PAGES[name]), encoding="utf-8")


def stored(out: Path) -> dict:
    return json.loads((out / "records" / f"{RECORD}.json").read_text(encoding="utf-8"))


def test_pages_of_one_meeting_are_parts_and_copies_are_rivals(tmp_path):
    write_pages(tmp_path)
    records = [build_record(tmp_path / name) for name in PAGES]
    assert {r.record_id for r in records} == {RECORD}
    assert [len(g) for g in group_parts(records)] == [1, 1, 1]
    copy = tmp_path / "punkt-41-kopi.txt"
    copy.write_text(PAGE.format(**PAGES["punkt-41.txt"]).replace("Du er her", "Du står her"), encoding="utf-8")
    groups = group_parts([records[0], build_record(copy), records[1]])
    assert [[r.source.file_name for r in g] for g in groups] == [["punkt-41.txt", "punkt-41-kopi.txt"], ["punkt-42.txt"]]


def test_item_pages_become_one_record_with_each_items_own_document(tmp_path):
    raw, out = tmp_path / "raw", tmp_path / "out"
    write_pages(raw)
    summary = ingest_direct(str(raw), str(out))
    assert (summary["processed"], summary["skipped"], summary["failed"]) == (3, 0, 0)
    assert sorted(p.name for p in (out / "records").iterdir()) == [f"{RECORD}.json"]
    record = stored(out)
    assert [(i["number"], i["title"], i["document"]["file_name"]) for i in record["items"]] == [
        ("41", "Godkendelse af dagsorden", "punkt-41.txt"),
        ("42", "Tilskud til lokale spejdergrupper", "punkt-42.txt"),
        ("43", "Meddelelser", "punkt-43.txt")]
    assert [i["decision"]["outcome"] for i in record["items"]] == ["approved", "approved", "noted"]
    assert [i["order"] for i in record["items"]] == [0, 1, 2]
    assert sorted(p["file_name"] for p in record["source"]["parts"]) == sorted(PAGES)
    assert record["source"]["alternatives"] == []
    assert record["meeting"]["place"] == "Rådhuset, mødelokale 2"
    assert any(w["code"] == "assembled_from_parts" for w in record["warnings"])
    # every item's lines are its own page's: the decision's line holds its text there
    for item in record["items"]:
        lines = (raw / item["document"]["file_name"]).read_text(encoding="utf-8").split("\n")
        span = item["decision"]["span"]
        assert item["decision"]["text"] in " ".join(lines[span["start_line"] - 1:span["end_line"]])
    events = [json.loads(x) for x in (out / "manifest.jsonl").read_text().splitlines()]
    assert [e for e in events if e["event"] == "assembled"][-1]["record_id"] == RECORD


def test_a_changed_page_updates_its_item_and_a_removed_page_retires_its_item(tmp_path):
    raw, out = tmp_path / "raw", tmp_path / "out"
    write_pages(raw)
    ingest_direct(str(raw), str(out))
    first = stored(out)

    changed = dict(PAGES["punkt-42.txt"], decision="Godkendt med den ændring, at tilskuddet er 35.000 kr.")
    (raw / "punkt-42.txt").write_text(PAGE.format(**changed), encoding="utf-8")
    summary = ingest_direct(str(raw), str(out))
    assert (summary["processed"], summary["skipped"]) == (1, 2)
    second = stored(out)
    assert [i["decision"]["text"] for i in second["items"]] == [
        "Godkendt.", "Godkendt med den ændring, at tilskuddet er 35.000 kr.", "Taget til efterretning."]
    assert second["items"][0] == first["items"][0] and second["items"][2] == first["items"][2]
    history = sorted((out / "history" / RECORD).iterdir())
    assert any(json.loads(h.read_text())["items"] == first["items"] for h in history)  # the old version kept

    (raw / "punkt-43.txt").unlink()
    summary = ingest_direct(str(raw), str(out))
    assert summary["processed"] == 0
    third = stored(out)
    assert [i["number"] for i in third["items"]] == ["41", "42"]
    assert sorted(p["file_name"] for p in third["source"]["parts"]) == ["punkt-41.txt", "punkt-42.txt"]
    assert any(json.loads(h.read_text()) == second for h in (out / "history" / RECORD).iterdir())
    events = [json.loads(x) for x in (out / "manifest.jsonl").read_text().splitlines()]
    removed = [e for e in events if e["event"] == "assembled" and e.get("removed")]
    assert removed and len(removed[-1]["removed"]) == 1


def test_a_page_rerun_alone_keeps_the_other_pages_items(tmp_path):
    raw, out = tmp_path / "raw", tmp_path / "out"
    write_pages(raw)
    ingest_direct(str(raw), str(out))
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    changed = dict(PAGES["punkt-41.txt"], decision="Godkendt. Punkt 43 blev behandlet først.")
    (elsewhere / "punkt-41.txt").write_text(PAGE.format(**changed), encoding="utf-8")
    outcome = rerun_document(str(elsewhere / "punkt-41.txt"), str(out))
    assert outcome["event"] == "processed"
    record = stored(out)
    assert [i["number"] for i in record["items"]] == ["41", "42", "43"]
    assert record["items"][0]["decision"]["text"] == "Godkendt. Punkt 43 blev behandlet først."


def test_unnumbered_item_pages_are_numbered_by_position_across_pages(tmp_path):
    raw, out = tmp_path / "raw", tmp_path / "out"
    raw.mkdir()
    page = ("Borger- og Arbejdsmarkedsudvalget\nReferat • 19. juni 2026 kl. 16.00\n\n{title}\n\nSagsid.: {case}\n\n"
            "Indstilling\nDirektionen indstiller, at sagen godkendes.\n\n"
            "Beslutning i Borger- og Arbejdsmarkedsudvalget den 19-06-2026\n{decision}\n")
    (raw / "a.txt").write_text(page.format(title="Budgetønsker 2027", case="26/101", decision="Godkendt."), encoding="utf-8")
    (raw / "b.txt").write_text(page.format(title="Status på jobcentret", case="26/102", decision="Drøftet."), encoding="utf-8")
    ingest_direct(str(raw), str(out))
    records = list((out / "records").iterdir())
    assert len(records) == 1
    record = json.loads(records[0].read_text(encoding="utf-8"))
    assert [(i["number"], i["title"], i["document"]["file_name"]) for i in record["items"]] == [
        ("1", "Budgetønsker 2027", "a.txt"), ("2", "Status på jobcentret", "b.txt")]
    shutil.rmtree(out)


def test_the_browse_view_shows_each_item_from_its_own_page(tmp_path):
    import httpx

    from analytics.tables import item_keys
    from analytics.web import Running

    raw, out = tmp_path / "raw", tmp_path / "out"
    write_pages(raw)
    ingest_direct(str(raw), str(out))
    record = stored(out)
    server = Running(out)
    try:
        for key, item in zip(item_keys(record), record["items"]):
            page = httpx.get(f"{server.url}/source/raw", params={"key": key})
            assert page.status_code == 200
            assert item["title"] in page.text and f"Pkt. {item['number']}" in page.text
    finally:
        server.stop()
