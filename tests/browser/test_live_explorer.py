"""Live widgets in a kernel: Voila serves a small notebook on 127.0.0.1, headless Chromium drives its sliders.

The notebooks are written into each test's tmp dir; the `live_page` fixture (conftest.py) starts a Voila server
per test (MINIGPT_FAST=1, an empty MINIGPT_CACHE so the explorer really trains instead of replaying a cached
run) and stops it, with its kernel, even when the test fails. Measured latencies appear in the "browser timings"
section of pytest's summary; they are checked against the live targets of DESIGN.md section 6 with a margin for
a loaded 2-core machine.
"""

from __future__ import annotations

import time

import pytest

pytestmark = pytest.mark.browser

RENDER_TIMEOUT_MS = 30_000
# DESIGN.md section 6: a training slider shows its first curve points in under 2 s. The assertion allows
# a loaded machine much more; the measured latency is printed so a regression is visible.
UPDATE_TARGET_S = 2.0
UPDATE_TIMEOUT_S = 20.0


def _code_notebook(*cells: str) -> dict:
    return {
        "cells": [
            {"cell_type": "code", "id": f"c{i}", "execution_count": None, "metadata": {}, "outputs": [], "source": src}
            for i, src in enumerate(cells)
        ],
        "metadata": {
            "kernelspec": {"display_name": "Python 3", "language": "python", "name": "python3"},
            "language_info": {"name": "python"},
        },
        "nbformat": 4,
        "nbformat_minor": 5,
    }


# A plain ipywidgets slider whose Python callback writes the value into an HTML widget: checks the harness
# (server, kernel, comms, keyboard) independently of the explorer.
PLAIN_NOTEBOOK = _code_notebook(
    """import ipywidgets as w
slider = w.IntSlider(value=3, min=0, max=10, description="plain")
out = w.HTML(value="<span class='plain-result'>square 9</span>")
def on_change(change):
    out.value = f"<span class='plain-result'>square {change['new'] ** 2}</span>"
slider.observe(on_change, names="value")
w.VBox([slider, out])"""
)


# Chapter 3's explorer, made the way book/03_overfitting_live.ipynb makes it. Displaying the Explorer itself (not
# .widget) also checks that Voila picks the live widget out of its mimebundle rather than the static HTML.
EXPLORER_NOTEBOOK = _code_notebook(
    """from minigpt.studies.overfitting import overfitting_explorer
explorer = overfitting_explorer()
explorer"""
)


def _press_right(handle) -> None:
    """Keyboard move of an ipywidgets 8 (noUiSlider) slider: focus its handle, one step right."""
    handle.focus()
    handle.press("ArrowRight")


def _wait_change(page, read, before, timeout_s: float) -> tuple[object, float]:
    """Poll read() until it differs from `before`; returns (new value, seconds waited)."""
    t0 = time.perf_counter()
    now = read()
    while now == before and time.perf_counter() - t0 < timeout_s:
        page.wait_for_timeout(25)
        now = read()
    return now, time.perf_counter() - t0


@pytest.mark.timeout(60)
def test_plain_widget_round_trip(live_page, record_timing):
    """The harness itself: a plain slider's Python callback reaches the page."""
    lp = live_page(PLAIN_NOTEBOOK)
    page = lp.page
    handle = page.locator(".widget-slider .noUi-handle").first
    handle.wait_for(state="visible", timeout=RENDER_TIMEOUT_MS)
    result = page.locator(".plain-result").first
    result.wait_for(timeout=RENDER_TIMEOUT_MS)
    first_render = time.perf_counter() - lp.server.started

    before = result.inner_text()
    _press_right(handle)
    after, latency = _wait_change(page, result.inner_text, before, 5.0)
    record_timing(f"plain widget: server start to first render {first_render:.2f} s; key to callback {latency:.3f} s")

    assert before == "square 9"
    assert after == "square 16", f"the slider's Python callback did not update the page ({after!r})"
    assert not lp.python_errors(), lp.python_errors()


# What the live explorer shows: the plot image's src (a fresh blob URL per PNG), the numbers panel, the status.
EXPLORER_STATE_JS = """root => {
  const img = root.querySelector('img');
  const numbers = root.querySelector('.minigpt-numbers');
  const status = Array.from(root.querySelectorAll('.widget-hbox .widget-html')).map(e => e.innerText).join(' ');
  return [img ? img.getAttribute('src') || '' : '', numbers ? numbers.innerText : '', status];
}"""
EXPLORER_TEST_BUDGET_S = 52  # the test's waits end within this; what is left bounds the wait for the whole run
# The run stops after its current training step or evaluation, which takes seconds on a loaded machine.
STOP_TIMEOUT_S = 12.0


