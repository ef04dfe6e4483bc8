"""Reinforcement learning with verifiable rewards: policy-gradient fine-tuning where a checker is the reward.

The loop is REINFORCE (Williams, 1992) with the baseline of GRPO (Shao et al., 2024): for each prompt the policy
samples a *group* of ``group_size`` completions, a reward function scores each (here: a world's checker, 1 for a
right answer and 0 for a wrong one; see :func:`checker_reward`), and each completion's advantage is its reward
minus the mean reward of its group. The gradient step raises the log-probability of completions that beat their
group and lowers the others':

    loss = -1/N sum_i A_i * log pi(completion_i | prompt_i)  +  kl_coef * 1/N sum_i KL_i

where N is the number of completions of the step, ``log pi`` sums over the completion's tokens (up to and including
the terminator) and ``KL_i`` is the exact KL divergence KL(pi || pi_ref), summed over the completion's positions,
from the current policy to the frozen starting model (computed over the whole vocabulary at each position, which
for a character vocabulary is cheap, and exactly zero when the policy is the starting model). A group whose
completions all got the same reward has zero advantage everywhere and teaches nothing; the history counts them.

The policy is run in eval mode throughout (no dropout, no noise), so the completions are samples of the very
distribution whose gradient is taken. Prompts are batched only with prompts of the same token length: the model
has learned absolute positions, so there is no left padding. The loop never prints; ``on_step(history)`` carries
progress out, and ``stop`` (a :class:`threading.Event`) ends it after the current step.

BibTeX keys in book/references.bib: williams1992simple (REINFORCE), shao2024deepseekmath (GRPO).
"""

from __future__ import annotations

import copy
import math
import threading
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field

import torch
import torch.nn.functional as F

from .config import Config, check, check_bool, check_int, check_real, doc
from .sample import generate


@dataclass(frozen=True)
class RLConfig(Config):
    """How to fine-tune with rewards: rollouts, baseline, KL penalty, optimizer."""

    steps: int = doc(100, "policy-gradient updates")
    prompts_per_step: int = doc(16, "prompts drawn (with replacement) for each update")
    group_size: int = doc(8, "completions sampled per prompt; their mean reward is each one's baseline (GRPO)")
    lr: float = doc(1e-4, "AdamW learning rate (constant; no weight decay)")
    kl_coef: float = doc(0.0, "weight of the KL penalty to the starting model; 0 = no penalty (KL is still logged)")
    temperature: float = doc(1.0, "sampling temperature of the rollouts (> 0: the policy gradient needs samples)")
    max_new_tokens: int = doc(8, "longest completion sampled; one that never reaches the terminator is cut there")
    normalize_advantages: bool = doc(False, "divide each group's advantages by its reward std (as GRPO does)")
    grad_clip: float = doc(1.0, "clip the global gradient norm; 0 disables")
    seed: int = doc(0, "prompt draws and rollout sampling")

    def __post_init__(self):
        check_int("steps", self.steps, 0)
        check_int("prompts_per_step", self.prompts_per_step, 1)
        check_int("group_size", self.group_size, 2)  # one completion per group has a zero advantage: nothing to learn
        check_real("lr", self.lr, 0.0, 1.0, low_open=True)
        check_real("kl_coef", self.kl_coef, 0.0, 1e6)
        check_real("temperature", self.temperature, 0.0, 100.0, low_open=True)
        check_int("max_new_tokens", self.max_new_tokens, 1)
        check_bool("normalize_advantages", self.normalize_advantages)
        check_real("grad_clip", self.grad_clip, 0.0, 1e6)
        check_int("seed", self.seed)


@dataclass
class RLHistory:
    """What the loop measured, one entry per update: the mean reward of its rollouts, the mean KL to the starting
    model per completion (nats), the gradient norm before clipping, and the share of groups whose rewards were all
    equal (no signal)."""

    step: list[int] = field(default_factory=list)
    reward: list[float] = field(default_factory=list)
    kl: list[float] = field(default_factory=list)
    grad_norm: list[float] = field(default_factory=list)
    flat_groups: list[float] = field(default_factory=list)
    stop_reason: str = "running"  # "completed" or "stopped"

    def to_dict(self) -> dict:
        return asdict(self)


