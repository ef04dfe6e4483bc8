"""Unit tests for chapter 5's library pieces: the dropout window over steps, the runtime dropout scale, AUROC, and
the recall study's helpers."""

from __future__ import annotations

import json
import math

import pytest
import torch

from minigpt import GPT, CharTokenizer, ModelConfig, TrainConfig, Trainer
from minigpt.config import TrainConfig as TC
from minigpt.metrics import auroc
from minigpt.model import Dropout
from minigpt.studies import recall as study
from minigpt.train import dropout_on
from minigpt.worlds import FactsConfig, make_facts

# --- TrainConfig.dropout_window -------------------------------------------------------------------------------

@pytest.mark.parametrize("window, message", [
    ((0.5, 0.5), r"^dropout_window=\(0.5, 0.5\) .*start < end"),
    ((0.8, 0.2), r"^dropout_window=\(0.8, 0.2\) .*start < end"),
    ((-0.1, 0.5), r"^dropout_window\[0\]=-0.1 .*\[0.0, 1.0\)"),
    ((0.0, 1.5), r"^dropout_window\[1\]=1.5 .*\(0.0, 1.0\]"),
    ((0.0,), r"^dropout_window=\(0.0,\) .*tuple \(start, end\)"),
    (0.75, r"^dropout_window=0.75 .*tuple \(start, end\)"),
])
def test_dropout_window_is_validated_and_named(window, message):
    with pytest.raises(ValueError, match=message):
        TC(dropout_window=window)


def test_dropout_window_edges_and_json_lists():
    assert TC(dropout_window=(0.0, 1.0)).dropout_window == (0.0, 1.0)
    assert TC(dropout_window=[0, 0.75]).dropout_window == (0, 0.75)  # a list from JSON becomes a tuple
    assert TC.from_dict(TC(dropout_window=(0.75, 1.0)).to_dict()).dropout_window == (0.75, 1.0)


def test_dropout_on_counts_fractions_of_the_steps():
    off_late = TC(steps=100, dropout_window=(0.0, 0.75))
    assert [dropout_on(s, off_late) for s in (0, 74, 75, 99)] == [True, True, False, False]
    only_late = TC(steps=100, dropout_window=(0.75, 1.0))
    assert sum(dropout_on(s, only_late) for s in range(100)) == 25 and dropout_on(99, only_late)
    assert all(dropout_on(s, TC(steps=10)) for s in range(10))


def _data(n=200, seed=0):
    return torch.randint(0, 11, (n,), generator=torch.Generator().manual_seed(seed))


def _model(p=0.3):
    return GPT(ModelConfig(vocab_size=11, block_size=8, n_layer=1, n_head=2, n_embd=16, dropout=p), seed=0)


def _fit(model, **train):
    t = Trainer(model, TrainConfig(steps=12, batch_size=4, eval_interval=10**9, **train), _data())
    seen = []
    t.add_callback("on_step_end", lambda tr: seen.append(tr.model.h[0].mlp.dropout.rate))
    return t.fit(), seen


def test_trainer_switches_dropout_by_window_and_restores_it():
    model = _model()
    _, rates = _fit(model, dropout_window=(0.0, 0.75))
    assert rates == [0.3] * 9 + [0.0] * 3
    assert all(m.scale == 1.0 for m in model.modules() if isinstance(m, Dropout))  # restored after fit
    _, rates = _fit(_model(), dropout_window=(0.75, 1.0))
    assert rates == [0.0] * 9 + [0.3] * 3


def test_unset_window_is_bit_identical_and_a_full_window_equals_it():
    a, _ = _fit(_model())
    b, _ = _fit(_model())
    c, _ = _fit(_model(), dropout_window=(0.0, 1.0))
    assert a.train_loss == b.train_loss == c.train_loss
    d, _ = _fit(_model(), dropout_window=(0.0, 0.5))
    assert d.train_loss[:6] == a.train_loss[:6] and d.train_loss[6:] != a.train_loss[6:]


