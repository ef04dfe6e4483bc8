"""Predictions scored, in headless Chromium, offline: a choice made on a chapter page is kept in the browser
(localStorage), is still chosen after a reload, and shows up on chapter 10's scorecard, scored by the same rule
as minigpt.explore.predictions.score against the build's verdicts embedded in that page. The book is the fast
build or a fresh _build/html (see conftest.py)."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from minigpt.explore.predictions import score

pytestmark = pytest.mark.browser


def _pages(book_html: Path) -> tuple[str | None, str | None]:
    """(a chapter page with a predict-first question, the verdicts page), as paths under the site root."""
    chapters = sorted((book_html / "book").glob("[0-9][0-9]_*.html"))
    asking = next((p for p in chapters if 'class="minigpt-predict"' in p.read_text(encoding="utf-8")), None)
    verdicts = next((p for p in chapters if re.fullmatch(r"\d\d_verdicts\.html", p.name)), None)
    return tuple(None if p is None else str(p.relative_to(book_html)) for p in (asking, verdicts))


@pytest.mark.timeout(90, func_only=True)
def test_a_choice_on_one_page_is_scored_on_the_verdicts_page(book_page, book_html: Path):
    asking, verdicts_page = _pages(book_html)
    if asking is None or verdicts_page is None:
        pytest.skip("no chapter page with a predict-first question, or no verdicts page, in this build")
    bp = book_page

    bp.open(verdicts_page)
    card = bp.page.locator("#minigpt-scorecard")
    assert card.count() == 1, "no scorecard on the verdicts page"
    empty = card.locator(".minigpt-score-summary").inner_text()
    assert empty.startswith("No predictions kept yet")
    verdicts = {c: (v, cond) for c, v, cond in json.loads(card.get_attribute("data-verdicts"))}
    assert verdicts, "the scorecard carries no verdicts of this build"

    bp.open(asking)
    question = bp.page.locator(".minigpt-predict").first
    question.scroll_into_view_if_needed()
    record = json.loads(question.get_attribute("data-record"))
    # the choice that names this build's verdict where one does, so that "right" is reached when it can be
    verdict = verdicts.get(record["claim"], ("",))[0]
    choice = next((c for c, names in record["choices"].items() if verdict in names), next(iter(record["choices"])))
    status = question.locator(".minigpt-predict-status")
    assert status.inner_text().startswith("Not answered yet")
    question.get_by_label(choice, exact=True).check()
    assert status.inner_text().startswith("Your answer is kept")
    bp.page.reload(wait_until="load")
    assert bp.page.locator(".minigpt-predict").first.get_by_label(choice, exact=True).is_checked()

    bp.open(verdicts_page)
    rows = card.locator("table.minigpt-scores tbody tr")
    assert rows.count() == 1, f"the scorecard shows {rows.count()} answers, not the 1 made on {asking}"
    cells = rows.first.locator("td").all_inner_texts()
    expected = score({**record, "choice": choice}, verdicts)
    assert cells[0] == record["question"] and cells[1] == record["claim"] and cells[2] == choice
    assert cells[3].startswith(verdict or "no verdict") and cells[4] == expected
    if verdict in {v for names in record["choices"].values() for v in names}:
        assert expected == "right"
    summary = card.locator(".minigpt-score-summary").inner_text()
    assert summary.startswith(f"1 prediction: {int(expected == 'right')} right, {int(expected == 'wrong')} wrong")

    card.locator("button.minigpt-forget").click()
    assert card.locator(".minigpt-score-summary").inner_text() == empty
    assert not card.locator("table.minigpt-scores").is_visible()
    assert not bp.off_host, f"requests off 127.0.0.1: {bp.off_host}"
    assert not bp.console_errors, f"console errors: {bp.console_errors}"
