"""Unit tests of chapter 6's studies, weight decay (decay) and grokking: parameter groups, the spared layers, norms,
the forgetting helpers, tiny runs, the verdict rows' shape."""

from __future__ import annotations

import math

import pytest
import torch

from minigpt import GPT, ModelConfig, TrainConfig, param_groups
from minigpt.runs import set_fast
from minigpt.studies import decay as D
from minigpt.studies import experiments, study
from minigpt.studies import grokking as G
from minigpt.worlds import FactsConfig, make_facts


def _model(tie: bool) -> GPT:
    return GPT(ModelConfig(vocab_size=20, block_size=8, n_layer=2, n_head=2, n_embd=16, tie_weights=tie), seed=0)


def test_matrices_decay_biases_and_norms_never():
    rows = D.group_table(_model(tie=False))
    by_name = {r["name"]: r for r in rows}
    assert not any(r["decays"] for r in rows if len(r["shape"]) == 1)  # biases and LayerNorm gains
    assert by_name["h.0.attn.c_attn.weight"]["decays"] and by_name["lm_head.weight"]["decays"]
    assert not by_name["wte.weight"]["decays"] and not by_name["wpe.weight"]["decays"]  # embeddings spared by default
    assert sum(r["numel"] for r in rows) == _model(tie=False).num_params()
    spared = {r["name"]: r["decays"] for r in D.group_table(_model(tie=False), decay_final_layers=False)}
    assert not spared["lm_head.weight"] and not spared["h.1.mlp.c_fc.weight"] and spared["h.0.mlp.c_fc.weight"]
    assert {r["name"]: r["decays"] for r in D.group_table(_model(False), decay_embeddings=True)}["wte.weight"]


def _spared(model, spared: str) -> dict[str, int]:
    """The matrices (name -> entries) that ``spared`` keeps out of weight decay."""
    return {r["name"]: r["numel"] for r in D.group_table(model, **D.decay_switches(spared))
            if len(r["shape"]) == 2 and not r["decays"]}


@pytest.mark.parametrize("fast", [True, False])
def test_the_first_layers_spare_as_many_parameters_as_the_final_ones(fast):
    with set_fast(fast):
        spec = D.decay_recall.spec()
    model = GPT(ModelConfig(vocab_size=67, **spec["model"]), seed=0)
    assert _spared(model, "none") == {}  # the facts runs decay every matrix, embeddings included
    final, first = _spared(model, "final"), _spared(model, "first")
    assert set(final) == {n for n, _ in model.named_parameters() if n.startswith(("h.1.", "lm_head.")) and
                          n.endswith("weight") and "ln_" not in n}
    assert set(first) == {n for n, _ in model.named_parameters() if n.startswith(("h.0.", "wte.")) and
                          n.endswith("weight") and "ln_" not in n}
    assert sum(final.values()) == sum(first.values()) > 0 and not set(final) & set(first)
    assert sorted(final.values()) == sorted(first.values())  # the same shapes, one for one


def test_the_spared_layers_are_validated():
    with pytest.raises(ValueError, match="spared"):
        D.decay_switches("middle")
    with pytest.raises(ValueError, match="spared"):
        D.decay_recall.check(spared="last")
    with pytest.raises(ValueError, match="decay_first_layers"):
        TrainConfig(decay_first_layers="no")
    m = _model(tie=False)
    decayed = {id(p) for p in param_groups(m, 0.1, decay_first_layers=False)[0]["params"]}
    assert decayed == {id(p) for n, p in m.named_parameters()
                       if p.dim() >= 2 and not n.startswith(("h.0.", "wte.", "wpe."))}  # wpe: spared by default


def test_a_tied_head_is_an_embedding_and_listed_once():
    rows = D.group_table(_model(tie=True))
    names = [r["name"] for r in rows]
    assert "lm_head.weight" not in names and "wte.weight" in names
    assert not {r["name"]: r["decays"] for r in rows}["wte.weight"]  # tied: the head is spared with the embeddings


