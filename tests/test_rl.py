"""The policy-gradient loop (minigpt.rl): it learns what the reward asks, its KL term starts at zero, it is
deterministic, and bad arguments are clear errors."""

from __future__ import annotations

import copy
import threading

import pytest
import torch

from minigpt import GPT, CharTokenizer, ModelConfig
from minigpt.rl import (
    RLConfig,
    checker_reward,
    completion_mask,
    group_advantages,
    policy_gradient,
    sequence_logprob_and_kl,
)

pytestmark = pytest.mark.usefixtures("one_thread")  # see tests/conftest.py


def _tiny(seed: int = 0):
    tok = CharTokenizer("ab\n")
    return GPT(ModelConfig(vocab_size=tok.vocab_size, block_size=8, n_layer=1, n_head=2, n_embd=16), seed=seed), tok


def _says_b(prompt: str, completion: str) -> float:
    return 1.0 if completion.startswith("b") else 0.0


def test_reward_rises_on_a_task_a_tiny_model_can_learn():
    # From random init "b" is one first token among the vocabulary's 6 (reward about 0.2); 40 updates learn it.
    model, tok = _tiny()
    cfg = RLConfig(steps=40, prompts_per_step=4, group_size=8, lr=3e-2, max_new_tokens=3, seed=0)
    h = policy_gradient(model, tok, ["a", "ab"], _says_b, cfg)
    assert h.stop_reason == "completed" and len(h.reward) == 40
    first, last = sum(h.reward[:5]) / 5, sum(h.reward[-5:]) / 5
    assert first < 0.5 and last > 0.9, (first, last)
    assert h.kl[-1] > 0  # it moved away from the starting model


def test_checker_reward_is_one_for_what_the_checker_accepts():
    reward = checker_reward(lambda prompt, completion: completion == prompt.upper())
    assert reward("ab", "AB") == 1.0 and reward("ab", "ab") == 0.0


def test_kl_term_is_zero_at_the_starting_model():
    model, tok = _tiny()
    rows = torch.tensor([[0, 1, 1, 2, 0], [1, 0, 2, 2, 2]])
    mask = completion_mask(rows[:, 2:], tok.encode("\n")[0])
    logp, kl = sequence_logprob_and_kl(model, copy.deepcopy(model), rows, 2, mask)
    assert torch.equal(kl, torch.zeros(2)) and (logp < 0).all()
    # in the loop: the first update's KL is measured before any step, so it is exactly zero
    h = policy_gradient(model, tok, ["a"], _says_b, RLConfig(steps=2, lr=1e-2, max_new_tokens=3, kl_coef=1.0))
    assert h.kl[0] == 0.0 and h.kl[1] > 0.0


def test_kl_penalty_keeps_the_policy_near_the_start():
    kls = []
    for coef in (0.0, 5.0):
        model, tok = _tiny()
        cfg = RLConfig(steps=25, prompts_per_step=4, lr=3e-2, max_new_tokens=3, kl_coef=coef)
        kls.append(policy_gradient(model, tok, ["a"], _says_b, cfg).kl[-1])
    assert kls[1] < kls[0], kls


def test_group_advantages_and_mask():
    r = torch.tensor([1.0, 0.0, 0.0, 0.0, 1.0, 1.0])
    torch.testing.assert_close(group_advantages(r, 3), torch.tensor([2 / 3, -1 / 3, -1 / 3, -2 / 3, 1 / 3, 1 / 3]))
    norm = group_advantages(torch.tensor([1.0, 0.0, 1.0, 1.0]), 2, normalize=True)
    torch.testing.assert_close(norm, torch.tensor([1.0, -1.0, 0.0, 0.0]))  # a flat group stays at zero
    mask = completion_mask(torch.tensor([[1, 2, 1, 2], [1, 1, 1, 1], [2, 0, 0, 0]]), 2)
    assert mask.tolist() == [[True, True, False, False], [True] * 4, [True, False, False, False]]
    with pytest.raises(ValueError, match="rewards"):
        group_advantages(torch.ones(5), 2)


def test_deterministic_modes_restored_and_stop():
    runs = []
    for _ in range(2):
        model, tok = _tiny()
        model.train()
        h = policy_gradient(model, tok, ["a", "ab"], _says_b, RLConfig(steps=3, lr=1e-2, max_new_tokens=3, seed=4))
        assert model.training  # the mode it had before
        runs.append((h.reward, h.kl, [p.detach().clone() for p in model.parameters()]))
    assert runs[0][:2] == runs[1][:2]
    assert all(torch.equal(a, b) for a, b in zip(runs[0][2], runs[1][2], strict=True))
    stop = threading.Event()
    stop.set()
    model, tok = _tiny()
    h = policy_gradient(model, tok, ["a"], _says_b, RLConfig(steps=5, max_new_tokens=3), stop=stop)
    assert h.stop_reason == "stopped" and h.step == []


@pytest.mark.parametrize(("field", "value", "allowed"), [
    ("group_size", 1, "an integer >= 2"),
    ("steps", -1, "an integer >= 0"),
    ("prompts_per_step", 0, "an integer >= 1"),
    ("lr", 0.0, r"a number in \(0.0, 1.0\]"),
    ("temperature", 0.0, r"a number in \(0.0, 100.0\]"),
    ("kl_coef", -0.1, r"a number in \[0.0, 1000000.0\]"),
    ("max_new_tokens", 0, "an integer >= 1"),
    ("normalize_advantages", 1, "True or False"),
])
def test_bad_config_values_name_the_field_and_range(field, value, allowed):
    with pytest.raises(ValueError, match=rf"^{field}={value!r} is out of range: allowed {allowed}"):
        RLConfig(**{field: value})


def test_bad_arguments_are_clear_errors():
    model, tok = _tiny()
    with pytest.raises(ValueError, match="^prompts=0 is out of range: allowed a non-empty"):
        policy_gradient(model, tok, [], _says_b)
    with pytest.raises(ValueError, match=r"^max_new_tokens=9 is out of range: allowed at most block_size \+ 1"):
        policy_gradient(model, tok, ["a"], _says_b, RLConfig(max_new_tokens=9))
    with pytest.raises(ValueError, match="^terminator='ab' is out of range"):
        policy_gradient(model, tok, ["a"], _says_b, RLConfig(max_new_tokens=3), terminator="ab")
    with pytest.raises(ValueError, match="^config: must be an RLConfig"):
        policy_gradient(model, tok, ["a"], _says_b, {"steps": 3})
