"""Chapter 4's study code (the machinery, never the direction of a claim): the spec's checks, the fixed budget and
the passes it reports, the nested training sets and the shared held-out stories, the per-window test loss, and the
verdict rows: their shape, read from the cache only, from exactly the runs ``verdict_runs()`` lists."""

import pytest
import torch

from minigpt import protocol
from minigpt.runs import ResultCache, model_for
from minigpt.studies import repetition as R
from minigpt.studies.repetition import repeat_stories, sizes, verdict_measurements, verdict_runs, worlds
from minigpt.tokenizer import CharTokenizer
from minigpt.verdicts import validate, verdict_table


@pytest.fixture(autouse=True)
def fast(monkeypatch):
    monkeypatch.setenv("MINIGPT_FAST", "1")


@pytest.mark.parametrize("bad, match", [
    ({"passes": 0.5}, "passes"), ({"passes": 1001.0}, "passes"), ({"passes": "many"}, "passes"),
    ({"dropout": 1.5}, "dropout"), ({"n_samples": 0}, "n_samples"), ({"temperature": -1.0}, "temperature"),
    ({"world_seed": 1.5}, "seed"),
])
def test_a_bad_setting_is_a_clear_error(bad, match):
    with pytest.raises(ValueError, match=match):
        repeat_stories.check(**bad)


def test_every_run_reads_the_same_budget_and_the_passes_are_computed():
    z = sizes()
    assert z["tokens"] == z["steps"] * z["batch_size"] * z["block_size"]
    specs = {n: repeat_stories.spec(passes=n) for n in R.PASSES}
    assert len({(s["train"]["steps"], s["train"]["batch_size"], s["model"]["block_size"])
                for s in specs.values()}) == 1
    held, pool = None, None
    for n, spec in specs.items():
        world, test = worlds(spec)
        assert len(world.train_stories) == spec["data"]["n_stories"] == max(1, round(z["pool"] / n))
        first = world.train_stories[0]
        assert pool is None or pool == first  # nested: every training set starts the same pool
        pool = first
        assert held is None or held == (world.val_stories, test.val_stories)  # the same held-out stories
        held = (world.val_stories, test.val_stories)
        assert world.train_sentences == {s for story in world.train_stories for s in story}  # what copies are
    result = repeat_stories(passes=R.PASSES[1], n_samples=2)
    world, _ = worlds(result["spec"])
    assert result["metrics"]["passes"] == pytest.approx(z["tokens"] / len(world.train_text))
    assert result["metrics"]["n_stories"] == len(world.train_stories)
    assert len(result["items"]["test_loss"]) == len(result["items"]["best_test_loss"]) > 1
    assert result["metrics"]["test_loss"] == pytest.approx(sum(result["items"]["test_loss"]) /
                                                           len(result["items"]["test_loss"]))
    shares = [result["metrics"][k] for k in R.KINDS]
    assert all(0 <= x <= 1 for x in shares)
    assert sum(shares) == pytest.approx(1.0 if result["metrics"]["n_sentences"] else 0.0)


def test_window_losses_are_the_models_loss_on_those_windows():
    spec = repeat_stories.spec()
    world, test = worlds(spec)
    tok = CharTokenizer(world.alphabet)
    model = model_for(spec, tok.vocab_size)
    tokens = torch.tensor(tok.encode(test.val_text), dtype=torch.long)
    losses = R.window_losses(model, tokens)
    block = model.config.block_size
    assert len(losses) == (len(tokens) - 1) // block
    model.eval()
    _, loss = model(tokens[:block][None], tokens[1:block + 1][None])
    assert losses[0] == pytest.approx(loss.item(), rel=1e-5)


def test_the_verdict_rows_read_exactly_the_listed_runs(tmp_path):
    cache = ResultCache(tmp_path)
    rows = [validate(r) for r in verdict_measurements(cache)]
    assert {r["claim"] for r in rows} == {"l", "m"} and all(r["kind"] == "claim" for r in rows)
    assert all(r["a"] is None and r["b"] is None for r in rows)  # nothing in the cache, nothing ran
    assert not list(tmp_path.rglob("*.json"))
    p = protocol.study("repetition")
    ((experiment, points),) = verdict_runs()
    assert experiment is repeat_stories and len(points) == 4 * len(p["eval_seeds"])
    study = R.repetition_study(cache, workers=1, passes=[p["data"][k]["passes"] for k in p["data"]])
    keys = {r["key"] for by in study.values() for rs in by.values() for r in rs}
    assert keys == {repeat_stories.key(**q) for q in points}
    rows = [validate(r) for r in verdict_measurements(cache)]
    n_windows = len(study[1.0]["none"][0]["items"]["test_loss"])
    for r in rows:
        assert len(r["a"]) == len(r["b"]) == len(p["eval_seeds"]) and len(r["a"][0]) == n_windows
        assert r["margin"] == protocol.margin("repetition", r["measure"]) > 0
    table = verdict_table(cache, studies=["repetition"])
    assert len(table) == len(rows) and all(t["verdict"] != "not measured" for t in table)
    assert {t["test"] for t in table} == {"crossed seeds x items t interval"}
    effects = R.dropout_effects(study)
    assert set(effects) == set(study)
    assert R.where_dropout_pays(effects) in (*effects, None)


def test_the_explorers_static_grid_is_the_studys_runs_at_one_seed(tmp_path):
    p = protocol.study("repetition")
    explorer = R.repetition_explorer(cache=ResultCache(tmp_path), seed=p["eval_seeds"][0], **p["fixed"])
    points = {repeat_stories.key(**explorer.params(v)) for v in explorer.static_points()}
    study = {repeat_stories.key(**p["fixed"], **arm, passes=n, seed=p["eval_seeds"][0])
             for n in R.PASSES for arm in R.arms().values()}
    assert points == study
    assert set(explorer.static_grid["passes"]) <= set(explorer.controls["passes"])


def test_the_explorer_runs_a_setting_live_and_shows_it_in_the_static_view(tmp_path):
    cache = ResultCache(tmp_path)
    explorer = R.repetition_explorer(cache=cache, n_samples=2)
    try:
        explorer.select(passes=R.LIVE_PASSES[-1], dropout=0.0)
        result = explorer.wait(timeout=120)
        assert result is not None and result["done"] and result["params"]["passes"] == R.LIVE_PASSES[-1]
        numbers = explorer.numbers(result)
        assert numbers["passes"].startswith(f"{result['metrics']['passes']:.1f}") and "held-out loss" in numbers
        assert explorer.render_png(result)[:4] == b"\x89PNG"
        page = explorer.to_html()  # the static grid's points are not computed here: placeholders, no error
        assert explorer.title in page and 'name="passes"' in page and 'name="dropout"' in page
    finally:
        explorer.close()