def test_window_needs_a_model_with_a_dropout_scale():
    class Plain(torch.nn.Module):
        def __init__(self):
            super().__init__()
            self.w = torch.nn.Parameter(torch.zeros(1))
            self.config = type("C", (), {"block_size": 8})()

    with pytest.raises(ValueError, match="dropout_window"):
        Trainer(Plain(), TrainConfig(steps=2, dropout_window=(0.0, 0.5)), _data())


def test_set_dropout_scale_changes_only_dropout_and_is_validated():
    model = _model(0.2)
    model.set_dropout_scale(0.5)
    rates = {m.rate for m in model.modules() if isinstance(m, Dropout)}
    assert rates == {0.1}
    model.train()
    x = torch.randint(0, 11, (2, 8))
    model.set_dropout_scale(0.0)
    torch.testing.assert_close(model(x), model.eval()(x))  # scale 0 = no dropout in training mode
    with pytest.raises(ValueError, match="scale"):
        model.set_dropout_scale(1.5)


# --- AUROC ------------------------------------------------------------------------------------------------------

def test_auroc_by_hand_and_with_ties():
    assert auroc([0.9, 0.8, 0.1, 0.2], [True, True, False, False]) == 1.0
    assert auroc([0.1, 0.2, 0.9, 0.8], [True, True, False, False]) == 0.0
    assert auroc([0.5, 0.5, 0.5], [True, False, False]) == 0.5
    # pairs (pos, neg): (0.8, 0.3) win, (0.8, 0.8) tie, (0.4, 0.3) win, (0.4, 0.8) loss -> (2 + 0.5) / 4
    assert auroc([0.8, 0.4, 0.3, 0.8], [True, True, False, False]) == 0.625
    assert math.isnan(auroc([0.1, 0.2], [True, True]))
    with pytest.raises(ValueError, match="labels"):
        auroc([0.1], [True, False])


def test_auroc_matches_the_pair_count_on_random_data():
    g = torch.Generator().manual_seed(0)
    scores = torch.randint(0, 5, (60,), generator=g).tolist()  # many ties
    labels = (torch.rand(60, generator=g) < 0.4).tolist()
    pos = [s for s, y in zip(scores, labels, strict=True) if y]
    neg = [s for s, y in zip(scores, labels, strict=True) if not y]
    pairs = sum((p > n) + 0.5 * (p == n) for p in pos for n in neg) / (len(pos) * len(neg))
    assert auroc(scores, labels) == pytest.approx(pairs)


# --- the study's helpers ------------------------------------------------------------------------------------------

def test_mc_scores_by_hand():
    sc = study.mc_scores([True, False], [["a", "a", "b", "a"], ["x", "y", "z", "y"]], ["a", "q"])
    assert sc["mc1"] == [True, False] and sc["vote"] == [True, False]
    assert sc["disagreement"] == [0.25, 0.5]
    with pytest.raises(ValueError):
        study.mc_scores([True], [["a"], ["b"]], ["a", "b"])


def test_recall_metrics_names_every_split_and_level():
    world = make_facts(FactsConfig(n_people=8, mention_levels=(1, 2), n_unseen=2, seed=0))
    tok = CharTokenizer.from_text(world.alphabet)
    model = GPT(ModelConfig(vocab_size=tok.vocab_size, block_size=64, n_layer=1, n_head=2, n_embd=16), seed=0)
    m = study.recall_metrics(model, tok, world, prefix="early_")
    assert set(m) == {f"early_recall_{s}" for s in study.SPLITS} | {"early_cloze_L1", "early_cloze_L2"}
    assert all(0.0 <= v <= 1.0 for v in m.values())


def test_schedules_resolve_to_windows_and_bad_ones_fail():
    spec = study.dropout_recall.check(dropout=0.3, schedule="off_late")
    assert spec["train"]["dropout_window"] == (0.0, 0.75)
    assert study.dropout_recall.check(dropout=0.3, schedule="early_only")["train"]["dropout_window"] == (0.0, 0.5)
    assert study.dropout_recall.check(schedule="constant")["train"]["dropout_window"] is None
    with pytest.raises(ValueError, match="schedule"):
        study.dropout_recall.check(schedule="sometimes")
    with pytest.raises(ValueError, match="mc_passes"):
        study.dropout_recall.check(mc_passes=1)
    assert study.dropout_recall.train_key(mc_passes=4) == study.dropout_recall.train_key(mc_passes=16)


