"""The sampling study (chapter 7): the tempered perfect sampler, what the samplers reduce to, the experiments'
train-once / sample-many contract, and the explorer's pieces. Tiny runs only (fast mode, a few steps)."""

from __future__ import annotations

import random

import pytest
import torch

from minigpt import GPT, ModelConfig, generate, protocol
from minigpt.plots import fig_to_png_bytes, new_figure
from minigpt.runs import ResultCache
from minigpt.sample import greedy_ids, reductions
from minigpt.stats import mean_interval
from minigpt.studies.sampling import (
    SAMPLING_CONTROLS,
    book_points,
    frontier_gap,
    paired_difference,
    perfect_sampler_sentences,
    plot_frontier,
    plot_samples,
    sample_qa,
    sample_stories,
    sampling_explorer,
    sign,
    stories_numbers,
    verdict_measurements,
    verdict_runs,
)
from minigpt.verdicts import judge, validate
from minigpt.worlds.stories import StoriesConfig, is_valid, make_stories, sample_story, tempered_weights

TINY = {"steps": 6}


@pytest.fixture
def fast(monkeypatch):
    monkeypatch.setenv("MINIGPT_FAST", "1")


def test_the_tempered_sampler_at_temperature_one_is_the_world_generator():
    cfg = StoriesConfig(n_stories=20, n_val_stories=0, seed=3)
    rng = random.Random(cfg.seed)
    assert tuple(sample_story(rng, cfg, 1.0) for _ in range(20)) == make_stories(cfg).train_stories


def test_tempered_weights_sharpen_and_keep_ties():
    assert tempered_weights([1.0, 2.0], 1.0) == [1.0, 2.0]
    assert tempered_weights([1.0, 2.0], 0.5) == [1.0, 4.0]
    assert tempered_weights([6.0, 1.0, 6.0], 0.0) == [1.0, 0.0, 1.0]  # the limit T -> 0: ties stay uniform


def test_perfect_sampler_sentences_are_valid_and_fill_the_budget():
    cfg = StoriesConfig()
    for temperature in (0.0, 0.5, 1.0, 1.6):
        sentences = perfect_sampler_sentences(cfg, temperature, 3000, seed=0)
        assert all(is_valid(s) for s in sentences)
        used = sum(len(s) + 1 for s in sentences)
        assert 3000 - 60 < used <= 3000  # a sentence is at most about 50 characters
    cold = perfect_sampler_sentences(cfg, 0.0, 3000, 0)
    assert all(s.split()[2] in ("a", "the") or s.split()[3] == "a" for s in cold)  # the most likely rule
    # its own stream: at temperature 1 it does not replay the training stories of the same seed
    world = make_stories(StoriesConfig(seed=0))
    warm = perfect_sampler_sentences(world.config, 1.0, 5000, seed=0)
    assert sum(s in world.train_sentences for s in warm) < 0.2 * len(warm)


def test_temperature_zero_top_k_one_and_tiny_top_p_are_greedy():
    cfg = ModelConfig(vocab_size=20, block_size=16, n_layer=1, n_head=2, n_embd=16)
    model = GPT(cfg, seed=0)
    idx = torch.randint(0, 20, (4, 3), generator=torch.Generator().manual_seed(0))
    out = reductions(model, idx, 20)  # 23 tokens: past the block, so the window slides too
    for name in ("temperature 0", "top-k 1, temperature 1", "top-k 1, temperature 1.6", "top-p 1e-6, temperature 1"):
        assert out[name]["same"], (name, out[name]["differ"])
        assert torch.equal(out[name]["ids"], greedy_ids(model, idx, 20))
    assert not out["temperature 1"]["same"]  # an untrained model's distribution is wide
    assert torch.equal(generate(model, idx, 20, temperature=0), out["greedy, written out"]["ids"])


