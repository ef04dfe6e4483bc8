"""Experiments, the result cache and the sweep runner (fast: a fake experiment, and a few tiny real runs)."""

from __future__ import annotations

import json
import math
import threading

import pytest

import minigpt
from minigpt import experiments
from minigpt.experiments import (
    Experiment,
    ResultCache,
    default_cache_root,
    experiment,
    fast_mode,
    grid_points,
    overfit_numbers,
    overfit_stories,
    spec_key,
    sweep,
)
from minigpt.train import History


def _configure(x: float = 0.0, y: int = 1, steps: int = 3, world_seed: int = 0) -> dict:
    return {"world": {"seed": world_seed}, "train": {"steps": steps}}


def make_fake(log: list | None = None) -> Experiment:
    """An experiment that 'trains' for ``steps`` instant steps, with an eval after each."""

    @experiment(_configure, name="fake")
    def fake(spec, on_eval=None, stop=None):
        h = History()
        for step in range(spec["train"]["steps"]):
            if stop is not None and stop.is_set():
                h.stop_reason = "stopped"
                break
            h.step.append(step)
            h.train_loss.append(1.0 / (step + 1))
            h.eval_step.append(step + 1)
            h.eval_train_loss.append(1.0 / (step + 1))
            h.val_loss.append(1.0)
            if on_eval is not None:
                on_eval(h)
        else:
            h.stop_reason = "completed"
        if log is not None:
            log.append((spec["params"], h.stop_reason))
        done = h.stop_reason == "completed"
        return {"history": h.to_dict(), "stop_reason": h.stop_reason,
                "metrics": {"score": spec["params"]["x"] * spec["params"]["y"]} if done else None}

    return fake


@pytest.fixture
def cache(tmp_path):
    return ResultCache(tmp_path / "cache")


def test_fast_mode_reads_env(monkeypatch):
    for value, expected in [("1", True), ("yes", True), ("", False), ("0", False), ("false", False)]:
        monkeypatch.setenv("MINIGPT_FAST", value)
        assert fast_mode() is expected
    monkeypatch.delenv("MINIGPT_FAST")
    assert fast_mode() is False


def test_params_fill_defaults_and_coerce_numbers():
    fake = make_fake()
    assert fake.params() == {"x": 0.0, "y": 1, "steps": 3, "world_seed": 0}
    p = fake.params(x=1)
    assert p["x"] == 1.0 and isinstance(p["x"], float)
    assert fake.key(x=1) == fake.key(x=1.0)
    with pytest.raises(ValueError, match="unknown parameters.*'z'"):
        fake.params(z=1)


def test_key_depends_on_params_world_seed_and_version(monkeypatch):
    fake = make_fake()
    base = fake.key()
    assert fake.key() == base  # stable
    assert fake.key(x=0.5) != base
    assert fake.key(world_seed=1) != base
    assert fake.key(steps=4) != base
    monkeypatch.setattr(minigpt, "__version__", "99.0")
    assert fake.key() != base
    monkeypatch.undo()
    assert fake.key() == base
    monkeypatch.setattr(experiments, "_source_hash", lambda: "edited")  # the library's code changed
    assert fake.key() != base
    assert len(base) == 64 and int(base, 16) >= 0  # sha256 hex


def test_key_includes_derived_configs():
    # the same params with a different configure (e.g. a changed learning rate) must not share a key
    a = Experiment(lambda x=0.0: {"train": {"lr": 1e-3}}, lambda spec, on_eval=None, stop=None: {}, name="e")
    b = Experiment(lambda x=0.0: {"train": {"lr": 2e-3}}, lambda spec, on_eval=None, stop=None: {}, name="e")
    assert a.key() != b.key()
    assert spec_key(a.spec()) == a.key()


def test_result_is_plain_json_and_deterministic():
    fake = make_fake()
    r1, r2 = fake(x=2.0, y=3), fake(x=2.0, y=3)
    assert json.loads(json.dumps(r1)) == r1
    assert {k: v for k, v in r1.items() if k != "seconds"} == {k: v for k, v in r2.items() if k != "seconds"}
    assert r1["done"] and r1["metrics"] == {"score": 6.0}
    assert r1["key"] == fake.key(x=2.0, y=3) and r1["version"].startswith(minigpt.__version__ + "+")


def test_cache_miss_then_hit(cache):
    log = []
    fake = make_fake(log)
    first = cache.run(fake, x=0.5)
    second = cache.run(fake, x=0.5)
    assert (first["cached"], second["cached"]) == (False, True)
    assert (cache.misses, cache.hits) == (1, 1)
    assert len(log) == 1  # ran once
    assert second["history"] == first["history"] and second["metrics"] == first["metrics"]
    assert fake.key(x=0.5) in cache
    assert cache.lookup(fake, x=0.5)["cached"] is True
    assert cache.lookup(fake, x=0.25) is None
    assert cache.clear() == 1 and cache.lookup(fake, x=0.5) is None


def test_cache_stores_only_completed_runs(cache):
    fake = make_fake()
    stop = threading.Event()
    stop.set()
    result = cache.run(fake, stop=stop, x=0.5)
    assert result["stop_reason"] == "stopped" and not result["done"]
    assert fake.key(x=0.5) not in cache


def test_cache_writes_atomically_and_survives_corruption(cache):
    cache.put("k", {"a": 1, "nan": math.nan, "cached": True})
    assert cache.get("k")["a"] == 1 and math.isnan(cache.get("k")["nan"])
    assert "cached" not in cache.get("k")
    assert not list(cache.root.glob(".tmp-*")), "temporary files left behind"
    cache.path("bad").write_text("{not json")
    assert cache.get("bad") is None
    assert cache.get("missing") is None


