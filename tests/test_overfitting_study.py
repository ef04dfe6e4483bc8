"""Chapter 3's study code: a run stopped at ``stop_at`` is the long run's checkpoint at that step, ``stop_at=
"best_val"`` is the run stopped at its lowest validation loss, the distinct-sentence counts, and the verdict rows:
their shape, read from the cache only, and exactly the runs ``verdict_runs()`` lists (which the chapter's study
runs)."""

import pytest

from minigpt import protocol
from minigpt.runs import ResultCache
from minigpt.studies import overfitting as O
from minigpt.studies.overfitting import (
    BEST_VAL,
    CHECKPOINTS,
    CLAIM_A,
    REGULARIZERS,
    best_val_params,
    overfit_stories,
    regularizer_study,
    study_summary,
    verdict_measurements,
    verdict_runs,
)
from minigpt.verdicts import validate, verdict_table

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


def test_best_val_is_the_run_stopped_at_its_lowest_validation_loss(tmp_path, monkeypatch):
    """``stop_at="best_val"`` gives the ``stop_at=k`` run (k: the full run's best step) bit for bit: trained here
    without a cache; through a cache that holds the full run, only loaded (training it again is an error here)."""
    setting = dict(steps=60, n_stories=2, n_samples=2)  # overfits: the lowest validation loss is at step 30
    alone = overfit_stories(stop_at=BEST_VAL, **setting)
    cache = ResultCache(tmp_path / "c")
    full = cache.run(overfit_stories, **setting)
    stopped = cache.run(overfit_stories, **best_val_params(full))
    monkeypatch.setattr(O, "trainer_for", lambda *a, **k: pytest.fail("trained again"))
    best = cache.run(overfit_stories, stop_at=BEST_VAL, **setting)
    for r in (alone, best):
        assert r["metrics"] == stopped["metrics"] and r["samples"] == stopped["samples"]
        assert r["history"] == stopped["history"] and r["metrics"]["best_val_step"] < setting["steps"]


def test_best_val_first_stores_the_full_run(tmp_path, monkeypatch):
    setting = dict(steps=60, n_stories=2, n_samples=2)
    cache = ResultCache(tmp_path / "c")
    best = cache.run(overfit_stories, stop_at=BEST_VAL, **setting)
    monkeypatch.setattr(O, "trainer_for", lambda *a, **k: pytest.fail("trained again"))
    full = cache.run(overfit_stories, **setting)  # the derived full run: only evaluated
    assert full["model_cached"] and full["metrics"]["best_val_loss"] == best["metrics"]["final_val_loss"]


def _verdict_keys() -> set[str]:
    return {e.key(**p) for e, points in verdict_runs() for p in points}


class FakeCache:
    """A cache that holds exactly the results of ``keys``, each with the same made-up metrics, and records every
    key looked up."""

    def __init__(self, keys=frozenset()):
        self.keys, self.asked = set(keys), []

    def lookup(self, experiment, **params):
        key = experiment.key(**params)
        self.asked.append(key)
        if key not in self.keys:
            return None
        metrics = {"novel": 0.5, "invalid": 0.2, "novel_of_new": 0.7, "distinct_novel": 10}
        return {"key": key, "params": experiment.params(**params), "metrics": metrics, "cached": True}


def test_verdict_rows_are_not_measured_on_an_empty_cache(tmp_path):
    cache = ResultCache(tmp_path / "c")
    rows = verdict_measurements(cache)
    assert len(rows) == 4 * len(CLAIM_A) and {r["claim"] for r in rows} == {"a"} and cache.misses == 0
    p = protocol.study("overfitting")
    for r in rows:
        row = validate(r)
        assert row["a"] is None and row["b"] is None and row["kind"] == "claim" and row["test"] == "paired"
        assert row["margin"] == p["margins"][row["measure"]] and row["labels"][1] == "none"
    assert {t["verdict"] for t in verdict_table(cache, studies=["overfitting"])} == {"not measured"}


def test_verdict_rows_read_exactly_the_verdict_runs():
    p = protocol.study("overfitting")
    want = _verdict_keys()
    assert len(want) == len(p["arms"]) * len(CHECKPOINTS) * len(p["eval_seeds"])
    empty = FakeCache()
    verdict_measurements(empty)
    assert set(empty.asked) == want  # every run listed is read, and nothing else
    table = verdict_table(FakeCache(want), studies=["overfitting"])
    assert all(t["verdict"] != "not measured" and t["n_seeds"] == len(p["eval_seeds"]) for t in table)
    assert all(t["n_items"] == 1 for t in table)  # one number per seed: the arms sample different sentences
    for missing in want:  # any one run missing: its rows are not measured
        rows = verdict_measurements(FakeCache(want - {missing}))
        assert any(r["a"] is None or r["b"] is None for r in rows)


def test_the_chapters_study_runs_the_verdict_runs(tmp_path, monkeypatch):
    """regularizer_study at its defaults sweeps the protocol's world and seeds, each setting at both checkpoints,
    full runs first; its settings hold every arm of the protocol."""
    for label, arm in protocol.study("overfitting")["arms"].items():
        assert REGULARIZERS[label] == arm
    swept = []

    def fake_sweep(fn, grid, cache, seeds=None, **params):
        swept.extend(dict(params, seed=s) for s in seeds)
        return [{"params": dict(params, seed=s)} for s in seeds]

    monkeypatch.setattr(O, "sweep", fake_sweep)
    study = regularizer_study(ResultCache(tmp_path / "c"), workers=1)
    keys = [overfit_stories.key(**q) for q in swept]
    assert _verdict_keys() <= set(keys) and len(keys) == len(set(keys))
    assert all("stop_at" not in q for q in swept[:len(swept) // 2])  # the full runs first
    assert set(study) == set(REGULARIZERS) and set(study["none"]) == set(CHECKPOINTS)


def test_a_tiny_study_and_its_summary(tmp_path):
    cache = ResultCache(tmp_path / "c")
    settings = {k: {**v, **TINY} for k, v in list(REGULARIZERS.items())[:2]}
    study = regularizer_study(cache, seeds=[0, 1], workers=1, settings=settings)
    assert set(study_summary(study)["none"]) == {"final", "best_val"}
    for by in study.values():
        assert [r["params"]["stop_at"] for r in by["best_val"]] == [BEST_VAL] * 2
        assert all(r["params"]["world_seed"] == protocol.study("overfitting")["fixed"]["world_seed"]
                   for r in by["final"])
    # verdict_measurements looks the default-size runs up: these tiny ones are not them
    assert all(r["a"] is None and r["b"] is None for r in verdict_measurements(cache))