def test_stories_experiment_scores_and_reuses_the_stored_model(fast, tmp_path, monkeypatch):
    trained = []
    original = sample_stories.train_fn
    monkeypatch.setattr(sample_stories, "train_fn", lambda *a, **k: trained.append(1) or original(*a, **k))
    cache = ResultCache(tmp_path)
    first = cache.run(sample_stories, **TINY)
    m = first["metrics"]
    for key in ("validity", "copied", "novel", "invalid", "distinct_novel_valid", "creativity", "distinct_1",
                "distinct_2", "self_bleu", "novelty_4", "perfect_copied", "perfect_creativity"):
        assert key in m
    assert m["copied"] + m["novel"] + m["invalid"] == pytest.approx(1.0) or m["n_sentences"] == 0
    for knobs in ({"temperature": 0.0}, {"top_k": 3}, {"top_p": 0.5}, {"n_samples": 4}):
        again = cache.run(sample_stories, **TINY, **knobs)
        assert again["model_cached"] and again["train_key"] == first["train_key"]
    assert len(trained) == 1
    # every sample, greedy ones included, starts from a prompt of its own: a validation story's first two words
    greedy = cache.run(sample_stories, temperature=0.0, **TINY)
    world = make_stories(StoriesConfig(**greedy["spec"]["world"]))
    prompts = world.story_starts(greedy["spec"]["sample"]["n"], 2)
    for result in (first, greedy):
        assert all(t.startswith(p) and len(t) <= 63 for t, p in zip(result["samples"], prompts, strict=False))
        assert result["metrics"]["distinct_prompts"] == len(set(prompts)) > 1
    assert greedy["metrics"]["distinct_samples"] <= len(set(prompts))  # greedy: one text per prompt
    again = cache.run(sample_stories, temperature=0.0, n_samples=4, **TINY)
    assert again["samples"] == greedy["samples"][:4]  # greedy from a prompt does not depend on the others


def test_story_starts_are_the_first_words_of_validation_stories():
    world = make_stories(StoriesConfig(n_stories=5, n_val_stories=3, seed=1))
    starts = world.story_starts(7)
    assert len(starts) == 7 and starts[3:6] == starts[:3]  # cycling through the validation stories
    for start, story in zip(starts, world.val_stories, strict=False):
        assert story[0].startswith(start + " ") or story[0] == start
        assert len(start.split(" ")) == 2
    with pytest.raises(ValueError, match="n_val_stories"):
        make_stories(StoriesConfig(n_stories=5, n_val_stories=0)).story_starts(2)


def test_qa_experiments_run_and_reuse_the_model(fast, tmp_path):
    cache = ResultCache(tmp_path)
    for world in ("facts", "addition"):
        greedy = cache.run(sample_qa, world=world, **TINY)
        warm = cache.run(sample_qa, world=world, temperature=1.0, **TINY)
        assert 0 <= greedy["metrics"]["accuracy"] <= 1 and greedy["metrics"]["n"] > 0
        assert warm["model_cached"] and not greedy["model_cached"]
        for r in (greedy, warm):  # one 0/1 per question, whose mean is the accuracy
            items = r["items"]["accuracy"]
            assert len(items) == r["metrics"]["n"] and set(items) <= {0, 1}
            assert sum(items) / len(items) == pytest.approx(r["metrics"]["accuracy"])
        # the questions depend on the world seed only: every seed of the protocol answers the same ones
        specs = [sample_qa.spec(world=world, seed=s, world_seed=1000) for s in (1000, 1001)]
        assert specs[0]["world"] == specs[1]["world"]


@pytest.mark.parametrize("bad, name", [({"world": "poems"}, "world"), ({"world": "facts", "n_train": 50}, "n_train"),
                                       ({"world": "addition", "n_people": 50}, "n_people"),
                                       ({"temperature": -0.1}, "temperature")])
def test_bad_qa_values_are_clear_errors(bad, name):
    with pytest.raises(ValueError, match=name):
        sample_qa.check(**bad)


@pytest.mark.parametrize("bad", [{"temperature": -0.1}, {"top_k": -1}, {"top_p": 0.0}, {"top_p": 1.5},
                                 {"n_samples": 1}])
def test_bad_sampling_values_are_clear_errors(bad):
    name = next(iter(bad))
    with pytest.raises(ValueError, match=name.replace("n_samples", "n_samples")):
        sample_stories.check(**bad)


def test_explorer_numbers_and_plots(fast, tmp_path):
    cache = ResultCache(tmp_path)
    result = cache.run(sample_stories, **TINY)
    numbers = stories_numbers(result)
    assert set(numbers) == {"valid", "distinct novel-valid", "copied", "distinct-2", "self-BLEU"}
    fig = new_figure(6.4, 2.6)
    assert fig_to_png_bytes(plot_samples(result, fig)).startswith(b"\x89PNG")
    explorer = sampling_explorer(cache=cache, **TINY)
    assert set(explorer.controls) == set(SAMPLING_CONTROLS) and explorer.initial["temperature"] == 1.0
    iv = mean_interval([0.5, 0.6, 0.7])
    fig = new_figure(4, 3)
    plot_frontier(fig.subplots(), {"temperature": [("0", {"validity": iv, "creativity": iv})]})
    assert fig_to_png_bytes(fig).startswith(b"\x89PNG")


