"""The effects the book is built on, checked with our own code at a scale that runs in seconds.

Each test is a small seeded experiment: a world, a model, a training run, a measurement, and the assertion the
book's verdict depends on. The assertions are the claims, not tuned-down versions of them; where a setting had
to be chosen for the effect to appear at this scale, the comment says which and why.
"""

from __future__ import annotations

import os

import pytest
import torch

from minigpt import GPT, CharTokenizer, ModelConfig, TrainConfig, Trainer, generate
from minigpt import metrics as M
from minigpt.worlds import (
    AdditionConfig,
    FactsConfig,
    ModularConfig,
    StoriesConfig,
    make_addition,
    make_facts,
    make_modular,
    make_stories,
    recall,
    split_sentences,
)
from minigpt.worlds.stories import is_valid

pytestmark = [pytest.mark.slow, pytest.mark.usefixtures("one_thread")]
# One seed in the test suite; `MINIGPT_EFFECT_SEEDS=0,1,2 pytest tests/test_effects.py -s` checks more and prints
# the measured numbers quoted in the comments below.
SEEDS = [int(s) for s in os.environ.get("MINIGPT_EFFECT_SEEDS", "0").split(",")]



def _train(model: GPT, data, **train) -> GPT:
    Trainer(model, TrainConfig(eval_interval=10**9, **train), data).fit()
    return model


# ---------------------------------------------------------------------------------------------------------
# 1. dropout slows the memorisation of facts
#
# 48 people x 2 attributes as Q/A rows (the recitation probes of a 96-person world), 300 steps of batch 32.
# Measured recall of the training facts with dropout 0 vs 0.3: seed 0 1.00 vs 0.21, seed 1 1.00 vs 0.18,
# seed 2 1.00 vs 0.16.

FACTS_STEPS = 300


@pytest.mark.parametrize("seed", SEEDS)
def test_dropout_lowers_recall_of_training_facts_at_equal_steps(seed):
    world = make_facts(FactsConfig(n_people=96, attributes=("birth_city", "birth_year"), seed=seed))
    tok = CharTokenizer.from_text(world.alphabet)
    X, Y = world.qa_rows(tok, "recitation")  # Q/A rows, loss on the answers only
    rec = {}
    for p in (0.0, 0.3):
        cfg = ModelConfig(vocab_size=tok.vocab_size, block_size=X.shape[1], n_layer=2, n_head=4, n_embd=64,
                          dropout=p)
        model = _train(GPT(cfg, seed=seed), (X, Y), steps=FACTS_STEPS, batch_size=32, lr=3e-3, seed=seed)
        rec[p] = M.exact_match_recall(recall(model, tok, world.recitation, temperature=0))
    print(f"facts seed {seed}: recall with dropout 0 / 0.3: {rec[0.0]:.2f} / {rec[0.3]:.2f}")
    assert rec[0.0] > rec[0.3], rec


# ---------------------------------------------------------------------------------------------------------
# 2. weight decay makes modular addition grok
#
# Setting changed twice from the (1 layer, d=64, lr 1e-3, tied embeddings, half of the pairs):
# - untied embed/unembed and lr 3e-3: with tied ones the model without weight decay generalized partly on its own
#   (47-77% test accuracy), and at lr 1e-3 weight decay 1 had not grokked by step 2500;
# - then the world's split was fixed to keep a+b and b+a on the same side (before, about half of the test
#   problems had their mirror in training). With the honest split, the old setting (4 heads, d=64, half of the
#   pairs) no longer grokked: best test accuracy in 2500 steps 0.017, 0.017, 0.031 with weight decay 1 and 0.012,
#   0.015, 0.013 without (seeds 0-2: below chance, 1/31). So the claim is now tested where it holds: 70% of the
#   pairs for training, 2 heads, d=32 (cheaper too), budget 1500 steps. Measured on seeds 0, 1, 2: weight decay 1
#   passes 95% test accuracy at steps 900, 800 and 1200; weight decay 0 peaks at 0.17, 0.02 and 0.03 in 1500 steps.
#   Rerun 2026-12-02 with two torch threads, seed 0 reached only 0.91 by step 1500: the step of the jump depends on
#   floating-point details, so the tests run on one thread and assert "most of the test set" (> 0.75).
#   Sensitive to the initialization: the chapter's grok_modular (same setting, a wider position table, so another
#   init) passed 95% at steps 850 and 1350 on seeds 0 and 1 and not at all on seed 2 (best 0.61) within 1500.

GROK_STEPS = 1500


def _grok_run(weight_decay: float, seed: int, stop_at: float | None) -> list[float]:
    """Train on 70% of the pairs a+b mod 31, full batch; return the test accuracy every 100 steps (argmax
    decoding: the answer is one symbol and the newline, so this is exactly greedy accuracy)."""
    world = make_modular(ModularConfig(p=31, train_fraction=0.7, seed=seed))  # split by unordered pair
    tok = CharTokenizer.from_text(world.alphabet)
    X, Y = world.qa_rows(tok, "train")
    Xt, Yt = world.qa_rows(tok, "test")
    cfg = ModelConfig(vocab_size=tok.vocab_size, block_size=X.shape[1], n_layer=1, n_head=2, n_embd=32,
                      tie_weights=False)
    model = GPT(cfg, seed=seed)
    train = TrainConfig(steps=GROK_STEPS, batch_size=None, lr=3e-3, min_lr_ratio=1.0, betas=(0.9, 0.98),
                        weight_decay=weight_decay, decay_embeddings=True, eval_interval=10**9, seed=seed)
    trainer = Trainer(model, train, (X, Y))
    accs: list[float] = []

    def measure(t: Trainer) -> None:
        if t.step % 100:
            return
        model.eval()
        with torch.no_grad():
            pred = model(Xt).argmax(-1)
        model.train()
        accs.append(((pred == Yt) | (Yt < 0)).all(dim=1).float().mean().item())
        if stop_at is not None and accs[-1] > stop_at:
            t.stop()

    trainer.add_callback("on_step_end", measure)
    trainer.fit()
    greedy = world.accuracy(model, tok, "test")  # the shortcut above agrees with real decoding
    assert sum(greedy) / len(greedy) == pytest.approx(accs[-1])
    return accs


