"""Experiments, the result cache and the sweep runner (fast: a fake experiment, and a few tiny real runs)."""

from __future__ import annotations

import json
import math
import threading
from concurrent.futures import Executor, Future, ThreadPoolExecutor

import pytest
import torch

import minigpt
import minigpt.runs.sweeps as sweeps
import minigpt.version
from minigpt import GPT
from minigpt.runs import (
    Experiment,
    ResultCache,
    Trained,
    default_cache_root,
    fast_mode,
    grid_points,
    result_rows,
    set_fast,
    spec_key,
    summarize,
    summary_rows,
    sweep,
    write_csv,
)
from minigpt.stats import SHARE
from minigpt.studies import experiments
from minigpt.studies.overfitting import overfit_numbers, overfit_stories
from minigpt.train import History

from .conftest import tiny_config
from .fakes import fake_experiment


def _configure(x: float = 0.0, y: int = 1, steps: int = 3, world_seed: int = 0) -> dict:
    return {"world": {"seed": world_seed}, "train": {"steps": steps}}


def fake_run(log: list | None = None):
    """'Training' for ``steps`` instant steps, with an eval after each."""

    def run(spec, on_eval=None, stop=None):
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
        return h

    return run


def make_fake(log: list | None = None) -> Experiment:
    """A fake experiment over ``fake_run``: its score is x * y."""
    return fake_experiment("fake", _configure, fake_run(log),
                           lambda spec: {"score": spec["params"]["x"] * spec["params"]["y"]})


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
    assert fake.params() == {"x": 0.0, "y": 1, "steps": 3, "world_seed": 0, "device": "cpu"}
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
    monkeypatch.setattr(minigpt.version, "__version__", "99.0")
    assert fake.key() != base
    monkeypatch.undo()
    assert fake.key() == base
    monkeypatch.setattr(minigpt.version, "source_hash", lambda: "edited")  # the library's code changed
    assert fake.key() != base
    monkeypatch.undo()
    monkeypatch.setattr(torch, "__version__", "9.9.9")  # a result from another torch is not served as fresh
    assert fake.key() != base
    assert len(base) == 64 and int(base, 16) >= 0  # sha256 hex


def test_key_includes_derived_configs():
    # the same params with a different configure (e.g. a changed learning rate) must not share a key
    a = fake_experiment("e", lambda x=0.0: {"train": {"lr": 1e-3}}, None, None)
    b = fake_experiment("e", lambda x=0.0: {"train": {"lr": 2e-3}}, None, None)
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
    cache.put("k", {"key": "k", "a": 1, "nan": math.nan, "cached": True})
    assert cache.get("k")["a"] == 1 and math.isnan(cache.get("k")["nan"])
    assert "cached" not in cache.get("k")
    assert not list(cache.root.glob(".tmp-*")), "temporary files left behind"
    cache.path("bad").write_text("{not json")
    assert cache.get("bad") is None
    cache.path("list").write_text("[1, 2]")  # valid JSON, but not a result: recomputed, not a KeyError later
    assert cache.get("list") is None
    cache.put("other", {"key": "k"})  # a result filed under the wrong key
    assert cache.get("other") is None
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
    # a list of settings runs as given (not a product), from the cache where it can
    settings = [{"x": 1.0, "y": 3}, {"x": 0.0, "y": 2}]
    listed = sweep(fake, settings, cache, steps=2)
    assert [r["params"]["y"] for r in listed] == [3, 2] and all(r["cached"] for r in listed)
    with pytest.raises(ValueError, match="both swept and fixed"):
        sweep(fake, settings, cache, y=1)
    with pytest.raises(ValueError, match="grid is out of range"):
        sweep(fake, [], cache)


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


def _same_results(a: list[dict], b: list[dict]) -> None:
    assert len(a) == len(b)
    for x, y in zip(a, b, strict=True):
        assert x["key"] == y["key"] and x["history"] == y["history"] and x["metrics"] == y["metrics"]
        assert x["samples"] == y["samples"]


