"""Unit tests of the capacity study (chapter 9): records, the bits computation, exposures, errors, tiny runs."""

from __future__ import annotations

import math

import pytest
import torch

from minigpt import protocol
from minigpt.metrics import knowledge_bits
from minigpt.runs import ResultCache, set_fast
from minigpt.studies import STUDIES, experiments
from minigpt.studies import capacity as C
from minigpt.studies import capacity_world as W
from minigpt.verdicts import validate, verdict_table
from minigpt.worlds.facts import FactsConfig, make_facts


def _world(n: int = 4, seed: int = 0):
    return make_facts(FactsConfig(n_people=n, attributes=C.ATTRIBUTES, mention_levels=(1,), qa_fraction=0.0,
                                  n_unseen=0, seed=seed))


class Uniform(torch.nn.Module):
    """A stand-in model that gives every character the same probability: its code length for a value of k
    characters (and the separator after it) is (k + 1) * log2(V) bits."""

    def __init__(self, vocab: int):
        super().__init__()
        self.vocab = vocab
        self.w = torch.nn.Parameter(torch.zeros(1))

    def forward(self, x):
        return torch.zeros(*x.shape, self.vocab) + 0 * self.w


def test_knowledge_bits_by_hand_and_clipped():
    # city (|S| = 16) coded in 2 bits: 4 - 2 = +2; year (|S| = 100) in 8 bits: log2(100) - 8 = -1.356
    terms = [2.0, math.log2(100) - 8.0]
    assert knowledge_bits([16, 100], [2.0, 8.0]) == pytest.approx(sum(terms))
    assert knowledge_bits([16, 100], [2.0, 8.0], clip=True) == pytest.approx(2.0)
    assert knowledge_bits([16, 100], [2.0, 8.0], clip=True) >= knowledge_bits([16, 100], [2.0, 8.0])
    with pytest.raises(ValueError, match="cross_entropy_bits"):
        knowledge_bits([16], [1.0, 2.0])


def test_records_hold_every_value_at_its_span():
    world = _world()
    lines, spans = W.records(world)
    assert len(lines) == 4 and all(line.endswith("\n") for line in lines)
    for e, line, line_spans in zip(world.entities, lines, spans, strict=True):
        assert line.startswith(e.name + ": ")
        assert [a for a, _, _ in line_spans] == list(C.ATTRIBUTES)
        for a, s, end in line_spans:
            assert line[s:end] == e.values[a] and line[end] in (W.SEPARATOR, W.TERMINATOR)
        assert len(line) - 1 <= W.BLOCK_SIZE
    assert set("".join(lines)) <= set(W.ALPHABET)
    assert W.BITS_PER_PERSON == pytest.approx(4 + math.log2(100) + 4 + 2 * math.log2(12) + math.log2(10))


def test_value_cross_entropy_of_a_uniform_model_is_the_characters_times_log2_v():
    world = _world()
    lines, spans = W.records(world)
    tok = W.tokenizer()
    got = W.value_cross_entropy_bits(Uniform(tok.vocab_size), lines, spans, tok)
    want = [(a, (end - s + 1) * math.log2(tok.vocab_size)) for line_spans in spans for a, s, end in line_spans]
    assert [a for a, _ in got] == [a for a, _ in want]
    assert [b for _, b in got] == pytest.approx([b for _, b in want], rel=1e-5)
    bits = W.stored_bits(Uniform(tok.vocab_size), world, tok)
    assert bits["world_bits"] == pytest.approx(4 * W.BITS_PER_PERSON)
    assert bits["knowledge_bits"] == pytest.approx(bits["world_bits"] - sum(b for _, b in want), rel=1e-5)
    assert bits["knowledge_bits_clipped"] == 0.0 and bits["n_facts"] == 24
    # the value-set code: per attribute, candidates weighted by the uniform model's (1/V) ** (characters + 1)
    assert sum(bits[f"bits_{a}"] for a in C.ATTRIBUTES) == pytest.approx(bits["knowledge_bits_set"], rel=1e-5)
    assert bits["bits_birth_year"] == pytest.approx(0.0, abs=1e-4)  # every year has 4 digits: the uniform code
    # candidates ending in their separator are a prefix-free code, so renormalizing over the set never loses bits
    assert bits["knowledge_bits_set"] >= bits["knowledge_bits"]


