"""Pages 4 to 8 one by one, in headless Chromium: each renders its own figures, each of its static explorers swaps
its image and its numbers when the slider moves, its measured-answer section holds numbers (not a traceback), and
nothing is requested from off 127.0.0.1.

The generic tests in test_static_book.py check every page for broken images and every explorer for a frame change;
these pin what each of these chapters must show, so a chapter that silently drops a figure or an explorer, or whose
answer cell fails, is caught by name. The book is the fast build (MINIGPT_FAST=1) or a fresh _build/html.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
pytestmark = pytest.mark.browser


@dataclass(frozen=True)
class Chapter:
    prefix: str  # file name prefix, e.g. "04_"
    min_figures: int  # <img> figures (PNG outputs) outside the explorers, at least
    explorers: int  # static explorers (.minigpt-explorer), exactly
    answer: str  # id of the section whose generated text states what was measured


CHAPTERS = [
    # the held-out loss against passes, with and without dropout; the explorer is the passes slider
    Chapter("04_", 1, 1, "the-measured-answer"),
    # 1 figure in section 1, 1 in section 2; the explorer is the recall slider
    Chapter("05_", 2, 1, "the-measured-answer"),
    # grokking curves, norms, the forgetting curve ...; the explorer is the grokking one
    Chapter("06_", 2, 2, "the-measured-answer"),  # weight decay on facts; grokking
    # the knobs on one distribution, stories against temperature, the sampler trade-off, facts and sums
    Chapter("07_", 3, 2, "the-measured-answer"),  # stories; facts and sums
    # vote against k, scratchpad, best-of-n, RL; two explorers (vote bank and RL steps); no "measured answer"
    # heading: its end-to-end table is the chapter's answer
    Chapter("08_", 3, 2, "the-two-recipes-end-to-end"),
]


def _doc(prefix: str) -> str | None:
    """The _toc.yml entry ("book/04_...") of the chapter whose file name starts with ``prefix``."""
    toc = (ROOT / "_toc.yml").read_text(encoding="utf-8")
    files = re.findall(r"file:\s*(\S+)", toc) if "file:" in toc else []
    files = [re.sub(r"\.(md|ipynb)$", "", f) for f in files]
    assert yaml.safe_load(toc), "_toc.yml is empty"
    return next((f for f in files if Path(f).name.startswith(prefix)), None)


# Figures in cell outputs that are not explorer frames, with their rendered size and whether they loaded.
FIGURES_JS = """async () => {
  const imgs = Array.from(document.querySelectorAll('article .cell_output img'))
    .filter(i => !i.closest('.minigpt-explorer'));
  imgs.forEach(i => { i.loading = 'eager'; });
  await Promise.all(imgs.map(i => i.complete ? null : new Promise(r => { i.onload = i.onerror = r; })));
  return imgs.map(i => [i.naturalWidth, i.naturalHeight, (i.currentSrc || i.src).slice(0, 40)]);
}"""

# The displayed frame of an explorer: its data-index and what it shows (an image's source or a div's markup).
SHOWN_FRAME_JS = """el => Array.from(el.querySelectorAll('.minigpt-frame'))
  .filter(f => f.getClientRects().length > 0)
  .map(f => [f.getAttribute('data-index'),
             f.tagName === 'IMG' ? (f.currentSrc || f.src) : f.innerHTML])"""

# The text of a section (by id) and whether it holds an error output.
SECTION_JS = """id => {
  const s = document.getElementById(id);
  if (!s) return null;
  const errors = s.querySelectorAll('.output.traceback, .output.error, [data-mime-type*="stderr"]').length;
  return [s.innerText, errors];
}"""

NUMBER = re.compile(r"\d+(\.\d+)?\s*%|\b\d+\.\d+\b")


def _open(book_page, chapter: Chapter):
    doc = _doc(chapter.prefix)
    if doc is None:
        pytest.skip(f"no chapter {chapter.prefix}* in _toc.yml")
    book_page.open(f"{doc}.html")
    return doc


@pytest.mark.timeout(60, func_only=True)
@pytest.mark.parametrize("chapter", CHAPTERS, ids=lambda c: c.prefix.rstrip("_"))
def test_chapter_renders_its_figures(book_page, chapter: Chapter):
    doc = _open(book_page, chapter)
    figures = book_page.page.evaluate(FIGURES_JS)
    broken = [f for f in figures if f[0] == 0 or f[1] == 0]
    assert len(figures) >= chapter.min_figures, f"{doc}: {len(figures)} figures, expected >= {chapter.min_figures}"
    assert not broken, f"{doc}: figures that did not load: {broken}"
    assert book_page.page.locator(".minigpt-explorer").count() == chapter.explorers, f"{doc}: explorers"
    assert not book_page.off_host, f"{doc}: requests off 127.0.0.1: {book_page.off_host}"


@pytest.mark.timeout(90, func_only=True)
@pytest.mark.parametrize("chapter", CHAPTERS, ids=lambda c: c.prefix.rstrip("_"))
def test_chapter_explorers_change_image_and_numbers(book_page, chapter: Chapter):
    doc = _open(book_page, chapter)
    bp = book_page
    explorers = bp.page.locator(".minigpt-explorer")
    for i in range(explorers.count()):
        explorer = explorers.nth(i)
        explorer.scroll_into_view_if_needed()
        numbers = explorer.locator(".minigpt-numbers")
        slider = explorer.locator('input[type="range"]').first
        assert slider.count() == 1, f"{doc} explorer {i}: no slider"

        def state(explorer=explorer, numbers=numbers):
            return explorer.evaluate(SHOWN_FRAME_JS), numbers.first.inner_text() if numbers.count() else None

        before = state()
        assert len(before[0]) == 1, f"{doc} explorer {i}: {len(before[0])} frames shown, not 1"
        assert before[0][0][1], f"{doc} explorer {i}: the shown frame is empty"
        slider.focus()
        slider.press("ArrowRight" if slider.input_value() != slider.get_attribute("max") else "ArrowLeft")
        for _ in range(100):  # up to 5 s for the page's script
            after = state()
            if after[0] != before[0]:
                break
            bp.page.wait_for_timeout(50)
        assert len(after[0]) == 1 and after[0][0][0] != before[0][0][0], f"{doc} explorer {i}: frame stayed"
        assert after[0][0][1] and after[0][0][1] != before[0][0][1], f"{doc} explorer {i}: same image"
        if before[1] is not None:
            assert re.search(r"\d", after[1]), f"{doc} explorer {i}: numbers panel has no number: {after[1]!r}"
            assert after[1] != before[1], f"{doc} explorer {i}: numbers did not change ({after[1]!r})"
    assert not bp.off_host and not bp.console_errors, (bp.off_host, bp.console_errors)


@pytest.mark.timeout(60, func_only=True)
@pytest.mark.parametrize("chapter", CHAPTERS, ids=lambda c: c.prefix.rstrip("_"))
def test_chapter_measured_answer_states_numbers(book_page, chapter: Chapter):
    doc = _open(book_page, chapter)
    found = book_page.page.evaluate(SECTION_JS, chapter.answer)
    assert found is not None, f"{doc}: no section #{chapter.answer}"
    text, errors = found
    assert errors == 0, f"{doc}: #{chapter.answer} holds an error output"
    assert "Traceback" not in text and "Error:" not in text, f"{doc}: #{chapter.answer}: {text[:500]}"
    numbers = NUMBER.findall(text)
    assert len(numbers) >= 3, f"{doc}: #{chapter.answer} states {len(numbers)} numbers: {text[:500]!r}"
    assert not book_page.off_host, f"{doc}: requests off 127.0.0.1: {book_page.off_host}"
