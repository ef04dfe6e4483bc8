"""Chapter 9's measurement machinery, on a planted effect, small and seeded (no claim of the book is asserted
here: the verdict table tests those). On one world, a model with about nine times the parameters must store more
knowledge bits than a narrow one, or the bits are not measuring what the parameters hold; and what either stores
lies between 0 and what the world holds (the bits stored, the bound floored at 0, and the clipped count, both
as shares of that ceiling in [0, 1]).

`MINIGPT_EFFECT_SEEDS=0,1,2 pytest tests/test_effects_capacity.py -s` checks more seeds and prints the numbers.
"""

from __future__ import annotations

import os

import pytest

from minigpt.runs import set_fast
from minigpt.studies.capacity import capacity_bits

pytestmark = pytest.mark.slow
SEEDS = [int(s) for s in os.environ.get("MINIGPT_EFFECT_SEEDS", "0").split(",")]


# ---------------------------------------------------------------------------------------------------------
# Both models read the same world of 128 people (3,217 bits; world_bits_per_param is chosen so both round to
# 128 people, two batches of 64) 240 times each (480 steps). Width 32 (17,088 parameters) against width 8
# (1,968). Seed 0: width 32 bound 3,153 bits (98% of the world), width 8 bound -6,415 (0 stored, clipped 42).
# About 30 CPU-s per seed.


@pytest.mark.parametrize("seed", SEEDS)
def test_the_bits_detect_a_planted_capacity_gap_within_what_the_world_holds(seed, one_thread):
    with set_fast(False):
        small = capacity_bits(n_embd=8, exposures=240, world_bits_per_param=1.5, seed=seed)
        big = capacity_bits(n_embd=32, exposures=240, world_bits_per_param=0.18, seed=seed)
    ms, mb = small["metrics"], big["metrics"]
    print(f"capacity seed {seed}: width 8 bound {ms['knowledge_bits']:.0f} clipped "
          f"{ms['knowledge_bits_clipped']:.0f}; width 32 bound {mb['knowledge_bits']:.0f} clipped "
          f"{mb['knowledge_bits_clipped']:.0f}; world {mb['world_bits']:.0f}")
    assert small["spec"]["world"] == big["spec"]["world"]  # one world, one exposure count
    assert mb["knowledge_bits_clipped"] > 2 * ms["knowledge_bits_clipped"], (ms, mb)
    assert mb["knowledge_bits"] > ms["knowledge_bits"], (ms, mb)
    assert mb["bits_stored"] > ms["bits_stored"], (ms, mb)
    for m in (ms, mb):
        assert 0.0 <= m["knowledge_bits_clipped"] <= m["world_bits"]
        assert m["knowledge_bits"] <= m["world_bits"]
        assert 0.0 <= m["bits_stored"] <= m["world_bits"]
        assert 0.0 <= m["stored_share"] <= 1.0 and 0.0 <= m["stored_share_clipped"] <= 1.0