def test_decayed_norm_counts_the_decayed_group_only():
    m = _model(tie=False)
    with torch.no_grad():
        for p in m.parameters():
            p.fill_(1.0)
    n_decayed = sum(r["numel"] for r in D.group_table(m) if r["decays"])
    assert D.decayed_norm(m) == pytest.approx(math.sqrt(n_decayed))


def test_timescale_and_half_life():
    assert D.timescale(1e-2, 1.0) == pytest.approx(100.0) and D.timescale(1e-3, 0.0) == math.inf
    assert D._half_life([0, 10, 20, 30], [0.9, 0.8, 0.6, 0.4], 10) == 20
    assert D._half_life([0, 10, 20], [0.9, 0.8, 0.7], 0) is None
    assert D._half_life([0, 10], [0.0, 0.0], 0) is None


def test_forgotten_people_and_their_lines():
    w = make_facts(FactsConfig(n_people=12, n_unseen=2, mention_levels=(1, 2), seed=1))
    gone = D.forgotten_people(w, 0.25, seed=0)
    assert len(gone) == 3 and gone == D.forgotten_people(w, 0.25, seed=0)
    assert not set(gone) & {e.name for e in w.entities if e.group == "unseen"}
    lines = w.train_text.splitlines()
    hit = [line for line in lines if D._mentions(line, gone)]
    assert hit and all(any(n in line for n in gone) for line in hit)
    assert not D._mentions(gone[0] + "x is here.", gone)  # a longer name is not a mention


def test_experiments_are_registered():
    names = experiments()
    assert {"grok_modular", "decay_recall"} <= set(names)
    assert names["grok_modular"] is G.grok_modular and names["decay_recall"] is D.decay_recall
    assert study("decay").page == study("grokking").page == "06_weight_decay" and study("grokking").chapter == 6


def test_grokking_tiny_run_records_curves_and_reads_the_threshold():
    with set_fast():
        r = G.grok_modular(weight_decay=1.0)
        c = r["curves"]
        assert r["done"] and c["step"][0] == 1 and c["step"][-1] == r["ended_at"]
        assert len(c["step"]) == len(c["train_acc"]) == len(c["test_acc"]) == len(c["norm"])
        assert 0.0 <= r["metrics"]["final_test_acc"] <= 1.0 and "test_acc_mirrored" not in c
        assert r["metrics"]["final_test_acc"] == pytest.approx(c["test_acc"][-1])  # argmax = greedy decoding
        ordered = G.grok_modular(weight_decay=1.0, split="ordered", steps=20)
        assert "best_test_acc_mirrored" in ordered["metrics"]
        with pytest.raises(ValueError, match="threshold"):
            G.grok_modular.check(threshold=1.0)


def test_recall_tiny_run_forgets_on_schedule():
    with set_fast():
        r = D.decay_recall(weight_decay=1.0, forget=True, steps=12, schedule="cosine", spared="final")
        assert r["done"] and r["forgotten"] and len(r["curves"]["step"]) >= 2
        m = r["metrics"]
        assert m["timescale"] == pytest.approx(1 / (6e-3 * 1.0)) and "forgotten_final" in m
        t = r["spec"]["train"]
        assert t["min_lr_ratio"] == 0.1 and not t["decay_final_layers"] and t["decay_first_layers"]
        with pytest.raises(ValueError, match="schedule"):
            D.decay_recall.check(schedule="linear")