def test_the_value_set_code_is_the_candidates_scored_by_hand_and_renormalized(one_thread):
    world = _world()
    lines, spans = W.records(world)
    tok = W.tokenizer()
    model = C.GPT(C.ModelConfig(vocab_size=tok.vocab_size, block_size=W.BLOCK_SIZE, n_layer=1, n_head=2,
                                n_embd=8), seed=1).eval()
    got = W.value_set_cross_entropy_bits(model, lines, spans, tok, rows=7)  # several batches, one a remainder
    for i, (line, line_spans) in enumerate(zip(lines, spans, strict=True)):
        for k, (a, s, end) in enumerate(line_spans):
            scores = []
            for v in C.VALUE_SETS[a]:
                ids = torch.tensor([tok.encode(line[:s] + v + line[end])])
                with torch.no_grad():
                    lp = torch.log_softmax(model(ids[:, :-1]), dim=-1)[0]
                scores.append(sum(float(lp[j, ids[0, j + 1]]) for j in range(s - 1, ids.shape[1] - 1)))
            q = torch.log_softmax(torch.tensor(scores), 0) / math.log(2)
            truth = C.VALUE_SETS[a].index(line[s:end])
            name, bits, top = got[6 * i + k]
            assert name == a and bits == pytest.approx(float(-q[truth]), abs=1e-4)
            assert top == (int(q.argmax()) == truth)


