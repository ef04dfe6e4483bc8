"""Chapter 10's replications in headless Chromium, offline: every row of the verdict table carries its split-half
replication inside its dropdown (seen once the claim is opened), the page counts them in a sentence, and the
static "rerun a row" says the button needs a kernel. The book is the fast build or a fresh _build/html."""

from __future__ import annotations

import pytest

from minigpt.verdict_page import PAGE

pytestmark = pytest.mark.browser


@pytest.mark.timeout(60, func_only=True)
def test_every_row_shows_its_split_half_replication_and_the_rerun_needs_a_kernel(book_page):
    bp = book_page
    bp.open(f"book/{PAGE}.html")
    rows = bp.page.locator("div.verdict-table details li")
    halves = bp.page.locator("div.verdict-table details li .verdict-half")
    assert rows.count() > 0 and halves.count() == rows.count(), "a row without its split-half replication"
    first = bp.page.locator("div.verdicts-claim details.verdict-claim").first
    assert not first.locator(".verdict-half").first.is_visible(), "replications should wait behind the dropdown"
    first.locator("summary").click()
    half = first.locator(".verdict-half").first
    assert half.is_visible() and half.inner_text().startswith("Split-half replication:")
    body = bp.page.locator("body").inner_text()
    assert "measured claim rows" in body or "No claim row is measured" in body
    rerun = bp.page.locator("div.verdict-rerun")
    assert rerun.count() == 1 and "needs a kernel" in rerun.inner_text()
    assert not bp.off_host, f"requests off 127.0.0.1: {bp.off_host}"
    assert not bp.console_errors, bp.console_errors