def test_default_cache_root(monkeypatch, tmp_path):
    monkeypatch.setenv("MINIGPT_CACHE", str(tmp_path / "x"))
    assert default_cache_root() == tmp_path / "x"
    assert ResultCache().root == tmp_path / "x"
    monkeypatch.delenv("MINIGPT_CACHE")
    (tmp_path / "repo" / "book").mkdir(parents=True)
    (tmp_path / "repo" / "pyproject.toml").write_text("")
    assert default_cache_root(tmp_path / "repo" / "book") == (tmp_path / "repo" / ".minigpt_cache").resolve()


def test_sweep_grid_order_and_cache_reuse(cache):
    log = []
    fake = make_fake(log)
    grid = {"x": [0.0, 1.0], "y": [1, 2, 3]}
    assert grid_points(grid)[:2] == [{"x": 0.0, "y": 1}, {"x": 0.0, "y": 2}]
    results = sweep(fake, grid, cache, steps=2)
    assert [(r["params"]["x"], r["params"]["y"]) for r in results] == [(p["x"], p["y"]) for p in grid_points(grid)]
    assert [r["metrics"]["score"] for r in results] == [0, 0, 0, 1, 2, 3]
    assert len(log) == 6
    again = sweep(fake, {"x": [1.0]}, cache, y=2, steps=2)  # overlapping point: from the cache
    assert again[0]["cached"] and len(log) == 6
    with pytest.raises(ValueError, match="both swept and fixed"):
        sweep(fake, grid, cache, x=1.0)


def test_on_eval_sees_partial_history():
    seen = []
    make_fake()(steps=4, on_eval=lambda h: seen.append(len(h.step)))
    assert seen == [1, 2, 3, 4]


# --- the real chapter 3 experiment, tiny ---------------------------------------------------------------------

TINY = dict(steps=4, n_stories=8, n_samples=2)


def test_overfit_stories_tiny_run(monkeypatch, cache):
    monkeypatch.setenv("MINIGPT_FAST", "1")
    evals = []
    result = cache.run(overfit_stories, on_eval=lambda h: evals.append(list(h.eval_step)), **TINY)
    assert result["done"] and result["stop_reason"] == "completed"
    assert json.loads(json.dumps(result)) == result
    h = result["history"]
    assert h["step"] == [0, 1, 2, 3] and h["eval_step"] == [1, 2, 3, 4] and evals[-1] == [1, 2, 3, 4]
    m = result["metrics"]
    assert m["gap"] == pytest.approx(m["final_val_loss"] - m["final_train_loss"])
    if m["n_sentences"]:
        assert m["copied"] + m["novel"] + m["invalid"] == pytest.approx(1.0)
    assert result["spec"]["world"]["seed"] == 0 and result["spec"]["model"]["n_embd"] == 64
    assert len(result["samples"]) == 2 and all(isinstance(s, str) for s in result["samples"])
    assert set(overfit_numbers(result)) == {"gap", "val loss", "copied", "novel-valid", "invalid"}
    assert cache.run(overfit_stories, **TINY)["cached"]


def test_overfit_stories_is_deterministic(monkeypatch):
    monkeypatch.setenv("MINIGPT_FAST", "1")
    a = overfit_stories(dropout=0.1, **TINY)
    b = overfit_stories(dropout=0.1, **TINY)
    assert a["history"] == b["history"] and a["metrics"] == b["metrics"] and a["samples"] == b["samples"]


def test_overfit_stories_stop_keeps_partial_history(monkeypatch):
    monkeypatch.setenv("MINIGPT_FAST", "1")
    stop = threading.Event()

    def on_eval(h):
        if len(h.eval_step) == 2:
            stop.set()

    result = overfit_stories(stop=stop, on_eval=on_eval, steps=10, n_stories=8, n_samples=2)
    assert result["stop_reason"] == "stopped" and not result["done"]
    assert result["metrics"] is None and result["history"]["eval_step"] == [1, 2]
    assert overfit_numbers(result)["step"] == "2"


def test_fast_mode_changes_the_spec(monkeypatch):
    monkeypatch.setenv("MINIGPT_FAST", "1")
    fast = overfit_stories.spec()
    monkeypatch.setenv("MINIGPT_FAST", "0")
    full = overfit_stories.spec()
    assert fast["train"]["steps"] < full["train"]["steps"]
    assert overfit_stories.key() != spec_key(fast)


def test_parallel_sweep_matches_sequential(monkeypatch, tmp_path):
    monkeypatch.setenv("MINIGPT_FAST", "1")  # inherited by the worker processes
    grid = {"dropout": [0.0, 0.1]}
    parallel_cache, serial_cache = ResultCache(tmp_path / "p"), ResultCache(tmp_path / "s")
    parallel = sweep(overfit_stories, grid, parallel_cache, workers=2, **TINY)
    serial = sweep(overfit_stories, grid, serial_cache, **TINY)
    assert [r["cached"] for r in parallel] == [False, False] and parallel_cache.misses == 2
    for p, s in zip(parallel, serial, strict=True):
        assert p["key"] == s["key"] and p["history"] == s["history"] and p["metrics"] == s["metrics"]
    assert all(r["key"] in parallel_cache for r in parallel)
    again = sweep(overfit_stories, grid, parallel_cache, workers=2, **TINY)
    assert [r["cached"] for r in again] == [True, True]


def test_parallel_sweep_falls_back_for_unimportable_experiments(cache):
    log = []
    fake = make_fake(log)  # defined in a function: a worker process could not import it
    assert not fake.importable and overfit_stories.importable
    results = sweep(fake, {"x": [0.0, 1.0]}, cache, workers=2)
    assert len(results) == 2 and len(log) == 2