# --- the verdict rows (chapter 10) ---------------------------------------------------------------------------------

class RecordingCache:
    """A stand-in for ResultCache: every lookup is recorded (by cache key) and answered with a made-up result whose
    per-probe scores have the lengths of the real ones, so the rows can be built without training anything."""

    def __init__(self):
        self.keys = set()

    def lookup(self, experiment, **params):
        self.keys.add((experiment.name, experiment.key(**params)))
        g = torch.Generator().manual_seed(params["seed"] + int(100 * params["dropout"]))
        bits = lambda n: torch.randint(0, 2, (n,), generator=g).tolist()  # noqa: E731
        items = {"early_recall_cloze": bits(16), "recall_cloze": bits(16), "eval_recall_known": bits(32),
                 "mc1_recall_known": bits(32)}
        return {"params": params, "items": items, "metrics": {"auroc_right_wrong": None if params["seed"] % 2
                                                              else 0.7, "auroc_known_unseen": 0.6}}


def _run_keys():
    return {(e.name, e.key(**p)) for e, points in study.verdict_runs() for p in points}


def test_verdict_rows_on_an_empty_cache_are_not_measured(tmp_path):
    from minigpt.runs import ResultCache
    from minigpt.verdicts import judge, validate

    rows = [validate(r) for r in study.verdict_measurements(ResultCache(tmp_path))]
    assert {r["claim"] for r in rows} == {"b", "c", "i"} and all(r["kind"] == "claim" for r in rows)
    assert all(r["a"] is None and r["b"] is None and r["test"] == "paired" for r in rows)
    assert all(judge(r)[1] == "not measured" for r in rows)
    auroc_rows = [r for r in rows if r["reference"] is not None]
    assert len(auroc_rows) == 2 and all(r["reference"] == 0.5 and r["margin"] == 0.05 for r in auroc_rows)
    assert all(r["margin"] == 0.02 and r["items"] == "shared" for r in rows if r["reference"] is None)
    assert not list(tmp_path.iterdir())  # nothing ran


def test_verdict_rows_read_exactly_the_verdict_runs():
    from minigpt.protocol import study as protocol_study
    from minigpt.verdicts import judge, validate

    cache = RecordingCache()
    rows = [validate(r) for r in study.verdict_measurements(cache)]
    assert cache.keys == _run_keys()
    n_seeds = len(protocol_study("recall")["eval_seeds"])
    for r in rows:
        assert len(r["a"]) == n_seeds and judge(r)[1] != "not measured"
        if r["reference"] is None:  # per probe, both arms on the same probes
            assert len(r["a"][0]) in (16, 32) and len(r["b"][0]) == len(r["a"][0])
        else:  # one AUROC per seed; a seed without one (None) is left out, not an error
            assert all(len(s) == 1 for s in r["a"])
    right_wrong = next(r for r in rows if r["measure"] == "auroc_right_wrong")
    assert judge(right_wrong)[0].n_dropped == n_seeds // 2


def test_verdict_runs_list_the_runs_the_late_schedules_branch_off_first():
    from minigpt.protocol import study as protocol_study

    p = protocol_study("recall")
    (exp1, first), (exp2, late) = study.verdict_runs()
    assert exp1 is exp2 is study.dropout_recall
    assert all(pt["world_seed"] == p["fixed"]["world_seed"] for pt in first + late)
    assert {pt["seed"] for pt in first} == {pt["seed"] for pt in late} == set(p["eval_seeds"])
    assert {pt["schedule"] for pt in late} == set(study.BRANCHED) and all("schedule" not in pt for pt in first)
    assert len(first) == 2 * len(p["eval_seeds"])  # "heavy" and "constant" are one run, listed once
    assert {a["dropout"] for n, a in p["arms"].items() if n != "none"} == {study.SCHEDULE_DROPOUT}
    first_keys = {study.dropout_recall.train_key(**pt) for pt in first}
    for pt in late:  # the run each schedule branches off (dropout 0.3 throughout) comes in the first sweep
        assert pt["dropout"] == study.SCHEDULE_DROPOUT
        assert study.dropout_recall.train_key(**{**pt, "schedule": "constant"}) in first_keys


