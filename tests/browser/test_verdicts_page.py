"""Chapter 10 in headless Chromium, offline: the verdict table renders with one block per claim, the CSV and JSON
download links give back that table without any request (data: URLs), and the introduction's claim links land
on the table's rows. The book is the fast build or a fresh _build/html (see conftest.py)."""

from __future__ import annotations

import csv
import io
import json
import re
from pathlib import Path

import pytest
import yaml

from minigpt.verdicts import CLAIMS

ROOT = Path(__file__).resolve().parents[2]
pytestmark = pytest.mark.browser
_TOC = yaml.safe_load((ROOT / "_toc.yml").read_text(encoding="utf-8"))
INTRO = _TOC["root"]
VERDICTS = next((c["file"] for part in _TOC.get("parts", []) for c in part.get("chapters", [])
                 if Path(c.get("file", "")).name.startswith("09_")), None)


def _skip_without_chapter():
    if VERDICTS is None:
        pytest.skip("chapter 10 is not in _toc.yml")


@pytest.mark.timeout(60, func_only=True)
def test_verdict_table_renders_and_downloads_offline(book_page, tmp_path: Path):
    _skip_without_chapter()
    bp = book_page
    bp.open(f"{VERDICTS}.html")
    table = bp.page.locator("div.verdicts-claim table.verdicts")
    assert table.count() == 1, "no verdict table on the page"
    assert bp.page.locator("div.verdicts-sanity table.verdicts").count() == 1, "no table of sanity checks"
    for claim in CLAIMS:
        block = bp.page.locator(f"tbody#verdict-{claim}")
        assert block.count() == 1, f"no row block for claim {claim}"
        assert block.locator("tr").count() >= 1 and block.inner_text().strip()
    shown_rows = bp.page.locator("table.verdicts tbody tr").count()

    found = {}
    for kind in ("csv", "json"):
        link = bp.page.locator(f"a#verdicts-{kind}")
        assert link.count() == 1, f"no {kind.upper()} download link"
        with bp.page.expect_download() as info:
            link.click()
        download = info.value
        assert download.suggested_filename == f"verdicts.{kind}"
        path = tmp_path / download.suggested_filename
        download.save_as(path)
        found[kind] = path.read_text(encoding="utf-8")
    lines = list(csv.DictReader(io.StringIO(found["csv"])))
    data = json.loads(found["json"])
    assert len(lines) == len(data["rows"]) == shown_rows
    assert {r["claim"] for r in lines} == set(CLAIMS) == {r["claim"] for r in data["rows"]}
    assert data["protocol"] and all(r["kind"] in ("claim", "sanity") for r in data["rows"])
    assert [r["verdict"] for r in lines] == [r["verdict"] for r in data["rows"]]
    assert not bp.off_host, f"requests off 127.0.0.1: {bp.off_host}"
    assert not bp.console_errors, bp.console_errors


@pytest.mark.timeout(60, func_only=True)
def test_intro_links_every_claim_to_its_row(book_page, book_html: Path):
    _skip_without_chapter()
    intro = (book_html / f"{INTRO}.html").read_text(encoding="utf-8")
    name = Path(VERDICTS).name
    targets = set(re.findall(rf'href="{re.escape(name)}\.html#verdict-([a-z]+)"', intro))
    assert targets == set(CLAIMS), f"the introduction links the rows {sorted(targets)}"
    bp = book_page
    bp.open(f"{INTRO}.html")
    bp.page.locator(f'a[href="{name}.html#verdict-b"]').first.click()
    bp.page.wait_for_load_state()
    assert bp.page.url.endswith(f"{name}.html#verdict-b")
    assert bp.page.locator("tbody#verdict-b").count() == 1
    assert not bp.off_host, f"requests off 127.0.0.1: {bp.off_host}"