def test_sweeps_give_equal_results_on_every_executor(monkeypatch, tmp_path):
    monkeypatch.setenv("MINIGPT_FAST", "1")  # inherited by the worker processes
    grid = {"dropout": [0.0, 0.1], "weight_decay": [0.0, 1.0]}  # 4 points
    pool_cache, serial_cache = ResultCache(tmp_path / "p"), ResultCache(tmp_path / "s")
    pooled = sweep(overfit_stories, grid, pool_cache, workers=2, **TINY)
    serial = sweep(overfit_stories, grid, serial_cache, **TINY)
    assert [r["cached"] for r in pooled] == [False] * 4 and pool_cache.misses == 4
    _same_results(pooled, serial)
    assert all(r["key"] in pool_cache for r in pooled)
    again = sweep(overfit_stories, grid, pool_cache, workers=2, **TINY)
    assert [r["cached"] for r in again] == [True] * 4
    with ThreadPoolExecutor(2) as pool:  # any concurrent.futures executor
        threaded = sweep(overfit_stories, grid, ResultCache(tmp_path / "t"), executor=pool, **TINY)
    _same_results(threaded, serial)


def test_a_pool_starts_the_longest_runs_first_and_derived_runs_after_their_parents(cache):
    """Points start on an executor by estimated cost (steps x batch x block x layers x width^2), highest first;
    equal costs keep the sweep's order, so a run stopped at its best checkpoint starts after its full run;
    cached points are not submitted, and results come back in grid order."""
    grid = [{"steps": 10}, {"steps": 30}, {"steps": 30, "stop_at": "best_val"}, {"steps": 30, "stop_at": 5},
            {"steps": 20}]
    specs = [overfit_stories.spec(**p, n_stories=8) for p in grid]
    assert [sweeps.cost_estimate(s) for s in specs][:2] == [10 * 32 * 32 * 2 * 64**2, 30 * 32 * 32 * 2 * 64**2]
    assert sweeps.cost_estimate({"train": {"steps": 3}}) == 0.0  # no model section: keeps its place
    assert sweeps.longest_first(overfit_stories, [dict(p, n_stories=8) for p in grid]) == [1, 2, 4, 0, 3]

    class Recorder(Executor):
        submitted: list[dict] = []

        def submit(self, fn, module, name, params, *args):
            self.submitted.append(params)
            done = Future()
            done.set_result({"key": overfit_stories.key(**params), "done": False, "params": params})
            return done

    stored = overfit_stories.key(steps=20, n_stories=8)
    cache.put(stored, {"key": stored, "done": True})
    pool = Recorder()
    results = sweep(overfit_stories, grid, cache, executor=pool, n_stories=8)
    assert [q.get("stop_at", None) for q in pool.submitted] == [None, "best_val", None, 5]
    assert [q["steps"] for q in pool.submitted] == [30, 30, 10, 30]
    assert results[-1]["key"] == stored and [r["params"] for r in results[:4]] == \
        [dict(p, n_stories=8) for p in grid[:4]]


def test_sweep_on_a_dask_cluster(monkeypatch, tmp_path):
    distributed = pytest.importorskip("distributed")
    monkeypatch.setenv("MINIGPT_FAST", "1")
    grid = {"dropout": [0.0, 0.1]}
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None) as cl, \
            distributed.Client(cl) as client:
        on_dask = sweep(overfit_stories, grid, ResultCache(tmp_path / "d"), executor=client.get_executor(), **TINY)
    _same_results(on_dask, sweep(overfit_stories, grid, ResultCache(tmp_path / "s"), **TINY))
    assert all(r["key"] in ResultCache(tmp_path / "d") for r in on_dask)


def test_a_worker_with_other_code_refuses_the_point(monkeypatch):
    monkeypatch.setenv("MINIGPT_FAST", "1")
    with pytest.raises(RuntimeError, match="differs from the client"):
        sweeps._run_point(overfit_stories.module, "overfit_stories", TINY, True, "0" * 64, None)