def test_the_facts_explorer_shows_the_chapters_runs_against_weight_decay_0(tmp_path):
    from minigpt import protocol
    from minigpt.plots import fig_to_png_bytes, new_figure
    from minigpt.runs import ResultCache

    cache = ResultCache(tmp_path)
    with set_fast():
        explorer = D.decay_explorer(cache=cache, steps=8)
        assert explorer.static_grid == {"spared": list(D.SPARED)} and explorer.initial["weight_decay"] == 1.0
        # the static grid is claim g's three arms at the first evaluation seed: the chapter's own runs
        p = protocol.study("decay")
        arms = {a: {**p["fixed"], **p["arms"][a], "seed": p["eval_seeds"][0], "steps": 8}
                for a in ("wd 1", "wd 1, final spared", "wd 1, first spared")}
        keys = {D.decay_recall.key(**explorer.params(pt)) for pt in explorer.static_points()}
        assert keys == {D.decay_recall.key(**a) for a in arms.values()}
        ref = cache.run(D.decay_recall, **{**explorer.fixed, "weight_decay": 0.0})
        result = cache.run(D.decay_recall, **explorer.params())
        numbers = D.decay_numbers(result)
        assert {"cloze recall", "removed people's facts", "held-out loss"} <= set(numbers)
        assert D.decay_numbers({"history": {"eval_step": []}, "metrics": None}) == {"step": "0"}
        for reference in (ref, None):
            png = fig_to_png_bytes(D.plot_decay(result, new_figure(6.4, 2.6), reference))
            assert png.startswith(b"\x89PNG")
        partial = {"params": result["params"], "spec": result["spec"], "metrics": None,
                   "history": {"curves": result["curves"]}}
        assert fig_to_png_bytes(D.plot_decay(partial, new_figure(6.4, 2.6))).startswith(b"\x89PNG")
        live = D.Live(type("H", (), {"step": [0, 1]})(), {})
        assert live.step == [0, 1]  # what the explorer's status line reads while a run trains


# --- the verdict rows (chapter 10) -----------------------------------------------------------------------------


class RecordingCache:
    """A stand-in for ResultCache: every lookup is recorded (by cache key) and answered with a made-up result
    (per-probe scores for the facts runs, the grokking metrics), so the rows can be built without training."""

    def __init__(self):
        self.keys = set()

    def lookup(self, experiment, **params):
        self.keys.add((experiment.name, experiment.key(**params)))
        seed = params["seed"]
        if experiment is G.grok_modular:
            return {"metrics": {"generalized": float(seed % 2), "final_test_acc": 0.5 + seed % 3 / 10}}
        g = torch.Generator().manual_seed(seed)
        bits = lambda n: torch.randint(0, 2, (n,), generator=g).tolist()  # noqa: E731
        return {"items": {"recall_cloze": bits(24), "cloze_L1": bits(6), "forgotten_final": bits(8)}}


MODULES = (D, G)  # chapter 6's two studies


def _rows(cache) -> list[dict]:
    from minigpt.verdicts import validate

    return [validate(r) for m in MODULES for r in m.verdict_measurements(cache)]


def _run_keys():
    return {(e.name, e.key(**p)) for m in MODULES for e, points in m.verdict_runs() for p in points}


def test_verdict_rows_on_an_empty_cache_are_not_measured(tmp_path):
    from minigpt.runs import ResultCache
    from minigpt.verdicts import judge

    rows = _rows(ResultCache(tmp_path))
    assert [r["claim"] for r in rows] == ["b"] * 3 + ["g"] * 2 + ["h"] * 5 + ["grok"] * 2
    assert study("decay").claims == ("b", "g", "h") and study("grokking").claims == ("grok",)
    assert all(r["a"] is None and r["b"] is None for r in rows)
    # the two floors of claim b are sanity rows (equal within the margin), every other row tests its claim
    sanity = [(r["measure"], r["expect"]) for r in rows if r["kind"] == "sanity"]
    assert sanity == [("cloze_L1", "equal"), ("forgotten_final", "equal")]
    assert all(r["kind"] == "claim" for r in rows if r["measure"] not in ("cloze_L1", "forgotten_final"))
    assert all(judge(r)[1] == "not measured" for r in rows)
    tests = {r["measure"]: (r["test"], r["items"]) for r in rows}
    assert tests["generalized"][0] == "binary" and tests["final_test_acc"] == ("paired", "nested")
    assert "best_test_acc" not in tests  # it picks a checkpoint on the test set: not a row
    assert all(r["items"] == "shared" and r["margin"] == 0.02 for r in rows if r["claim"] != "grok")
    assert not list(tmp_path.iterdir())  # nothing ran