@pytest.mark.parametrize("seed", SEEDS)
def test_weight_decay_makes_modular_addition_grok(seed, one_thread):
    accs = _grok_run(1.0, seed, stop_at=0.95)
    # accs[0] is measured at step 100, accs[i] at step 100 * (i + 1)
    print(f"grokking seed {seed}: weight decay 1, best test accuracy {max(accs):.2f} by step {100 * len(accs)}")
    # the jump from near chance (1/31) to most of the test set; when it comes within the budget moves with the
    # floating-point details (thread count, vector unit), so the claim is "most of the test set", not a step
    assert max(accs) > 0.75, accs


@pytest.mark.parametrize("seed", SEEDS)
def test_without_weight_decay_modular_addition_does_not_grok(seed, one_thread):
    accs = _grok_run(0.0, seed, stop_at=None)
    print(f"grokking seed {seed}: weight decay 0, best test accuracy in {GROK_STEPS} steps {max(accs):.2f}")
    assert len(accs) == GROK_STEPS // 100 and max(accs) < 0.60, accs


# ---------------------------------------------------------------------------------------------------------
# 3. temperature trades validity for diversity
#
# 600 steps on the default 300 stories, 32 samples of 120 characters per temperature. Measured distinct-2 /
# validity at 0.3, 0.8, 1.3: seed 0 0.37/0.54, 0.72/0.23, 0.90/0.05; seed 1 0.37/0.44, 0.68/0.16, 0.89/0.06;
# seed 2 0.29/0.61, 0.64/0.28, 0.88/0.04.

STORIES_STEPS = 600


@pytest.mark.parametrize("seed", SEEDS)
def test_temperature_raises_diversity_and_lowers_validity(seed):
    world = make_stories(StoriesConfig(seed=seed))
    tok = CharTokenizer.from_text(world.alphabet)
    data = torch.tensor(tok.encode(world.train_text))
    cfg = ModelConfig(vocab_size=tok.vocab_size, block_size=64, n_layer=2, n_head=4, n_embd=64)
    model = _train(GPT(cfg, seed=seed), data, steps=STORIES_STEPS, batch_size=32, lr=3e-3, seed=seed)
    start = torch.tensor([tok.encode("\n")] * 32)
    distinct, valid = [], []
    for temperature in (0.3, 0.8, 1.3):
        gen = torch.Generator().manual_seed(seed)
        out = generate(model, start, 120, temperature=temperature, generator=gen)
        texts = [tok.decode(row[1:].tolist()) for row in out]
        sentences = [s for t in texts for s in split_sentences(t)]
        distinct.append(M.distinct_n(texts, 2))
        valid.append(M.validity_rate(sentences, is_valid))
    print(f"stories seed {seed}: distinct-2 / validity at 0.3, 0.8, 1.3: "
          + ", ".join(f"{d:.2f}/{v:.2f}" for d, v in zip(distinct, valid, strict=True)))
    assert distinct[0] < distinct[1] < distinct[2], distinct
    assert valid[0] > valid[1] > valid[2], valid


# ---------------------------------------------------------------------------------------------------------
# 4. majority vote sharpens a sampled model, and is a no-op at temperature 0
#
# 2-digit addition, 3000 training problems, 600 steps. Measured on 300 test problems, single sample at 0.8
# (mean over the 15 samples) / vote over 15 / greedy: seed 0 0.62/0.73/0.74, seed 1 0.73/0.83/0.83,
# seed 2 0.68/0.80/0.82. The vote beats one warm sample but not greedy decoding.

VOTE_STEPS = 600


@pytest.mark.parametrize("seed", SEEDS)
def test_majority_vote_beats_a_single_sample(seed):
    world = make_addition(AdditionConfig(n_digits=2, n_train=3000, n_test=300, seed=seed))
    tok = CharTokenizer.from_text(world.alphabet)
    X, Y = world.qa_rows(tok, "train")
    cfg = ModelConfig(vocab_size=tok.vocab_size, block_size=X.shape[1], n_layer=2, n_head=4, n_embd=64)
    model = _train(GPT(cfg, seed=seed), (X, Y), steps=VOTE_STEPS, batch_size=64, lr=3e-3, seed=seed)
    targets = [p.result for p in world.test]
    gen = torch.Generator().manual_seed(seed)
    warm = world.sample_answers(model, tok, "test", k=15, temperature=0.8, generator=gen)
    single = M.mean_sample_accuracy(warm, targets)
    assert 0.3 < single < 0.9, single  # the regime the claim is about
    assert M.majority_vote_accuracy(warm, targets) > single
    cold = world.sample_answers(model, tok, "test", k=15, temperature=0.0)
    greedy = world.accuracy(model, tok, "test", temperature=0.0)
    print(f"vote seed {seed}: single sample at 0.8 / vote over 15 / greedy: "
          f"{single:.2f}/{M.majority_vote_accuracy(warm, targets):.2f}/{sum(greedy) / len(greedy):.2f}")
    assert all(len(set(row)) == 1 for row in cold)  # every sample is the greedy answer ...
    assert M.majority_vote_accuracy(cold, targets) == sum(greedy) / len(greedy)  # ... so voting is a no-op