def checker_reward(check: Callable[[str, str], bool]) -> Callable[[str, str], float]:
    """The verifiable reward of a checker: 1.0 for a completion that ``check(prompt, completion)`` accepts, else 0.0."""
    return lambda prompt, completion: 1.0 if check(prompt, completion) else 0.0


def group_advantages(rewards: torch.Tensor, group_size: int, normalize: bool = False) -> torch.Tensor:
    """Advantages of rewards (N,) laid out as consecutive groups of ``group_size``: reward minus its group's mean,
    divided by the group's standard deviation when ``normalize`` (a group with std 0 keeps zeros). Returns (N,)."""
    check_int("group_size", group_size, 1)
    check("rewards", tuple(rewards.shape), rewards.dim() == 1 and rewards.numel() % group_size == 0,
           f"a 1-D tensor whose length is a multiple of group_size={group_size}")
    g = rewards.view(-1, group_size).float()
    adv = g - g.mean(dim=1, keepdim=True)
    if normalize:
        std = g.std(dim=1, keepdim=True, unbiased=False)
        adv = torch.where(std > 0, adv / std.clamp(min=1e-8), torch.zeros_like(adv))
    return adv.reshape(-1)


def completion_mask(completions: torch.Tensor, terminator_id: int) -> torch.Tensor:
    """(B, M) bool: True on each completion's tokens up to and including its first terminator (all M without one)."""
    is_end = completions == terminator_id
    ended_before = (is_end.cumsum(dim=1) - is_end.long()) > 0  # a terminator strictly earlier in the row
    return ~ended_before


def sequence_logprob_and_kl(model, reference, rows: torch.Tensor, prompt_len: int, mask: torch.Tensor):
    """Log-probability of each row's completion under ``model`` and its KL to ``reference``.

    ``rows`` (B, L + M) are prompts of length L followed by M sampled tokens; ``mask`` (B, M) marks the tokens that
    count. Returns ``(logp, kl)``, each (B,): the summed log-probability (nats) of the masked completion tokens,
    with gradient, and the exact KL(model || reference) summed over the same positions (zero when the two models
    are equal; with gradient through ``model`` only; zeros when ``reference`` is None).
    """
    logits = model(rows[:, :-1])[:, prompt_len - 1 :].float()  # (B, M, V): position j predicts token L + j
    logp_all = F.log_softmax(logits, dim=-1)
    target = rows[:, prompt_len:]
    logp = (logp_all.gather(-1, target.unsqueeze(-1)).squeeze(-1) * mask).sum(dim=1)
    if reference is None:
        return logp, torch.zeros_like(logp)
    with torch.no_grad():
        ref_all = F.log_softmax(reference(rows[:, :-1])[:, prompt_len - 1 :].float(), dim=-1)
    kl = ((logp_all.exp() * (logp_all - ref_all)).sum(dim=-1) * mask).sum(dim=1)
    return logp, kl