@pytest.mark.timeout(90)  # the hard stop; EXPLORER_TEST_BUDGET_S keeps it under 60 s
def test_chapter3_explorer_live(live_page, record_timing):
    """Moving the dropout slider starts a real run (the cache is empty) whose first curve points reach the page
    within the live target. Then, as time allows: the run finishes and moving away and back shows it from the
    cache; or, on a slow machine, the Stop button ends it with its partial history kept."""
    t_test = time.perf_counter()

    def left() -> float:
        return EXPLORER_TEST_BUDGET_S - (time.perf_counter() - t_test)

    lp = live_page(EXPLORER_NOTEBOOK)
    page = lp.page
    root = page.locator(".minigpt-explorer-live").first
    root.wait_for(state="visible", timeout=RENDER_TIMEOUT_MS)
    dropout = root.locator(".widget-slider").filter(has=page.get_by_text("dropout", exact=True))
    handle = dropout.locator(".noUi-handle").first
    handle.wait_for(state="visible")
    first_render = time.perf_counter() - lp.server.started
    timing = [f"chapter 3 explorer (Voila, MINIGPT_FAST=1, empty cache): start to first render {first_render:.2f} s"]
    assert page.locator(".minigpt-explorer").count() == 0, "Voila showed the static HTML view, not the widget"
    assert dropout.count() == 1, "no slider labelled 'dropout' in the live explorer"
    readout = dropout.locator(".widget-readout").first

    def state():
        return tuple(root.evaluate(EXPLORER_STATE_JS))

    try:
        start = state()
        assert "error" not in start[2], start[2]
        assert readout.inner_text().strip() == "0", readout.inner_text()

        # dropout 0 -> 0.05: a real run; its first partial result changes the plot or the numbers.
        _press_right(handle)
        def plot_and_numbers():  # two widget updates: the change counts once both have arrived
            now = state()[:2]
            return now if now[0] != start[0] and now[1] else start[:2]

        first, latency = _wait_change(page, plot_and_numbers, start[:2], min(UPDATE_TIMEOUT_S, left()))
        timing.append(f"slider move to first curve points {latency:.2f} s (target {UPDATE_TARGET_S} s)")
        assert readout.inner_text().strip() == "0.05", "ArrowRight did not move the dropout slider"
        assert first != start[:2], f"no new plot or numbers {latency:.0f} s after moving the slider: {state()}"
        assert first[1], "the numbers panel is empty after the first curve points"

        done, whole = _wait_change(page, lambda: "done" in state()[2], False, max(0.0, left() - STOP_TIMEOUT_S))
        if done:
            timing.append(f"whole run {latency + whole:.2f} s (target 30 s)")
            finished = state()
            # 0.05 -> 0.1 starts a run; straight back to 0.05 cancels it and shows the finished run from the cache.
            _press_right(handle)
            page.wait_for_timeout(300)
            moved = state()
            handle.press("ArrowLeft")
            back, cached = _wait_change(page, lambda: "cached" in state()[2], False, 8.0)
            timing.append(f"cached result {cached:.2f} s (target 0.2 s)")
            assert back, f"moving back to a finished setting did not show the cached result: {state()}"
            assert state()[1] == finished[1], "the cached result's numbers differ from the finished run's"
            assert "error" not in moved[2], moved[2]
        else:
            timing.append(f"whole run not finished {latency + whole:.0f} s after the move; pressed Stop")
            root.get_by_role("button", name="Stop").click()
            stopped, t_stop = _wait_change(page, lambda: "stopped" in state()[2], False, STOP_TIMEOUT_S)
            timing.append(f"Stop to stopped {t_stop:.2f} s")
            assert stopped, f"the Stop button did not stop the run: {state()}"
            assert state()[1], "the partial history's numbers vanished after Stop"
        assert "error" not in state()[2], state()[2]
        assert not lp.python_errors(), lp.python_errors()
        assert not [e for e in lp.console_errors if e.startswith("uncaught")], lp.console_errors
    finally:
        record_timing("; ".join(timing))
