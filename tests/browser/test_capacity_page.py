"""Chapter 9's page in headless Chromium: its figures load, the measured answer is there and names the bits per
parameter, the explorer's two sliders (width, exposures) swap frames and numbers, and the page asks for nothing
off the local server. The page-wide checks (math, fonts, overflow) are in test_static_book.py."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.browser
PAGE = "book/09_knowledge_capacity.html"

SHOWN_INDEX_JS = """el => Array.from(el.querySelectorAll('.minigpt-frame'))
  .filter(f => f.getClientRects().length > 0).map(f => f.getAttribute('data-index'))"""

LOADED_IMAGES_JS = """async () => {
  const imgs = Array.from(document.querySelectorAll('article .cell_output img'));
  imgs.forEach(i => { i.loading = 'eager'; });
  await Promise.all(imgs.map(i => i.complete ? null : new Promise(r => { i.onload = i.onerror = r; })));
  return imgs.filter(i => i.naturalWidth > 0 && !i.closest('.minigpt-explorer')).length;
}"""


@pytest.mark.timeout(90, func_only=True)
def test_capacity_page_figures_answer_and_explorer(book_page):
    bp = book_page
    bp.open(PAGE)
    title = bp.page.locator("article h1").first.inner_text().strip()
    assert "How much can a small model know" in title
    # the bits-vs-parameters figure, the regularization figure (the grid plot only if its CSV exists)
    assert bp.page.evaluate(LOADED_IMAGES_JS) >= 2
    article = bp.page.locator("article").first.inner_text()
    assert "The measured answer" in article
    assert "bits per parameter" in article and "exposures per fact" in article
    assert "Allen-Zhu" in article  # the citation rendered
    assert "python -m minigpt sweep capacity_bits" in article
    assert ("NOT FROM THIS BUILD" in article) or ("No benchmarks/capacity_grid/summary.csv" in article)

    explorer = bp.page.locator(".minigpt-explorer").first
    explorer.scroll_into_view_if_needed()
    sliders = explorer.locator('input[type="range"]')
    assert sliders.count() == 1, "the static view should step through the exposure counts (dropout is live only)"
    numbers = explorer.locator(".minigpt-numbers").first
    for i in range(1):
        slider = sliders.nth(i)
        before = explorer.evaluate(SHOWN_INDEX_JS), numbers.inner_text()
        assert len(before[0]) == 1
        slider.focus()
        slider.press("ArrowLeft" if slider.input_value() == slider.get_attribute("max") else "ArrowRight")
        bp.page.wait_for_function(
            "([el, old]) => Array.from(el.querySelectorAll('.minigpt-frame'))"
            ".some(f => f.getClientRects().length > 0 && f.getAttribute('data-index') !== old)",
            arg=[explorer.element_handle(), before[0][0]], timeout=5_000)
        after = explorer.evaluate(SHOWN_INDEX_JS), numbers.inner_text()
        assert after[0] != before[0] and after[1] != before[1], f"slider {i}: frame or numbers did not change"
    assert "bits / parameter" in numbers.inner_text()
    assert not bp.off_host, bp.off_host
    assert not bp.console_errors, bp.console_errors