def policy_gradient(
    model,
    tokenizer,
    prompts: Sequence[str],
    reward: Callable[[str, str], float],
    config: RLConfig | None = None,
    *,
    terminator: str = "\n",
    on_step: Callable[[RLHistory], None] | None = None,
    stop: threading.Event | None = None,
) -> RLHistory:
    """Fine-tune ``model`` in place with REINFORCE and a group-mean baseline; returns the :class:`RLHistory`.

    ``prompts``: the prompt strings rollouts are drawn from; ``reward(prompt, completion) -> float`` scores a
    completion (decoded, cut before the first ``terminator``). The starting model is copied once and frozen as the
    KL reference. ``on_step(history)`` runs after every update (e.g. to evaluate checkpoints). The model's modes
    are restored afterwards.
    """
    cfg = config or RLConfig()
    if not isinstance(cfg, RLConfig):
        raise ValueError(f"config: must be an RLConfig, got {type(cfg).__name__}")
    check("prompts", len(prompts), len(prompts) > 0, "a non-empty sequence of prompt strings")
    encoded = [tokenizer.encode(p) for p in prompts]
    check("prompts", "", all(len(e) > 0 for e in encoded), "non-empty prompt strings")
    # the model reads every token but the last sampled one: longest prompt + max_new_tokens - 1 must fit the block
    room = model.config.block_size + 1 - max(len(e) for e in encoded)
    check("max_new_tokens", cfg.max_new_tokens, cfg.max_new_tokens <= room,
           f"at most block_size + 1 - longest prompt = {room}")
    end_ids = tokenizer.encode(terminator)
    check("terminator", terminator, len(end_ids) == 1, "a string of exactly one token")
    end_id = end_ids[0]

    device = next(model.parameters()).device
    modes = {m: m.training for m in model.modules()}
    reference = copy.deepcopy(model).eval()
    for p in reference.parameters():
        p.requires_grad_(False)
    optimizer = torch.optim.AdamW(model.parameters(), lr=cfg.lr, betas=(0.9, 0.95), weight_decay=0.0)
    draw_gen = torch.Generator().manual_seed(cfg.seed)
    sample_gen = torch.Generator(device=device).manual_seed(cfg.seed + 1)
    history = RLHistory()
    clip = cfg.grad_clip if cfg.grad_clip > 0 else math.inf
    try:
        model.eval()  # rollouts and gradients from the same (dropout-free) policy
        for step in range(cfg.steps):
            if stop is not None and stop.is_set():
                history.stop_reason = "stopped"
                break
            chosen = torch.randint(len(prompts), (cfg.prompts_per_step,), generator=draw_gen).tolist()
            by_length: dict[int, list[int]] = {}
            for i in chosen:
                by_length.setdefault(len(encoded[i]), []).append(i)
            n_total = cfg.prompts_per_step * cfg.group_size
            optimizer.zero_grad(set_to_none=True)
            rewards_all, kl_sum, flat = [], 0.0, 0
            for length in sorted(by_length):
                group = by_length[length]
                idx = torch.tensor([encoded[i] for i in group for _ in range(cfg.group_size)], device=device)
                rows = generate(model, idx, cfg.max_new_tokens, temperature=cfg.temperature, generator=sample_gen)
                completions = rows[:, length:]
                mask = completion_mask(completions, end_id)
                texts = [tokenizer.decode(c, skip_specials=False).split(terminator, 1)[0]
                         for c in completions.tolist()]
                r = torch.tensor([float(reward(prompts[group[j // cfg.group_size]], t)) for j, t in enumerate(texts)],
                                 device=device)
                adv = group_advantages(r, cfg.group_size, cfg.normalize_advantages)
                flat += int((r.view(-1, cfg.group_size).std(dim=1, unbiased=False) == 0).sum())
                logp, kl = sequence_logprob_and_kl(model, reference, rows, length, mask)
                loss = (-(adv * logp).sum() + cfg.kl_coef * kl.sum()) / n_total
                loss.backward()  # gradients of every length group add up to the one step
                rewards_all.append(r)
                kl_sum += float(kl.detach().sum())
            grad_norm = torch.nn.utils.clip_grad_norm_(model.parameters(), clip)
            optimizer.step()
            history.step.append(step + 1)
            history.reward.append(float(torch.cat(rewards_all).mean()))
            history.kl.append(kl_sum / n_total)
            history.grad_norm.append(float(grad_norm))
            history.flat_groups.append(flat / cfg.prompts_per_step)
            if on_step is not None:
                on_step(history)
        else:
            history.stop_reason = "completed"
    finally:
        for m, mode in modes.items():
            m.train(mode)
    return history