def test_the_control_and_the_two_by_two_compare_the_right_arms():
    from minigpt.protocol import study as protocol_study

    rows = _rows(RecordingCache())
    g = [tuple(r["labels"]) for r in rows if r["claim"] == "g"]
    assert g == [("wd 1, final spared", "wd 1"), ("wd 1, final spared", "wd 1, first spared")]
    h = [tuple(r["labels"]) for r in rows if r["claim"] == "h"]
    assert h == [("lr x2", "wd 1"), ("lr x2, cosine", "wd 1, cosine"), ("wd 1, cosine", "wd 1"),
                 ("lr x2, cosine", "lr x2"), ("lr x2, cosine", "wd 1")]
    arms = protocol_study("decay")["arms"]
    spec = {a: D.decay_recall.spec(**arms[a])["train"] for a in D.FACTS_ARMS}
    decayed = [a for a in D.FACTS_ARMS if spec[a]["weight_decay"] > 0]
    assert len({spec[a]["lr"] * spec[a]["weight_decay"] for a in decayed}) == 1  # lr x wd held fixed
    assert {spec[a]["lr"] for a in ("lr x2", "lr x2, cosine")} == {2 * spec["wd 1"]["lr"]}
    for a, b in h:  # each row changes the learning rate (with wd), the schedule, or both (the bundle)
        changed = {k for k in spec[a] if spec[a][k] != spec[b][k]}
        assert changed and changed <= {"lr", "weight_decay", "min_lr_ratio"}, (a, b, changed)
    for a, b in g:  # only which layers are spared
        assert {k for k in spec[a] if spec[a][k] != spec[b][k]} <= {"decay_final_layers", "decay_first_layers"}


def test_verdict_rows_read_exactly_the_verdict_runs():
    from minigpt.protocol import study as protocol_study
    from minigpt.verdicts import judge

    cache = RecordingCache()
    rows = _rows(cache)
    assert cache.keys == _run_keys()
    p = protocol_study("decay")
    n = len(p["eval_seeds"])
    for r in rows:
        assert len(r["a"]) == len(r["b"]) == n and judge(r)[1] != "not measured"
    generalized = next(r for r in rows if r["measure"] == "generalized")
    assert generalized["a"] == [s % 2 for s in p["eval_seeds"]]
    assert all(len(s) == 1 for s in next(r for r in rows if r["measure"] == "final_test_acc")["a"])
    assert {len(r["a"][0]) for r in rows if r["claim"] != "grok"} == {24, 6, 8}
    [(grok, gp)], [(facts, fp)] = G.verdict_runs(), D.verdict_runs()
    assert grok is G.grok_modular and facts is D.decay_recall
    assert all(pt["world_seed"] == p["fixed"]["world_seed"] and pt["forget"] for pt in fp)
    assert all("world_seed" not in pt for pt in gp)  # a grokking seed draws its own split
    assert len(gp) == 2 * n and len(fp) == len(D.FACTS_ARMS) * n == 7 * n


def test_the_verdict_runs_through_a_cache_give_measured_rows(tmp_path):
    from minigpt.runs import ResultCache
    from minigpt.verdicts import run_missing, verdict_table

    cache = ResultCache(tmp_path)
    with set_fast():
        assert run_missing(cache, studies=["decay", "grokking"], workers=1) == len(_run_keys())
        table = verdict_table(cache, studies=["decay", "grokking"])
    assert len(table) == 12 and all(t["verdict"] != "not measured" for t in table)


def test_per_probe_scores_are_the_shares_the_run_reports():
    with set_fast():
        r = D.decay_recall(weight_decay=0.0, forget=True, steps=200, seed=1000, world_seed=1000)
    m, items = r["metrics"], r["items"]
    assert set(items) == {"recall_cloze", "cloze_L1", "forgotten_final"}
    for name, scores in items.items():
        assert set(scores) <= {0, 1} and sum(scores) / len(scores) == pytest.approx(m[name]), name
    assert m["recall_cloze"] > 0  # not a trivial check: the model recalls something
    assert sum(items["forgotten_final"]) / len(items["forgotten_final"]) == r["curves"]["recall_forgotten"][-1]
