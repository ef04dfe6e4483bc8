"""Chapter 7's facts-and-sums explorer: its grid is the chapter's own samplings, its plot and numbers set each
answer against the same model's greedy answer. Tiny runs only (fast mode, a few steps)."""

from __future__ import annotations

import pytest

from minigpt import protocol
from minigpt.plots import fig_to_png_bytes, new_figure
from minigpt.runs import ResultCache
from minigpt.studies.sampling import QA_WORLDS, book_points, sample_qa
from minigpt.studies.sampling_explore import OUTCOMES, against_greedy, plot_qa, qa_explorer, qa_numbers


def test_against_greedy_counts_each_question_once():
    a, g = {"items": {"accuracy": [1, 0, 1, 0, 1]}}, {"items": {"accuracy": [1, 1, 0, 0, 1]}}
    assert against_greedy(a, g) == {"right both": 2, "lost": 1, "gained": 1, "wrong both": 1}
    assert sum(against_greedy(a, g).values()) == 5 and tuple(against_greedy(a, g)) == OUTCOMES
    with pytest.raises(ValueError, match="greedy"):
        against_greedy(a, {"items": {"accuracy": [1]}})


def test_the_static_grid_is_the_chapters_samplings(monkeypatch, tmp_path):
    monkeypatch.setenv("MINIGPT_FAST", "1")
    explorer = qa_explorer(cache=ResultCache(tmp_path))
    p = protocol.study("sampling")
    _, qa = book_points()
    chapter = {sample_qa.key(**p["fixed"], **pt, seed=p["eval_seeds"][0]) for w in QA_WORLDS for pt in qa[w].values()}
    static = {sample_qa.key(**explorer.params(pt)) for pt in explorer.static_points()}
    assert static <= chapter and len(static) > 2  # no sampling, and no model, the chapter does not make itself


def test_numbers_and_plot_of_a_tiny_run(monkeypatch, tmp_path):
    monkeypatch.setenv("MINIGPT_FAST", "1")
    cache = ResultCache(tmp_path)
    explorer = qa_explorer(cache=cache, steps=6)
    greedy = cache.run(sample_qa, **explorer.params({"world": "facts", "temperature": 0.0}))
    warm = cache.run(sample_qa, **explorer.params({"world": "facts", "temperature": 1.0}))
    assert warm["model_cached"]  # re-sampled, not trained again
    numbers = qa_numbers(warm, greedy)
    assert set(numbers) == {"accuracy", "greedy", "against greedy"}
    assert set(explorer.numbers(warm)) == set(numbers)  # the explorer finds the greedy answers in its cache
    assert qa_numbers({"metrics": None, "history": {"step": []}}) == {"training": "step 0"}
    for args in (({0.0: 0.5, 1.0: 0.2}, greedy), (None, None)):
        assert fig_to_png_bytes(plot_qa(warm, new_figure(6.4, 2.6), *args)).startswith(b"\x89PNG")
    assert explorer.render_png(warm).startswith(b"\x89PNG")