def test_seeds_sweep_and_summaries(cache):
    fake = fake_experiment("fake", lambda x=0.0, seed=0: {"train": {"steps": 2}}, fake_run(),
                           lambda spec: {"score": spec["params"]["x"] + spec["params"]["seed"], "label": "a"})
    results = sweep(fake, {"x": [1.0, 2.0]}, cache, seeds=[0, 1, 2])
    assert [(r["params"]["x"], r["params"]["seed"]) for r in results] == [(1.0, 0), (1.0, 1), (1.0, 2),
                                                                         (2.0, 0), (2.0, 1), (2.0, 2)]
    rows = result_rows(results)
    assert rows[0]["x"] == 1.0 and rows[0]["seed"] == 0 and rows[0]["score"] == 1.0 and "label" not in rows[0]
    assert rows[0]["cached"] is False and rows[0]["seconds"] >= 0
    summary = summary_rows(results)
    assert [r["x"] for r in summary] == [1.0, 2.0] and summary[0]["n_seeds"] == 3 and "seed" not in summary[0]
    assert summary[0]["score"] == pytest.approx(2.0)  # mean of 1, 2, 3
    assert summary[0]["score_low"] < 2.0 < summary[0]["score_high"]
    one = summarize(results[:1])["score"]
    assert one.n == 1 and one.low is None and "one seed" in str(one)
    with pytest.raises(ValueError, match="seeds"):
        sweep(fake, {"seed": [0, 1]}, cache, seeds=[0])
    with pytest.raises(ValueError, match="seeds"):
        sweep(make_fake(), {"x": [1.0]}, cache, seeds=[0])  # no seed parameter


def test_summarize_clips_the_intervals_of_the_metrics_an_experiment_bounds():
    # shares near the ceiling over 3 seeds: the t interval of their mean runs past 1 unless the metric is bounded
    shares = {0: 0.6, 1: 1.0, 2: 1.0}
    fake = fake_experiment("fake_bounded", lambda seed=0: {"train": {"steps": 2}}, fake_run(),
                           lambda spec: {"recall_a": shares[spec["params"]["seed"]],
                                         "loss": shares[spec["params"]["seed"]], "n": 3},
                           bounds={"recall_*": SHARE, "nothing_*": (0, 2)})
    results = [fake(seed=s) for s in range(3)]
    assert results[0]["bounds"] == {"recall_a": [0.0, 1.0]}  # the concrete names that matched, as JSON
    s = summarize(results)
    assert s["recall_a"].high == 1.0 and s["recall_a"].clipped and "clipped to [0, 1]" in str(s["recall_a"])
    assert s["loss"].high > 1 and s["loss"].bounds is None  # no pattern matches: left alone
    assert summarize(results, bounds={"loss": SHARE})["loss"].high == 1.0  # an explicit bound for a metric
    rows = summary_rows(results)
    assert rows[0]["recall_a_high"] == 1.0 and rows[0]["loss_high"] > 1


def test_csv_rows_are_written_atomically(tmp_path):
    path = write_csv(tmp_path / "out" / "r.csv", [{"a": 1, "b": None}, {"a": 2, "c": "x"}])
    assert path.read_text() == "a,b,c\n1,,\n2,,x\n"


def test_bad_sweep_values_fail_before_anything_runs(cache):
    log = []
    with pytest.raises(ValueError, match="dropout"):
        sweep(overfit_stories, {"dropout": [0.0, 1.5]}, cache, **TINY)
    with pytest.raises(ValueError, match="unknown parameters"):
        sweep(make_fake(log), {"zzz": [1]}, cache)
    assert log == [] and not list(cache.root.glob("*.json"))


# --- train once, evaluate many times ---------------------------------------------------------------------------


