"""Chapter 3's study code: a run stopped at ``stop_at`` is the long run's checkpoint at that step, the
best-validation parameters, the distinct-sentence counts, and verdict measurements read from the cache only."""

import pytest

from minigpt.runs import ResultCache
from minigpt.studies.overfitting import (
    CLAIM_A,
    REGULARIZERS,
    best_val_params,
    overfit_stories,
    regularizer_study,
    study_summary,
    verdict_measurements,
)

TINY = dict(steps=12, n_stories=8, n_samples=3)


@pytest.fixture(autouse=True)
def fast(monkeypatch):
    monkeypatch.setenv("MINIGPT_FAST", "1")


def test_stop_at_is_the_long_runs_checkpoint():
    full = overfit_stories(dropout=0.1, **TINY)
    part = overfit_stories(dropout=0.1, stop_at=8, **TINY)
    assert part["done"] and part["stop_reason"] == "completed"
    h, p = full["history"], part["history"]
    assert p["step"] == h["step"][:8]
    assert p["train_loss"] == h["train_loss"][:8]  # bit for bit: evaluations draw nothing from the run's RNGs
    n = len(p["eval_step"])
    assert p["eval_step"][-1] == 8 and p["val_loss"] == h["val_loss"][:n]
    assert part["metrics"]["final_val_loss"] == h["val_loss"][n - 1]
    assert overfit_stories.train_key(**TINY) != overfit_stories.train_key(stop_at=8, **TINY)


def test_a_long_run_keeps_its_best_validation_checkpoint(tmp_path):
    """The full run stores the weights it had at its lowest validation loss as the ``stop_at`` run's model, so that
    run only evaluates; it must be the run that training with ``stop_at`` gives (metrics, history, samples)."""
    setting = dict(steps=60, n_stories=2, n_samples=2)  # overfits: the lowest validation loss is at step 30
    cache = ResultCache(tmp_path / "c")
    full = cache.run(overfit_stories, **setting)
    params = best_val_params(full)
    assert params is not None and params["stop_at"] < setting["steps"]
    assert overfit_stories.train_key(**params) in cache.models  # stored by the full run
    kept = cache.run(overfit_stories, **params)
    assert kept["model_cached"]  # evaluated only: nothing trained
    fresh = overfit_stories(**params)  # no cache: trains to stop_at
    assert not fresh["model_cached"]
    assert kept["metrics"] == fresh["metrics"] and kept["samples"] == fresh["samples"]
    assert kept["history"] == fresh["history"]
    assert kept["metrics"]["final_val_loss"] == full["metrics"]["best_val_loss"]


@pytest.mark.parametrize("bad", [0, 13, 2.5, True])
def test_stop_at_out_of_range_names_the_field(bad):
    with pytest.raises(ValueError, match="stop_at"):
        overfit_stories.check(stop_at=bad, **TINY)


def test_best_val_params_and_distinct_counts():
    result = overfit_stories(**TINY)
    m = result["metrics"]
    assert 0 <= m["distinct_novel"] <= m["distinct"] <= m["n_sentences"]
    params = best_val_params(result)
    if m["best_val_step"] == TINY["steps"]:
        assert params is None
    else:
        assert params["stop_at"] == m["best_val_step"] and params["steps"] == TINY["steps"]
        assert overfit_stories(**params)["metrics"]["final_val_loss"] == m["best_val_loss"]


def test_verdict_measurements_read_the_cache_only(tmp_path):
    cache = ResultCache(tmp_path / "c")
    rows = verdict_measurements(cache, seeds=[0, 1])
    assert len(rows) == 2 * len(CLAIM_A) and {r["claim"] for r in rows} == {"a"}
    assert all(r["a"] is None and r["b"] is None for r in rows) and cache.misses == 0  # nothing ran
    settings = {k: {**v, **TINY} for k, v in list(REGULARIZERS.items())[:2]}
    study = regularizer_study(cache, seeds=[0, 1], workers=1, settings=settings)
    assert set(study_summary(study)["none"]) == {"final", "best_val"}
    # verdict_measurements looks the default-size runs up: these tiny ones are not them
    assert all(r["a"] is None and r["b"] is None for r in verdict_measurements(cache, seeds=[0, 1]))
