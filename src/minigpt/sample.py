"""Sampling from a GPT: temperature (0 = greedy), top-k, top-p, batched, with a KV cache."""

from __future__ import annotations

import torch
import torch.nn.functional as F

from .config import SampleConfig
from .model import GPT, Dropout, KVCache


def filter_logits(logits: torch.Tensor, top_k: int | None = None, top_p: float | None = None) -> torch.Tensor:
    """Set to -inf every logit outside the top-k tokens and outside the nucleus of mass top_p. (B, V) -> (B, V).

    The nucleus (Holtzman et al., 2020) is the smallest set of most likely tokens whose probability reaches top_p;
    the most likely token is always kept.
    """
    if top_k is not None and top_k < logits.size(-1):
        kth = torch.topk(logits, top_k, dim=-1).values[..., -1:]
        logits = logits.masked_fill(logits < kth, float("-inf"))
    if top_p is not None and top_p < 1.0:
        sorted_logits, order = torch.sort(logits, dim=-1, descending=True)
        probs = F.softmax(sorted_logits, dim=-1)
        mass_before = probs.cumsum(dim=-1) - probs  # probability of the tokens ranked above this one
        drop_sorted = mass_before >= top_p
        drop = drop_sorted.scatter(-1, order, drop_sorted)  # back to vocabulary order
        logits = logits.masked_fill(drop, float("-inf"))
    return logits


def next_token(logits: torch.Tensor, temperature: float, top_k=None, top_p=None, generator=None) -> torch.Tensor:
    """Pick one token per row from logits (B, V) -> (B, 1). temperature 0 is argmax, with no division."""
    if temperature == 0:
        return logits.argmax(dim=-1, keepdim=True)
    logits = filter_logits(logits.float() / temperature, top_k, top_p)
    return torch.multinomial(F.softmax(logits, dim=-1), 1, generator=generator)


def generate(
    model: GPT,
    idx: torch.Tensor,
    max_new_tokens: int,
    temperature: float = 1.0,
    top_k: int | None = None,
    top_p: float | None = None,
    generator: torch.Generator | None = None,
    mc_dropout: bool = False,
    use_cache: bool = True,
) -> torch.Tensor:
    """Continue each row of ``idx`` (B, T) by ``max_new_tokens`` tokens; returns (B, T + max_new_tokens).

    Sampling runs in eval mode (no dropout, no noise). ``mc_dropout=True`` switches the dropout sites back on, and
    only them (no embedding noise, no stochastic depth): each new token then comes from a different thinned network
    (Monte Carlo dropout, Gal and Ghahramani, 2016). Every module's mode is restored afterwards. The masks come
    from the model's own noise generator (``GPT.use_generator``), which follows the model to any device;
    ``generator`` draws the tokens and must be on ``idx``'s device.

    The KV cache stores each layer's keys and values, so a new token attends to the past without recomputing it;
    the logits equal the uncached ones. Positions are learned and absolute, so the cache helps only while the whole
    sequence fits in ``block_size``: past that, the window slides, every token's position changes, and each new
    token recomputes the last ``block_size`` tokens from scratch (as the uncached path always does).
    """
    cfg = SampleConfig(max_new_tokens=max_new_tokens, temperature=temperature, top_k=top_k, top_p=top_p)
    if idx.dim() != 2 or idx.size(1) == 0:
        raise ValueError(f"idx of shape {tuple(idx.shape)} is out of range: allowed (B, T) with T >= 1")
    if generator is not None and generator.device != idx.device:  # torch's own error names neither argument
        raise ValueError(f"generator on {generator.device} is out of range for idx on {idx.device}: allowed a "
                         f"generator on {idx.device}, e.g. torch.Generator(device=idx.device).manual_seed(0)")
    block = model.config.block_size
    modes = {m: m.training for m in model.modules()}
    model.eval()
    if mc_dropout:
        for m in model.modules():
            if isinstance(m, Dropout):
                m.train()
    try:
        with torch.inference_mode():  # like no_grad, and cheaper per operation, which is most of a cached step
            cache = None
            if use_cache and idx.size(1) <= block:
                cache = KVCache(model.config, idx.size(0), device=idx.device, dtype=model.lm_head.weight.dtype)
            new = idx  # the tokens the model has not seen yet
            for _ in range(cfg.max_new_tokens):
                if cache is not None and cache.length + new.size(1) <= block:
                    logits = model(new, cache=cache)
                else:  # no cache, or the window slides: recompute the last block_size tokens
                    cache = None
                    logits = model(idx[:, -block:])
                tok = next_token(logits[:, -1, :], cfg.temperature, cfg.top_k, cfg.top_p, generator)
                idx = torch.cat([idx, tok], dim=1)
                new = tok
        return idx.clone()  # a normal tensor again, usable as training data
    finally:
        for m, mode in modes.items():
            m.train(mode)