def test_sampling_knobs_reuse_the_stored_model(monkeypatch, tmp_path):
    monkeypatch.setenv("MINIGPT_FAST", "1")
    trained = []
    original = overfit_stories.train_fn
    monkeypatch.setattr(overfit_stories, "train_fn", lambda *a, **k: trained.append(1) or original(*a, **k))
    cache = ResultCache(tmp_path)
    first = cache.run(overfit_stories, temperature=0.8, **TINY)
    hotter = cache.run(overfit_stories, temperature=1.3, **TINY)
    assert len(trained) == 1 and not first["model_cached"] and hotter["model_cached"]
    assert hotter["train_key"] == first["train_key"] and hotter["key"] != first["key"]
    assert hotter["history"] == first["history"]
    # a new process (a fresh cache object, results deleted, models only on disk) trains nothing either
    for p in tmp_path.glob("*.json"):
        p.unlink()
    again = ResultCache(tmp_path).run(overfit_stories, temperature=0.8, **TINY)
    assert len(trained) == 1 and again["model_cached"] and not again["cached"]
    assert again["samples"] == first["samples"] and again["metrics"] == first["metrics"]  # bit-identical
    cache.run(overfit_stories, dropout=0.1, **TINY)  # a training knob retrains
    assert len(trained) == 2


def test_sample_params_leave_the_training_key_alone():
    for name, fn in experiments().items():
        assert fn.sample_params, f"{name} declares no sampling parameters"
        base = fn.train_key()
        for p in fn.sample_params:
            default = fn.defaults[p]
            other = (default or 1) * 2 if not isinstance(default, bool) else not default
            assert fn.train_key(**{p: other}) == base, f"{name}: {p} changed the training key"
            assert fn.key(**{p: other}) != fn.key(), f"{name}: {p} did not change the result key"
        trained_params = [p for p in fn.param_names if p not in fn.sample_params and p != "device"]
        assert any(fn.train_key(**{p: (fn.defaults[p] or 0) + 1}) != base for p in trained_params
                   if isinstance(fn.defaults[p], (int, float)) or fn.defaults[p] is None)


def test_a_corrupt_model_file_is_retrained(monkeypatch, tmp_path):
    monkeypatch.setenv("MINIGPT_FAST", "1")
    first = ResultCache(tmp_path).run(overfit_stories, **TINY)
    model_file = ResultCache(tmp_path).models.path(first["train_key"])
    model_file.write_bytes(model_file.read_bytes()[:100])  # truncated
    for p in tmp_path.glob("*.json"):
        p.unlink()
    cache = ResultCache(tmp_path)
    again = cache.run(overfit_stories, **TINY)
    assert not again["model_cached"] and cache.models.corrupt == [model_file]
    assert again["metrics"] == first["metrics"]
    assert ResultCache(tmp_path).models.get(first["train_key"]) is not None  # replaced by a good one


def test_fast_context_overrides_the_environment(monkeypatch):
    monkeypatch.setenv("MINIGPT_FAST", "0")
    with set_fast(True):
        assert fast_mode()
        with set_fast(False):
            assert not fast_mode()
    assert not fast_mode()


def test_parallel_sweep_falls_back_for_unimportable_experiments(cache):
    log = []
    fake = make_fake(log)  # defined in a function: a worker process could not import it
    assert not fake.importable and overfit_stories.importable
    results = sweep(fake, {"x": [0.0, 1.0]}, cache, workers=2)
    assert len(results) == 2 and len(log) == 2


def test_a_train_function_that_asks_for_the_store_gets_the_one_the_run_goes_through(tmp_path):
    """A study that starts from another experiment's model (RL from a pretrained base) finds it in the store of
    the cache its own run goes through, never in some default folder."""
    seen = []

    def train(spec, on_eval=None, stop=None, models=None):
        seen.append(models)
        return Trained(GPT(tiny_config(), seed=0), History(stop_reason="completed"))

    exp = Experiment("asks_for_store", lambda seed=0: {"train": {"seed": seed}}, train, lambda spec, t: {})
    cache = ResultCache(tmp_path)
    cache.run(exp, seed=1)
    exp(seed=2)
    assert seen == [cache.models, None]
