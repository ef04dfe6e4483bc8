"""The static HTML book in headless Chromium: every page renders offline, without console errors, with its
math and figures; chapter 3's explorer slider works without a kernel.

The book is the fast build (MINIGPT_FAST=1) or a fresh _build/html; see conftest.py.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
pytestmark = pytest.mark.browser


def _toc_files() -> list[str]:
    """Every document in _toc.yml, in reading order ("book/intro", "book/01_...", ...)."""
    toc = yaml.safe_load((ROOT / "_toc.yml").read_text(encoding="utf-8"))
    found = [toc["root"]]

    def walk(entries):
        for entry in entries or []:
            if "file" in entry:
                found.append(entry["file"])
            walk(entry.get("sections"))

    for part in toc.get("parts", []):
        walk(part.get("chapters"))
    walk(toc.get("chapters"))
    return [re.sub(r"\.(md|ipynb)$", "", f) for f in found]


PAGES = _toc_files()
CHAPTER_3 = next((p for p in PAGES if Path(p).name.startswith("03_")), None)

# Every <img> (made eager, then awaited) that failed to load, and every displayed figure of zero size.
BROKEN_FIGURES_JS = """async () => {
  const imgs = Array.from(document.querySelectorAll('article img'));
  imgs.forEach(i => { i.loading = 'eager'; });
  await Promise.all(imgs.map(i => i.complete ? null : new Promise(r => { i.onload = i.onerror = r; })));
  const shown = el => el.offsetParent !== null || el.getClientRects().length > 0;
  const name = el => (el.currentSrc || el.src || el.outerHTML).slice(0, 80);
  const broken = imgs.filter(i => i.naturalWidth === 0).map(i => 'not loaded: ' + name(i));
  const figures = imgs.concat(Array.from(document.querySelectorAll('article .cell_output svg')));
  for (const f of figures.filter(shown)) {
    const box = f.getBoundingClientRect();
    if (box.width === 0 || box.height === 0) broken.push('zero size: ' + name(f));
  }
  return broken;
}"""

# True once every math node has been typeset by MathJax.
MATH_DONE_JS = """() => {
  const nodes = document.querySelectorAll('.math');
  return Array.from(nodes).every(n => n.querySelector('mjx-container'));
}"""


def _check_math(bp) -> int:
    """Wait for MathJax to typeset every math node on the page; returns how many there are."""
    n_math = bp.page.locator(".math").count()
    if n_math:
        bp.page.wait_for_function(MATH_DONE_JS, timeout=20_000)
        assert bp.page.locator("mjx-merror").count() == 0, "MathJax reported a TeX error"
    return n_math


@pytest.mark.timeout(60, func_only=True)
@pytest.mark.parametrize("doc", PAGES)
def test_page_renders_offline(book_page, screenshots: Path, doc: str):
    bp = book_page
    bp.open(f"{doc}.html")
    title = bp.page.locator("article h1").first.inner_text(timeout=10_000).strip().rstrip("#").strip()
    _check_math(bp)
    broken = bp.page.evaluate(BROKEN_FIGURES_JS)
    bp.page.wait_for_timeout(300)  # widget manager and explorer scripts finish after "load"
    bp.page.screenshot(path=str(screenshots / f"{Path(doc).name}.png"), full_page=True)

    assert title, f"{doc}: no <h1> title rendered"
    assert title in bp.page.title(), f"{doc}: <title> {bp.page.title()!r} lacks the heading {title!r}"
    assert not broken, f"{doc}: figures did not render: {broken}"
    assert not bp.off_host, f"{doc}: requests off 127.0.0.1 (the book must work offline): {bp.off_host}"
    assert not bp.console_errors, f"{doc}: console errors: {bp.console_errors}"


@pytest.mark.timeout(60, func_only=True)
def test_math_renders(book_page, book_html: Path):
    with_math = [d for d in PAGES if 'class="math' in (book_html / f"{d}.html").read_text(encoding="utf-8")]
    if not with_math:
        pytest.skip("no page of the book contains math yet")
    bp = book_page
    bp.open(f"{with_math[0]}.html")
    assert _check_math(bp) > 0
    # MathJax's CHTML output draws with its own web fonts; they must have come from the build.
    assert bp.page.locator("mjx-container[jax='CHTML']").count() > 0
    assert not bp.off_host and not bp.console_errors, (bp.off_host, bp.console_errors)


# The explorer's static HTML (src/minigpt/explore.py): sliders over frames computed at build time.
SHOWN_FRAMES_JS = """el => Array.from(el.querySelectorAll('img'))
  .filter(i => i.getClientRects().length > 0 && getComputedStyle(i).visibility !== 'hidden')
  .map(i => i.currentSrc || i.src)"""


@pytest.mark.timeout(90, func_only=True)
def test_chapter3_explorer_slider(book_page):
    if CHAPTER_3 is None:
        pytest.skip("chapter 3 is not in _toc.yml yet")
    bp = book_page
    bp.open(f"{CHAPTER_3}.html")
    explorers = bp.page.locator(".minigpt-explorer")
    if explorers.count() == 0:
        pytest.skip(f"{CHAPTER_3} has no .minigpt-explorer yet (the explorer's static text/html view)")
    explorer = explorers.first
    explorer.scroll_into_view_if_needed()
    slider = explorer.locator('input[type="range"]').first
    numbers = explorer.locator(".minigpt-numbers").first
    assert slider.count() == 1, "the explorer has no <input type=range> slider"
    assert numbers.count() == 1, "the explorer has no .minigpt-numbers panel"

    def state():
        return explorer.evaluate(SHOWN_FRAMES_JS), numbers.inner_text(), float(slider.input_value())

    def changed_from(before):
        for _ in range(100):  # up to 5 s for the page's script to swap the frame
            now = state()
            if now[0] != before[0] and now[1] != before[1]:
                return now
            bp.page.wait_for_timeout(50)
        return now

    lo = float(slider.get_attribute("min") or 0)
    hi = float(slider.get_attribute("max") or 100)
    assert hi > lo, f"slider range is empty: min={lo} max={hi}"

    start = state()
    assert start[0], "no frame is shown before the slider moves"

    # Keyboard: one step away from the end the slider sits at.
    slider.focus()
    slider.press("ArrowRight" if start[2] < hi else "ArrowLeft")
    after_key = changed_from(start)
    assert after_key[2] != start[2], "the arrow key did not move the slider"
    assert after_key[0] and after_key[0] != start[0], "the arrow key did not change the shown frame"
    assert after_key[1] != start[1], "the arrow key did not change the numbers"

    # Mouse: drag the thumb to the far end.
    box = slider.bounding_box()
    y = box["y"] + box["height"] / 2
    frac = (after_key[2] - lo) / (hi - lo)
    target = box["x"] + (2 if frac > 0.5 else box["width"] - 2)
    bp.page.mouse.move(box["x"] + 8 + frac * (box["width"] - 16), y)
    bp.page.mouse.down()
    bp.page.mouse.move(target, y, steps=8)
    bp.page.mouse.up()
    after_mouse = changed_from(after_key)
    assert after_mouse[2] != after_key[2], "dragging did not move the slider"
    assert after_mouse[0] and after_mouse[0] != after_key[0], "dragging did not change the shown frame"
    assert after_mouse[1] != after_key[1], "dragging did not change the numbers"

    assert not bp.off_host, f"requests off 127.0.0.1: {bp.off_host}"
    assert not bp.console_errors, f"console errors: {bp.console_errors}"


# data-index of the frames of one explorer that are displayed (an <img> or a <div>, see explore.py).
SHOWN_INDEX_JS = """el => Array.from(el.querySelectorAll('.minigpt-frame'))
  .filter(f => f.getClientRects().length > 0).map(f => f.getAttribute('data-index'))"""


@pytest.mark.timeout(60, func_only=True)
@pytest.mark.parametrize("doc", [p for p in PAGES if re.match(r"\d\d_", Path(p).name)])
def test_every_static_explorer_responds_to_the_keyboard(book_page, doc: str):
    """Every explorer's static view on a chapter page (Explorer or SliderView) swaps frames when its slider moves."""
    bp = book_page
    bp.open(f"{doc}.html")
    explorers = bp.page.locator(".minigpt-explorer")
    if explorers.count() == 0:
        pytest.skip(f"{doc} has no explorer")
    for i in range(explorers.count()):
        explorer = explorers.nth(i)
        explorer.scroll_into_view_if_needed()
        slider = explorer.locator('input[type="range"]').first
        readout = explorer.locator("output").first
        before = explorer.evaluate(SHOWN_INDEX_JS), readout.inner_text(), slider.input_value()
        assert len(before[0]) == 1, f"{doc} explorer {i}: {len(before[0])} frames shown, not 1"
        slider.focus()
        slider.press("ArrowRight" if slider.input_value() != slider.get_attribute("max") else "ArrowLeft")
        bp.page.wait_for_function(
            "([el, old]) => Array.from(el.querySelectorAll('.minigpt-frame'))"
            ".some(f => f.getClientRects().length > 0 && f.getAttribute('data-index') !== old)",
            arg=[explorer.element_handle(), before[0][0]], timeout=5_000)
        after = explorer.evaluate(SHOWN_INDEX_JS), readout.inner_text(), slider.input_value()
        assert len(after[0]) == 1 and after[0] != before[0], f"{doc} explorer {i}: frame did not change"
        assert after[1] != before[1] and after[2] != before[2], f"{doc} explorer {i}: readout did not follow"
    assert not bp.off_host and not bp.console_errors, (bp.off_host, bp.console_errors)