@pytest.mark.parametrize("fast_scale", [True, False])
def test_verdict_rows_on_an_empty_cache_are_not_measured(tmp_path, monkeypatch, fast_scale):
    monkeypatch.setenv("MINIGPT_FAST", "1" if fast_scale else "0")
    rows = [validate(r) for r in verdict_measurements(ResultCache(tmp_path))]
    assert {r["claim"] for r in rows} == {"d", "k"} and all(r["kind"] == "claim" for r in rows)
    assert len([r for r in rows if r["claim"] == "d"]) == 6 and len([r for r in rows if r["claim"] == "k"]) == 2
    for r in rows:
        assert r["a"] is None and r["b"] is None and r["test"] == "paired" and r["items"] == "shared"
        assert r["margin"] == protocol.margin("sampling", r["measure"]) and judge(r)[1] == "not measured"
    assert [r["expect"] for r in rows if r["claim"] == "d"] == ["equal", "higher", "higher"] * 2
    assert not list(tmp_path.rglob("*.json")) and not list(tmp_path.rglob("*.pt"))  # nothing ran


class _Recorder:
    """A cache that records every lookup and answers it with a made-up result (3 questions per Q/A run)."""

    def __init__(self):
        self.keys = set()

    def lookup(self, experiment, **params):
        self.keys.add((experiment.name, experiment.key(**params)))
        seed, t = params["seed"], params.get("temperature", 1.0)
        return {"params": params, "metrics": {"creativity": 10 * t + seed % 7, "distinct_2": t / 2, "accuracy": 0.5},
                "items": {"accuracy": [1, int(t < 0.5), seed % 2]}}


@pytest.mark.parametrize("fast_scale", [True, False])
def test_verdict_rows_read_exactly_the_runs_that_verdict_runs_lists(monkeypatch, fast_scale):
    monkeypatch.setenv("MINIGPT_FAST", "1" if fast_scale else "0")
    p = protocol.study("sampling")
    cache = _Recorder()
    rows = [validate(r) for r in verdict_measurements(cache)]
    listed = {(fn.name, fn.key(**point)) for fn, points in verdict_runs() for point in points}
    assert cache.keys == listed
    points = [point for _, pts in verdict_runs() for point in pts]
    assert all(point["seed"] in p["eval_seeds"] and point["world_seed"] == 1000 for point in points)
    assert len(points) == len(set(map(str, points))) == len(p["eval_seeds"]) * (2 + 2 * 4)
    for r in rows:  # measured: one list per seed, per question for (d), one number per seed for (k)
        assert len(r["a"]) == len(r["b"]) == len(p["eval_seeds"]) and judge(r)[1] != "not measured"
        assert len(r["a"][0]) == (3 if r["claim"] == "d" else 1)
    # the chapter runs them all: every point is one of book_runs' points, at the protocol's seeds and world
    stories, qa = book_points()
    book = {(fn.name, fn.key(**{**p["fixed"], **x, "seed": s})) for fn, families in
            ((sample_stories, stories), (sample_qa, {w: qa[w] for w in qa})) for family in families.values()
            for x in family.values() for s in p["eval_seeds"]}
    assert listed <= book


def _fake(seed, **metrics):
    return {"params": {"seed": seed}, "metrics": metrics}


def test_paired_difference_sees_what_overlapping_intervals_hide():
    # the models differ a lot between seeds; on each model, a beats b by 0.1-0.12
    a = [_fake(0, acc=0.8), _fake(1, acc=0.5), _fake(2, acc=0.65)]
    b = [_fake(0, acc=0.7), _fake(1, acc=0.38), _fake(2, acc=0.54)]
    d = paired_difference(a, b, "acc")
    assert d.estimate == pytest.approx(0.11) and sign(d) == "higher"
    assert sign(paired_difference(b, a, "acc")) == "lower"
    with pytest.raises(ValueError, match="seeds"):
        paired_difference(a, b[:2], "acc")


def test_frontier_gap_against_the_temperature_curve():
    temperature = {t: [_fake(s, validity=v, creativity=c) for s in (0, 1, 2)]
                   for t, v, c in ((0.0, 1.0, 0.0), (0.5, 0.8, 10.0), (1.0, 0.4, 6.0))}
    above = {5: [_fake(s, validity=0.9, creativity=7.0 + s) for s in (0, 1, 2)]}  # the curve there: 5
    gap = frontier_gap(above, temperature)
    assert gap.estimate == pytest.approx(3.0) and sign(gap) == "higher"
    below = {5: [_fake(s, validity=0.6, creativity=6.0 + 0.1 * s) for s in (0, 1, 2)],
             1: [_fake(s, validity=1.0, creativity=0.0) for s in (0, 1, 2)]}  # the curve at 0.6: 8
    gap = frontier_gap(below, temperature, skip=(1,))
    assert gap.estimate == pytest.approx(-1.9) and sign(gap) == "lower"