def test_exposures_and_epochs_show_every_fact_equally_often(one_thread):
    assert W.exposures_of(100, 16, 32) == 50.0
    n, batch, epochs = 48, 16, 3
    rows = torch.arange(n).view(n, 1)
    batches = W.epochs((rows, rows), batch, torch.Generator().manual_seed(0))
    seen = torch.cat([next(batches)[0].view(-1) for _ in range(epochs * n // batch)])
    assert torch.bincount(seen, minlength=n).tolist() == [epochs] * n
    with set_fast(False):
        spec = C.capacity_bits.spec(n_embd=16, exposures=100)
        assert spec["world"]["n_people"] % spec["train"]["batch_size"] == 0
        assert spec["exposures"] == W.exposures_of(spec["train"]["steps"], spec["train"]["batch_size"],
                                                   spec["world"]["n_people"]) == 100
        assert spec["world"]["n_people"] * W.BITS_PER_PERSON >= 4 * spec["n_params"]  # the ceiling: 4 bits/param
        assert spec["train"]["batch_size"] == C.BATCH
        assert spec["train"]["lr"] == pytest.approx(C.LR_WIDTH / 16)


@pytest.mark.parametrize(("call", "name"), [
    (lambda: C.capacity_bits.spec(n_embd=6), "n_embd"),
    (lambda: C.capacity_bits.spec(n_embd=2), "n_embd"),
    (lambda: C.capacity_bits.spec(exposures=0), "exposures"),
    (lambda: W.people_for(1000, 0.0, 16), "world_bits_per_param"),
    (lambda: W.exposures_of(10, 0, 5), "batch_size"),
    (lambda: W.exposures_of(10, 16, 0), "n_people"),
    (lambda: W.records(make_facts(FactsConfig(n_people=4))), "attributes"),
    (lambda: C.capacity_bits.check(dropout=1.5), "dropout"),
    (lambda: C.capacity_bits.check(weight_decay=-1.0), "weight_decay"),
])
def test_bad_parameters_are_errors_that_name_them(call, name):
    with pytest.raises(ValueError, match=name):
        call()


def test_the_study_is_registered():
    assert "capacity" in [s.name for s in STUDIES]
    assert experiments()["capacity_bits"] is C.capacity_bits


def test_a_tiny_run_stores_a_share_of_its_world(tmp_path, one_thread):
    cache = ResultCache(tmp_path)
    with set_fast(True):
        r = cache.run(C.capacity_bits, n_embd=8, exposures=2)
    m = r["metrics"]
    assert m["n_params"] == r["n_params"] == C.capacity_bits.spec(n_embd=8)["n_params"]
    assert m["knowledge_bits_clipped"] >= max(0.0, m["knowledge_bits"])
    assert m["bits_stored"] == max(0.0, m["knowledge_bits"]) <= m["world_bits"]  # floored at 0, under its ceiling
    assert 0.0 <= m["stored_share"] == m["bits_stored"] / m["world_bits"] <= 1.0
    assert m["bits_per_param"] == m["bits_stored"] / m["n_params"] <= m["ceiling_per_param"]
    assert 0.0 <= m["stored_share_clipped"] == m["knowledge_bits_clipped"] / m["world_bits"] <= 1.0
    assert tuple(r["bounds"]["stored_share"]) == tuple(r["bounds"]["stored_share_clipped"]) == (0.0, 1.0)
    assert m["exposures"] == 2.0 and m["n_facts"] == 6 * m["n_people"]
    assert C.numbers(r)["parameters"] == f"{m['n_params']:,}"


def _result(experiment, params, bits_per_param, share=0.4):
    """Made-up metrics: ``bits_per_param[exposures]`` bits per parameter; a share of ``share`` less each
    regularizer, floored at 0."""
    p = experiment.params(**params)
    n = 1000 * p["n_embd"]
    return {"key": experiment.key(**params), "params": p, "cached": True,
            "metrics": {"bits_stored": bits_per_param[p["exposures"]] * n, "n_params": n,
                        "stored_share": max(0.0, share - p["dropout"] - p["weight_decay"])}}


class FakeCache:
    """Holds exactly the results of ``keys`` (made-up metrics); records every key looked up."""

    def __init__(self, keys=frozenset(), low=1.0, high=2.0, share=0.4):
        self.keys, self.asked, self.share = set(keys), [], share
        self.bits = dict(zip(C.grid()["exposures"], (low, high), strict=True))

    def lookup(self, experiment, **params):
        key = experiment.key(**params)
        self.asked.append(key)
        return _result(experiment, params, self.bits, self.share) if key in self.keys else None


def _verdict_keys() -> set[str]:
    return {e.key(**p) for e, points in C.verdict_runs() for p in points}


def test_verdict_rows_on_an_empty_cache_are_not_measured(tmp_path):
    with set_fast(True):
        cache = ResultCache(tmp_path)
        rows = [validate(r) for r in C.verdict_measurements(cache)]
        assert cache.misses == 0 and {t["verdict"] for t in verdict_table(cache, studies=["capacity"])} == {
            "not measured"}
    assert [r["claim"] for r in rows] == ["capacity"] * 3 + ["b"] * (len(C.grid()["arms"]) - 1)
    assert all(r["a"] is None and r["test"] == "paired" for r in rows)
    assert [r["kind"] for r in rows] == ["claim"] * 3 + ["sanity"] * (len(rows) - 3)  # the regularizers: floors
    assert all(r["items"] == "nested" for r in rows)  # each seed its own world
    high, low, drop, *reg = rows
    with set_fast(False):
        assert C.grid()["exposures"] == [100, 1000]  # the paper's two counts
    assert high["reference"] == C.PAPER_BITS[1000] and low["reference"] == C.PAPER_BITS[100]
    assert all(r["expect"] == "equal" and r["b"] is None for r in (high, low))
    assert drop["expect"] == "lower" and drop.get("reference") is None  # low against high
    for r in (high, low, drop):
        assert r["measure"] == "bits_per_param"
        assert r["margin"] == protocol.study("capacity")["margins"]["bits_per_param"]
    for r in reg:
        assert r["measure"] == "stored_share" and r["expect"] == "equal" and r["labels"][1] == "none"
        assert "share of the ceiling" in r["text"] and "floor check" in r["text"]
        assert r["margin"] == protocol.study("capacity")["margins"]["stored_share"]


@pytest.mark.parametrize("fast", [True, False])
def test_verdict_rows_read_exactly_the_verdict_runs(fast):
    with set_fast(fast):
        g, want = C.grid(), _verdict_keys()
        assert g["seeds"] == protocol.study("capacity")["eval_seeds"]
        assert len(want) == (2 * len(g["sizes"]) + len(g["arms"]) - 1) * len(g["seeds"])
        empty = FakeCache()
        C.verdict_measurements(empty)
        assert set(empty.asked) == want  # every run listed is read, and nothing else
        table = verdict_table(FakeCache(want), studies=["capacity"])
        assert all(t["verdict"] != "not measured" and t["n_seeds"] == len(g["seeds"]) for t in table)
        high, low, drop = [t for t in table if t["claim"] == "capacity"]  # made up: 2 and 1 bits/param
        assert high["a_mean"] == pytest.approx(2.0) and low["a_mean"] == pytest.approx(1.0)
        assert high["verdict"] == low["verdict"] == drop["verdict"] == "holds"
        # the floor check fails when a regularizer's share is off the floor (0.2 of the ceiling less), holds at 0
        assert {t["verdict"] for t in table if t["claim"] == "b"} == {"fails"}
        assert {t["verdict"] for t in verdict_table(FakeCache(want, share=0.0), studies=["capacity"])
                if t["claim"] == "b"} == {"holds"}
        # each row can fail: 0.8 bits/param after either count is not 2, and not fewer after the low count
        high, low, drop = [t for t in verdict_table(FakeCache(want, low=0.8, high=0.8), studies=["capacity"])
                           if t["claim"] == "capacity"]
        assert high["verdict"] == "fails" and low["verdict"] == "holds" and drop["verdict"] == "negligible"
        high, low, drop = [t for t in verdict_table(FakeCache(want, low=2.0, high=0.5), studies=["capacity"])
                           if t["claim"] == "capacity"]
        assert high["verdict"] == low["verdict"] == drop["verdict"] == "fails"
        for missing in want:
            rows = C.verdict_measurements(FakeCache(want - {missing}))
            assert any(r["a"] is None or r["b"] is None for r in rows)


def test_the_protocol_runs_fewer_seeds_here_and_says_why():
    book, fast = protocol.study("capacity", fast=False), protocol.study("capacity", fast=True)
    assert book["eval_seeds"] == list(protocol.EVAL_SEEDS[:3]) and "6 minutes" in book["why_fewer_seeds"]
    assert fast["eval_seeds"] == list(protocol.FAST_EVAL_SEEDS) and fast["why_fewer_seeds"] == protocol.FAST_WHY
    assert protocol.study("recall", fast=False)["eval_seeds"] == list(protocol.EVAL_SEEDS)