# --- the page a student reads at 1280 px: nothing cut off, no missing glyphs, tables with room --------------

# Every code cell, output box and <pre> of the article whose content is wider than its box (it would be cut off,
# or hidden behind a scroll bar), with what is in it. Closed dropdowns and hidden cells have no box: skipped.
OVERFLOW_JS = """() => {
  const out = [];
  const sel = 'article .cell_input, article .cell_output, article pre, article .cell_output .output';
  for (const el of document.querySelectorAll(sel)) {
    if (el.getClientRects().length === 0 || el.closest('.minigpt-explorer')) continue;
    if (getComputedStyle(el).visibility === 'hidden') continue;  // a closed dropdown: checked open below
    if (el.scrollWidth > el.clientWidth + 1)
      out.push(`${el.tagName}.${el.className}: ${el.scrollWidth} > ${el.clientWidth} px: `
               + el.innerText.slice(0, 60));
  }
  return out;
}"""

# Emoji and pictographs (the book ships no font for them: they render as empty boxes), variation selectors, and
# the replacement character (a byte that did not decode).
NO_GLYPH = re.compile("[\u2600-\u27bf\u2b00-\u2bff\ufe0f\ufffd\U0001f000-\U0001faff]")

# The padding of every displayed table cell in the article, [left, right] in px, as text for the message.
CELL_PADDING_JS = """() => Array.from(document.querySelectorAll('article td, article th'))
  .filter(c => c.getClientRects().length > 0)
  .map(c => { const s = getComputedStyle(c);
              return [parseFloat(s.paddingLeft), parseFloat(s.paddingRight), c.innerText.slice(0, 30)]; })"""