def test_the_verdict_runs_through_a_cache_give_measured_rows(tmp_path):
    from minigpt.runs import ResultCache, set_fast
    from minigpt.verdicts import run_missing, verdict_table

    cache = ResultCache(tmp_path)
    with set_fast():
        assert run_missing(cache, studies=["recall"], workers=1) == len(_run_keys())
        table = verdict_table(cache, studies=["recall"])
        assert run_missing(cache, studies=["recall"], workers=1) == 0
        late = [cache.lookup(e, **pt) for e, pts in study.verdict_runs()[1:] for pt in pts]
    assert all(t["verdict"] != "not measured" for t in table if t["reference"] is None)
    assert all(r["model_cached"] for r in late)  # branched off the first sweep's runs: evaluated only


def test_per_probe_scores_are_the_shares_the_run_reports():
    from minigpt.runs import set_fast

    with set_fast():
        r = study.dropout_recall(dropout=0.3, steps=200, seed=1000, world_seed=1000, mc_passes=2)
    m, items = r["metrics"], r["items"]
    assert set(items) == {f"recall_{s}" for s in study.SPLITS} | {"early_recall_cloze", "eval_recall_known",
                                                                  "mc1_recall_known"}
    for name, scores in items.items():
        assert set(scores) <= {0, 1} and sum(scores) / len(scores) == pytest.approx(m[name]), name
    assert 0 < m["recall_cloze"]  # not a trivial check: the model recalls something
    assert len(items["eval_recall_known"]) == len(items["mc1_recall_known"]) == sum(
        len(items[f"recall_{s}"]) for s in ("cloze", "recitation", "extraction"))
    assert json.loads(json.dumps(items)) == items  # plain JSON


@pytest.mark.parametrize("steps", [12, 8])  # 8: both forks (steps 4 and 6) fall on evaluation steps (every 2)
@pytest.mark.parametrize("schedule", study.BRANCHED)
def test_schedule_branched_off_the_constant_run_equals_it_trained_from_the_start(schedule, steps):
    from minigpt.runs import set_fast

    exp = study.dropout_recall
    with set_fast():
        trained = exp.train_fn(exp.spec(steps=steps, seed=1, dropout=study.SCHEDULE_DROPOUT))
        derived = {p["schedule"]: (p, make) for p, make in trained.derived}
        assert list(derived) == list(study.BRANCHED)
        params, make = derived[schedule]
        branched = make()  # what a store would keep
        alone = exp.train_fn(exp.spec(**params))
    assert params == {**exp.params(steps=steps, seed=1, dropout=study.SCHEDULE_DROPOUT), "schedule": schedule}
    # every loss, norm and evaluation, exactly (as JSON: the unused val_loss entries are NaN, which != itself)
    assert json.dumps(branched.history.to_dict()) == json.dumps(alone.history.to_dict())
    a, b = branched.model.state_dict(), alone.model.state_dict()
    assert all(torch.equal(a[k], b[k]) for k in a)
    assert branched.info == alone.info
    assert branched.history.train_loss != trained.history.train_loss  # the steps after the fork did differ
    for other in (0.0, 0.1):  # only at the chapter's rate
        assert not exp.train_fn(exp.spec(steps=12, dropout=other)).derived


def test_through_a_cache_the_late_schedule_only_evaluates(tmp_path):
    from minigpt.runs import ResultCache, set_fast

    cache = ResultCache(tmp_path)
    with set_fast():
        cache.run(study.dropout_recall, dropout=study.SCHEDULE_DROPOUT, steps=12)
        late = cache.run(study.dropout_recall, dropout=study.SCHEDULE_DROPOUT, steps=12, schedule="off_late")
        other = cache.run(study.dropout_recall, dropout=0.1, steps=12, schedule="off_late")
    assert late["model_cached"] and late["done"] and not other["model_cached"]
