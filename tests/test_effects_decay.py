"""Chapter 6's effects, checked at book scale with the chapter's own experiment (seeded; the assertion is the claim).

`MINIGPT_EFFECT_SEEDS=0,1,2 pytest tests/test_effects_decay.py -s` checks more seeds and prints the numbers.
"""

from __future__ import annotations

import os

import pytest

from minigpt.runs import set_fast
from minigpt.studies.grokking import grok_modular

pytestmark = pytest.mark.slow
SEEDS = [int(s) for s in os.environ.get("MINIGPT_EFFECT_SEEDS", "0").split(",")]


# ---------------------------------------------------------------------------------------------------------
# Weight decay caps the weight norm on modular addition: at the end of the 1500-step budget the norm of the
# decayed matrices with weight decay 1 has fallen from its peak (reached while memorizing) and is below half of
# the norm without weight decay, which is still at its peak (still growing). Measured with the chapter's
# grok_modular (norm: peak / end): weight decay 1, seeds 0, 1, 2: 8.5/5.7, 8.8/5.3, 7.0/5.9; weight decay 0:
# 19.7/19.7, 18.2/18.2, 19.9/19.9. About 2 x 1500 full-batch steps per seed (~35 CPU-s on an idle core).


@pytest.mark.parametrize("seed", SEEDS)
def test_weight_decay_caps_and_then_lowers_the_weight_norm(seed, one_thread):
    with set_fast(False):  # the chapter's book-scale setting, also under the notebook tests' MINIGPT_FAST=1
        m1 = grok_modular(weight_decay=1.0, seed=seed)["metrics"]
        m0 = grok_modular(weight_decay=0.0, seed=seed)["metrics"]
    print(f"grokking norm seed {seed}: wd 1 peak {m1['peak_norm']:.1f} end {m1['final_norm']:.1f}; "
          f"wd 0 peak {m0['peak_norm']:.1f} end {m0['final_norm']:.1f}")
    assert m1["final_norm"] < m1["peak_norm"], m1
    assert m0["final_norm"] == pytest.approx(m0["peak_norm"]), m0
    assert m1["final_norm"] < 0.5 * m0["final_norm"], (m1, m0)