@pytest.mark.timeout(60, func_only=True)
@pytest.mark.parametrize("doc", PAGES)
def test_code_and_output_fit_the_column_at_1280px(book_page, doc: str):
    bp = book_page
    assert bp.page.viewport_size["width"] == 1280
    bp.open(f"{doc}.html")
    bp.page.wait_for_timeout(300)
    wide = bp.page.evaluate(OVERFLOW_JS)
    # open every dropdown (solutions, hidden cells) and look again
    bp.page.evaluate("() => { document.querySelectorAll('details').forEach(d => { d.open = true; });"
                     " document.querySelectorAll('.toggle-hidden')"
                     ".forEach(e => e.classList.remove('toggle-hidden')); }")
    bp.page.wait_for_timeout(200)
    wide += [w for w in bp.page.evaluate(OVERFLOW_JS) if w not in wide]
    assert not wide, f"{doc}: content wider than its box at 1280 px (cut off or scrolled):\n" + "\n".join(wide)


@pytest.mark.timeout(60, func_only=True)
@pytest.mark.parametrize("doc", PAGES)
def test_page_uses_no_characters_without_a_font(book_page, doc: str):
    bp = book_page
    bp.open(f"{doc}.html")
    text = bp.page.locator("article").first.inner_text()
    found = sorted({f"U+{ord(c):04X} {c!r}" for c in NO_GLYPH.findall(text)})
    assert not found, f"{doc}: characters the book has no font for (they render as empty boxes): {found}"


@pytest.mark.timeout(60, func_only=True)
@pytest.mark.parametrize("doc", PAGES)
def test_table_cells_have_padding(book_page, doc: str):
    bp = book_page
    bp.open(f"{doc}.html")
    cells = bp.page.evaluate(CELL_PADDING_JS)
    tight = [c for c in cells if min(c[0], c[1]) < 4]
    assert not tight, f"{doc}: {len(tight)} table cells with under 4 px padding (headers run together): {tight[:5]}"
