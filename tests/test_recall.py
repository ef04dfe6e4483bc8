"""Unit tests for chapter 4's library pieces: the dropout window over steps, the runtime dropout scale, AUROC, and
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
    assert study.dropout_recall.check(schedule="constant")["train"]["dropout_window"] is None
    with pytest.raises(ValueError, match="schedule"):
        study.dropout_recall.check(schedule="sometimes")
    with pytest.raises(ValueError, match="mc_passes"):
        study.dropout_recall.check(mc_passes=1)
    assert study.dropout_recall.train_key(mc_passes=4) == study.dropout_recall.train_key(mc_passes=16)


def test_verdict_measurements_read_the_cache_only(tmp_path):
    from minigpt.runs import ResultCache

    rows = study.verdict_measurements(ResultCache(tmp_path))
    assert rows and all(r["a"] is None and r["b"] is None for r in rows)
    assert not list(tmp_path.glob("*.json"))  # nothing ran


@pytest.mark.parametrize("first", [{"dropout": study.SCHEDULE_DROPOUT}, {"dropout": 0.0}])
def test_late_schedule_branched_off_a_run_equals_it_trained_from_the_start(first):
    from minigpt.runs import set_fast

    exp = study.dropout_recall
    with set_fast():
        trained = exp.train_fn(exp.spec(steps=12, seed=1, **first))
        [(params, make)] = trained.derived
        branched = make()  # what a store would keep
        alone = exp.train_fn(exp.spec(**params))
    assert params["schedule"] == ("off_late" if first["dropout"] else "only_late")
    assert params["dropout"] == study.SCHEDULE_DROPOUT and params["steps"] == 12 and params["seed"] == 1
    # every loss, norm and evaluation, exactly (as JSON: the unused val_loss entries are NaN, which != itself)
    assert json.dumps(branched.history.to_dict()) == json.dumps(alone.history.to_dict())
    a, b = branched.model.state_dict(), alone.model.state_dict()
    assert all(torch.equal(a[k], b[k]) for k in a)
    assert branched.info == alone.info
    assert branched.history.train_loss != trained.history.train_loss  # the last quarter did differ
    assert not exp.train_fn(exp.spec(steps=12, dropout=0.1)).derived  # only at the chapter's rate


def test_through_a_cache_the_late_schedule_only_evaluates(tmp_path):
    from minigpt.runs import ResultCache, set_fast

    cache = ResultCache(tmp_path)
    with set_fast():
        cache.run(study.dropout_recall, dropout=study.SCHEDULE_DROPOUT, steps=12)
        late = cache.run(study.dropout_recall, dropout=study.SCHEDULE_DROPOUT, steps=12, schedule="off_late")
        other = cache.run(study.dropout_recall, dropout=0.1, steps=12, schedule="off_late")
    assert late["model_cached"] and late["done"] and not other["model_cached"]
