"""Chapter 8's machinery at the chapter's scale (a seeded regression check, not a test of a claim: the claims'
directions are the verdict table's to measure, on the protocol's evaluation seeds). On direct-answer 2-digit
addition with the chapter's model: sampling is deterministic given its generator's seed; at temperature 0 every
sample is the greedy answer, so the vote over them is greedy decoding; and best-of-k with a perfect checker is
right on every problem where the vote is (it finds a right answer whenever one was sampled)."""

from __future__ import annotations

import os

import pytest
import torch

from minigpt import GPT, CharTokenizer, ModelConfig, TrainConfig, Trainer
from minigpt import metrics as M
from minigpt.protocol import TUNING_SEEDS
from minigpt.worlds import AdditionConfig, make_addition

pytestmark = [pytest.mark.slow, pytest.mark.usefixtures("one_thread")]
# tuning seeds only: a check of the engine never looks at the evaluation seeds' worlds
SEEDS = [int(s) for s in os.environ.get("MINIGPT_EFFECT_SEEDS", str(TUNING_SEEDS[0])).split(",")]


@pytest.mark.parametrize("seed", SEEDS)
def test_sampling_is_seeded_the_t0_vote_is_greedy_and_a_perfect_checker_never_loses_to_the_vote(seed):
    world = make_addition(AdditionConfig(n_digits=2, n_train=3000, n_test=300, seed=seed))
    tok = CharTokenizer.from_text(world.alphabet)
    X, Y = world.qa_rows(tok, "train")
    cfg = ModelConfig(vocab_size=tok.vocab_size, block_size=X.shape[1], n_layer=2, n_head=4, n_embd=64)
    model = GPT(cfg, seed=seed)
    Trainer(model, TrainConfig(steps=600, batch_size=64, lr=3e-3, eval_interval=10**9, seed=seed), (X, Y)).fit()
    targets = [p.result for p in world.test]

    def warm():
        gen = torch.Generator().manual_seed(seed)
        return world.sample_answers(model, tok, "test", k=16, temperature=0.8, generator=gen)

    first = warm()
    assert warm() == first  # the same generator seed draws the same samples
    assert len({a for row in first for a in row}) > 1  # ... and at T=0.8 they are not all one answer
    cold = world.sample_answers(model, tok, "test", k=16, temperature=0.0)
    greedy = sum(world.accuracy(model, tok, "test")) / len(targets)
    assert all(len(set(row)) == 1 for row in cold)  # identical samples at temperature 0 ...
    assert M.majority_vote_accuracy(cold, targets) == greedy  # ... so the vote is greedy decoding
    for row, y in zip(first, targets, strict=True):  # problem by problem, over the same 16 samples
        assert M.best_of_k_accuracy([row], [y], 16) >= (M.majority_vote(row) == y)
    print(f"seed {seed}: one sample / vote / perfect checker / greedy {M.mean_sample_accuracy(first, targets):.2f}/"
          f"{M.majority_vote_accuracy(first, targets):.2f}/{M.best_of_k_accuracy(first, targets, 16):.2f}/"
          f"{greedy:.2f}")
