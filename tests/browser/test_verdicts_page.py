"""Chapter 10 in headless Chromium, offline: the verdict page fits a screen's width and stays short, its forest
plot and its compact table render with one block per claim whose rows open as a dropdown, the CSV and JSON
download links give back that table without any request (data: URLs), the introduction's claim links land on the
table's rows, and each study chapter's takeaway box links to its claims there. The book is the fast build or a
fresh _build/html (see conftest.py)."""

from __future__ import annotations

import csv
import io
import json
import re
import tempfile
from pathlib import Path

import pytest
import yaml

from minigpt.verdicts import CLAIMS

ROOT = Path(__file__).resolve().parents[2]
pytestmark = pytest.mark.browser
_TOC = yaml.safe_load((ROOT / "_toc.yml").read_text(encoding="utf-8"))
INTRO = _TOC["root"]
VERDICTS = next((c["file"] for part in _TOC.get("parts", []) for c in part.get("chapters", [])
                 if Path(c.get("file", "")).name.endswith("_verdicts")), None)
# A 1280 px wide window; the page must stay under this height (it was about 21,000 px with a row per line).
MAX_HEIGHT_PX = 9000


def _skip_without_chapter():
    if VERDICTS is None:
        pytest.skip("chapter 10 is not in _toc.yml")


@pytest.mark.timeout(60, func_only=True)
def test_verdict_table_renders_and_downloads_offline(book_page, tmp_path: Path):
    _skip_without_chapter()
    bp = book_page
    bp.open(f"{VERDICTS}.html")
    assert bp.page.locator("div.verdicts-claim").count() == 1, "no verdict table on the page"
    assert bp.page.locator("div.verdicts-sanity").count() == 1, "no table of sanity checks"
    for claim in CLAIMS:
        block = bp.page.locator(f"details#verdict-{claim}")
        assert block.count() == 1, f"no row block for claim {claim}"
        assert block.locator("li").count() >= 1 and block.locator("summary").inner_text().strip()
    shown_rows = bp.page.locator("div.verdict-table details li").count()  # claim and sanity rows

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
    assert bp.page.locator("details#verdict-b").count() == 1
    assert not bp.off_host, f"requests off 127.0.0.1: {bp.off_host}"


# Elements of the article wider than its column, or whose content overflows them (clipped or scrolled).
OVERFLOW_JS = """() => {
  const column = document.querySelector('article.bd-article') || document.querySelector('main');
  const right = column.getBoundingClientRect().right;
  const wide = [];
  for (const el of column.querySelectorAll('*')) {
    const r = el.getBoundingClientRect();
    if (r.width === 0 || el.closest('.math, mjx-container, .MathJax')) continue;
    const scrolls = el.scrollWidth > el.clientWidth + 1 && getComputedStyle(el).overflowX !== 'visible';
    if (r.right > right + 1 || scrolls)
      wide.push(`${el.tagName}.${el.className} ${Math.round(r.width)} px, content ${el.scrollWidth} px`);
  }
  return {width: Math.round(column.getBoundingClientRect().width), wide};
}"""


@pytest.mark.timeout(90, func_only=True)
def test_the_page_fits_a_screen_wide_and_stays_short(book_page, screenshots: Path):
    _skip_without_chapter()
    bp = book_page
    bp.open(f"{VERDICTS}.html")
    height = bp.page.evaluate("document.documentElement.scrollHeight")
    bp.page.screenshot(path=str(screenshots / "verdicts_page.png"), full_page=True)
    assert height < MAX_HEIGHT_PX, f"the verdict page is {height} px tall at 1280 px (at most {MAX_HEIGHT_PX})"
    found = bp.page.evaluate(OVERFLOW_JS)
    assert not found["wide"], f"wider than the {found['width']} px column: {found['wide'][:10]}"

    # the forest plot: one image, loaded, within the column
    img = bp.page.locator("figure.verdict-forest-claim img")
    assert img.count() == 1, "no forest plot"
    size = img.evaluate("i => i.decode().then(() => [i.naturalWidth, i.getBoundingClientRect().width])")
    assert size[0] > 300 and 0 < size[1] <= found["width"] + 1, size

    # a claim's rows open as a dropdown and fit the column too
    claim = next(iter(CLAIMS))
    block = bp.page.locator(f"details#verdict-{claim}")
    assert not block.locator("li").first.is_visible()
    block.locator("summary").click()
    assert block.evaluate("d => d.open") and block.locator("li").first.is_visible()
    assert "a - b" in block.locator("li").first.inner_text()
    bp.page.locator("div.verdict-table details").evaluate_all("ds => ds.forEach(d => { d.open = true; })")
    opened = bp.page.evaluate(OVERFLOW_JS)
    assert not opened["wide"], f"with every dropdown open, wider than the column: {opened['wide'][:10]}"
    assert not bp.off_host, f"requests off 127.0.0.1: {bp.off_host}"
    assert not bp.console_errors, bp.console_errors


@pytest.mark.timeout(90, func_only=True)
def test_each_study_chapter_ends_with_a_takeaway_linked_to_its_rows(book_page):
    """The takeaway box of each chapter with a study links each of its claims to their block of the table, and
    the table's chapter links come back to the box."""
    _skip_without_chapter()
    from minigpt.runs import ResultCache
    from minigpt.studies import STUDIES
    from minigpt.verdicts import study_rows

    bp = book_page
    name = Path(VERDICTS).name
    for page in dict.fromkeys(s.page for s in STUDIES):
        claims = {c for s in STUDIES if s.page == page for c in s.claims}
        bp.open(f"book/{page}.html")
        box = bp.page.locator("#takeaway")
        assert box.count() == 1, f"{page}: no takeaway box"
        links = set(box.locator("a").evaluate_all("as => as.map(a => a.getAttribute('href'))"))
        assert {f"{name}.html#verdict-{c}" for c in claims} <= links, f"{page}: {sorted(links)}"
    # the last page's first claim it has claim rows for (a claim with only sanity rows there has no link back)
    with tempfile.TemporaryDirectory() as tmp:
        first = min(r["claim"] for s in STUDIES if s.page == page for r in study_rows(s, ResultCache(tmp))
                    if r["kind"] == "claim")
    bp.page.locator(f'#takeaway a[href="{name}.html#verdict-{first}"]').first.click()
    bp.page.wait_for_load_state()
    assert bp.page.locator(f"details#verdict-{first}").count() == 1
    back = bp.page.locator(f'details#verdict-{first} a[href$="{page}.html#takeaway"]')
    assert back.count() >= 1, "the table does not link back to the chapter's takeaway"
    assert not bp.off_host, f"requests off 127.0.0.1: {bp.off_host}"
