"""Chapter 6's claims, checked through its own experiments at a smaller scale (fewer training steps).

Each test trains one model per world and seed and re-samples it (the experiments store it), so a test costs one
training run. ``MINIGPT_EFFECT_SEEDS=0,1,2 pytest tests/test_effects_sampling.py -s`` checks more seeds and prints
the numbers quoted in the comments.
"""

from __future__ import annotations

import os

import pytest

from minigpt.runs import ResultCache
from minigpt.studies.sampling import sample_qa, sample_stories

pytestmark = pytest.mark.slow
SEEDS = [int(s) for s in os.environ.get("MINIGPT_EFFECT_SEEDS", "0").split(",")]


@pytest.fixture
def cache(tmp_path, monkeypatch):
    monkeypatch.delenv("MINIGPT_FAST", raising=False)  # these are the book's settings, fewer steps
    return ResultCache(tmp_path)


# ---------------------------------------------------------------------------------------------------------
# 1. stories: temperature trades validity for diversity, and creativity peaks in between
#
# 400 steps (the book: 800; fewer steps keep the test cheap and leave the model less valid, not less monotone).
# Measured distinct-2 / validity / distinct novel-valid per 1,000 characters at T = 0, 0.3, 0.8, 1.3, 1.6:
#   seed 0: 0.01/0.50/0.0, 0.28/0.49/6.6, 0.57/0.28/5.5, 0.77/0.07/1.2, 0.85/0.04/0.7
#   seed 1: 0.01/1.00/0.2, 0.26/0.46/9.3, 0.56/0.30/6.8, 0.76/0.08/1.7, 0.87/0.04/0.8
#   seed 2: 0.00/1.00/0.2, 0.23/0.48/6.0, 0.56/0.33/7.6, 0.74/0.16/4.0, 0.85/0.07/1.3
# Smallest margins: distinct-2 steps of 0.18; validity 0.46 > 0.30 > 0.08 (seed 1), 0.48 > 0.33 > 0.16 (seed 2);
# best middle creativity 6.6 vs 0.7 at T=1.6 (seed 0) and vs 0.2 at T=0.

STORIES_STEPS = 400


@pytest.mark.parametrize("seed", SEEDS)
def test_temperature_raises_diversity_lowers_validity_and_creativity_peaks_between(cache, seed):
    m = {t: cache.run(sample_stories, steps=STORIES_STEPS, seed=seed, temperature=t)["metrics"]
         for t in (0.0, 0.3, 0.8, 1.3, 1.6)}
    print(f"stories seed {seed}: T distinct-2/validity/creativity: "
          + ", ".join(f"{t:g} {x['distinct_2']:.2f}/{x['validity']:.2f}/{x['creativity']:.1f}"
                      for t, x in m.items()))
    warm = [m[t] for t in (0.3, 0.8, 1.3)]
    assert warm[0]["distinct_2"] < warm[1]["distinct_2"] < warm[2]["distinct_2"]
    assert warm[0]["validity"] > warm[1]["validity"] > warm[2]["validity"]
    # greedy writes one story: (almost) nothing new; too hot: mostly invalid. The best lies in between.
    middle = max(m[t]["creativity"] for t in (0.3, 0.8, 1.3))
    assert middle > m[0.0]["creativity"] and middle > m[1.6]["creativity"]


# ---------------------------------------------------------------------------------------------------------
# 2. facts and sums: greedy decoding is the most accurate; sampling at T = 1 loses clearly
#
# Facts: 200 people x 4 attributes, 800 steps; addition: 3000 problems, 800 steps (both as in the book). Measured
# accuracy at T = 0 / 0.5 / 1.0:
#   facts    seed 0 0.530/0.467/0.333, seed 1 0.431/0.386/0.277, seed 2 0.508/0.467/0.342
#   addition seed 0 0.718/0.652/0.488, seed 1 0.630/0.532/0.404, seed 2 0.804/0.764/0.620
# Smallest margin: 0.041 (facts seed 2 and addition seed 2, T=0 vs 0.5). Greedy against T=0.1 is not asserted:
# the chapter finds no difference there (T=0.1 is nearly greedy).


@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize("world", ["facts", "addition"])
def test_greedy_decoding_beats_sampling_for_one_right_answer(cache, world, seed):
    acc = {t: cache.run(sample_qa, world=world, seed=seed, temperature=t)["metrics"]["accuracy"]
           for t in (0.0, 0.5, 1.0)}
    print(f"sample_qa {world} seed {seed}: accuracy at T=0/0.5/1: " + "/".join(f"{a:.3f}" for a in acc.values()))
    assert acc[0.0] > acc[0.5] > acc[1.0]
