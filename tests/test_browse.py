"""`minutes browse` in a real browser: Debian's Chromium, headless, driven by Playwright.

The test does what a person would: opens the start page, searches for a word from a Greve
decision, opens the item, its case history and its source, and reads what the pages show. A
screenshot of each step is saved under test-artifacts/ (ignored by git; CI keeps the folder)."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from analytics.web import Running
from tests.analytics_store import CASE, records, shared_store

ROOT = Path(__file__).resolve().parents[1]
ARTIFACTS = ROOT / "test-artifacts"
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
         "--disable-component-update", "--disable-sync", "--no-first-run"]


@pytest.fixture(scope="module")
def store(prefect_api, tmp_path_factory):
    return shared_store(tmp_path_factory)


@pytest.fixture(scope="module")
def site(store):
    server = Running(store)
    yield server.url
    server.stop()


@pytest.fixture(scope="module")
def page():
    if not Path(CHROMIUM).exists():
        if os.environ.get("CI"):
            pytest.fail("chromium is missing: .ci/run installs it (apt-get install chromium)")
        pytest.skip("no chromium here: apt-get install chromium")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=FLAGS)
        try:
            tab = browser.new_page(viewport={"width": 1280, "height": 900})
            yield tab
        finally:
            browser.close()


def shot(page, name: str) -> Path:
    ARTIFACTS.mkdir(exist_ok=True)
    path = ARTIFACTS / f"browse-{name}.png"
    page.screenshot(path=str(path), full_page=True)
    assert path.stat().st_size > 10_000
    return path


def test_search_an_item_its_case_history_and_its_source(store, site, page):
    recs = records(store)
    items = [i for r in recs.values() for i in r["items"]]
    counts = (len(recs), len(items), sum(i["decision"] is not None for i in items),
              len({c["number"] for i in items for c in i["case_numbers"]}))
    page.goto(site + "/")
    assert page.locator("h1").inner_text() == "Meetings, items, decisions and cases"
    assert page.locator(".counts").inner_text() == "{} meetings · {} items · {} decisions · {} cases".format(*counts)
    bodies = page.locator("table").first.inner_text()
    assert "Økonomiudvalget" in bodies and "Byrådet" in bodies
    shot(page, "start")

    # a word from the decision of Sundheds- og Omsorgsudvalget on the nursing home (Greve, 2022-01-10)
    page.fill("input[name=q]", "Seniorrådets")
    page.press("input[name=q]", "Enter")
    page.wait_for_url("**/search?q=Senior*")
    results = page.locator("ol.results > li")
    assert results.count() == 5  # its own minutes and the four later records that repeat the decision
    first = results.first.inner_text()
    assert "Godkendelse af udbudsbetingelser for grundsalg - nyt plejehjem i Tune" in first
    assert page.locator("ol.results mark").first.inner_text() == "Seniorrådets"
    shot(page, "search")

    page.locator("ol.results > li a").first.click()
    page.wait_for_url("**/item?key=*")
    assert page.locator("h1").inner_text() == "Godkendelse af udbudsbetingelser for grundsalg - nyt plejehjem i Tune"
    decisions = page.locator(".decision")
    assert decisions.count() >= 1
    assert "Seniorrådets og Handicaprådets bemærkninger" in page.locator("main").inner_text()
    source_link = page.locator("a.source")
    assert "greve-" in source_link.inner_text() and "/Dagsordenpunkter/" in source_link.inner_text()
    shot(page, "item")

    page.locator("a.case", has_text=CASE).click()
    page.wait_for_url(f"**/case/{CASE}")
    assert page.locator("h1").inner_text() == f"Case {CASE}"
    bodies = page.locator("table.history td.body").all_inner_texts()
    assert bodies == ["Sundheds- og Omsorgsudvalget", "Sundheds- og Omsorgsudvalget",
                      "Plan-, Trygheds- og Integrationsudvalget", "Klima-, Teknik- og Miljøudvalget",
                      "Økonomiudvalget", "Byrådet"]
    history = page.locator("table.history").inner_text()
    assert "Byrådet godkendte Økonomiudvalgets indstilling." in history
    shot(page, "case")

    page.locator("table.history tr").last.locator("a").click()  # Byrådet's item, the last treatment
    page.wait_for_url("**/item?key=greve-byraadet-2022-01-31%2316")
    shown = page.locator("main").inner_text()
    for body in ("Sundheds- og Omsorgsudvalget", "Klima-, Teknik- og Miljøudvalget", "Økonomiudvalget", "Byrådet"):
        assert body in shown  # every decision of the item: the earlier bodies' too
    page.locator("a.source").click()
    page.wait_for_url("**/source?key=*")
    fragment = page.locator("pre.source").inner_text()
    assert '"CaseNumber": "21-014347"' in fragment and '"Punktnummer": "16"' in fragment
    shot(page, "source")


def test_a_text_source_opens_at_its_lines_and_missing_pages_say_so(site, page):
    page.goto(site + "/meeting/egedal-kommunalbestyrelsen-2025-03-26")
    assert page.locator("h1").inner_text() == "Kommunalbestyrelsen 2025-03-26"
    assert "Jørgen Holm" in page.locator("main").inner_text()
    page.locator("a", has_text="Høring om trafikplan for Ølstykke Stationsby").click()
    assert "postponed" in page.locator("main").inner_text()
    page.locator("a.source").click()
    highlighted = page.locator("pre.source .line-hit").all_inner_texts()
    assert any("Punkt 148. Høring om trafikplan" in line for line in highlighted)
    assert page.locator("#L1").count() == 1
    page.goto(site + "/case/no-such-case")
    assert page.locator("h1").inner_text() == "Not found"
