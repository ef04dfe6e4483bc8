"""Sampling from a GPT: temperature (0 = greedy), top-k, top-p, batched, with a KV cache; and greedy decoding
written out by hand, to check which sampler settings reduce to it (:func:`reductions`)."""

from __future__ import annotations

import torch
import torch.nn.functional as F

from .config import SampleConfig, check_int
from .model import GPT, Dropout, KVCache, eval_mode
from .timing import timed

# How many tokens generate writes between two checks that every row has written ``stop_token``: the check reads a
# flag back from the device, a sync that stalls a GPU's queue at every token, free on the CPU (where checking every
# token spares decoding the tokens after it). Devices not listed: 8. The tokens returned are the same either way.
STOP_CHECK_EVERY = {"cpu": 1}


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


@timed("decode")
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
    stop_token: int | None = None,
) -> torch.Tensor:
    """Continue each row of ``idx`` (B, T) by ``max_new_tokens`` tokens; returns (B, T + max_new_tokens).

    ``stop_token``: stop as soon as every row has written it (returns (B, T + n), n <= ``max_new_tokens``); a row
    that wrote it earlier is filled with it from there on. Each row's tokens up to its first ``stop_token`` are the
    ones a run without it writes; only the draws left unmade (and so ``generator``'s state afterwards) differ.

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
    if stop_token is not None:
        check_int("stop_token", stop_token, 0, model.config.vocab_size - 1)
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
            done = torch.zeros(idx.size(0), 1, dtype=torch.bool, device=idx.device)
            check_every, prompt = STOP_CHECK_EVERY.get(idx.device.type, 8), idx.size(1)
            for step in range(cfg.max_new_tokens):
                if cache is not None and cache.length + new.size(1) <= block:
                    logits = model(new, cache=cache)
                else:  # no cache, or the window slides: recompute the last block_size tokens
                    cache = None
                    logits = model(idx[:, -block:])
                tok = next_token(logits[:, -1, :], cfg.temperature, cfg.top_k, cfg.top_p, generator)
                if stop_token is not None:
                    tok = tok.masked_fill(done, stop_token)
                    done |= tok == stop_token
                idx = torch.cat([idx, tok], dim=1)
                new = tok
                if stop_token is not None and (step + 1) % check_every == 0 and bool(done.all()):
                    break
            if stop_token is not None and bool(done.all()):  # cut the columns after the last row's stop token
                ended = (idx[:, prompt:] == stop_token).int().argmax(dim=1)  # each row's first stop token
                idx = idx[:, :prompt + int(ended.max()) + 1]
        return idx.clone()  # a normal tensor again, usable as training data
    finally:
        for m, mode in modes.items():
            m.train(mode)


def greedy_ids(model: GPT, idx: torch.Tensor, max_new_tokens: int) -> torch.Tensor:
    """Greedy decoding written out, without the KV cache: append the argmax of the last logits, again and
    again. (B, T) -> (B, T + max_new_tokens). The reference :func:`reductions` compares the samplers with."""
    with eval_mode(model), torch.no_grad():
        for _ in range(max_new_tokens):
            logits = model(idx[:, -model.config.block_size:])
            idx = torch.cat([idx, logits[:, -1, :].argmax(dim=-1, keepdim=True)], dim=1)
    return idx


def reductions(model: GPT, idx: torch.Tensor, max_new_tokens: int, seed: int = 0) -> dict[str, dict]:
    """What the samplers reduce to: for each setting, the sampled ids and how many tokens differ from
    :func:`greedy_ids` (``{"ids": (B, T') tensor, "differ": int, "same": bool}``).

    Temperature 0 takes the argmax without dividing by T; top-k = 1 keeps only the most likely token, so any
    temperature then samples it; top-p near 0 keeps the smallest nucleus, which is always the most likely
    token. A small but positive temperature only *nearly* reduces to greedy: a token whose runner-up is close
    is still sometimes drawn.
    """
    reference = greedy_ids(model, idx, max_new_tokens)
    settings = {"temperature 0": {"temperature": 0.0},
                "top-k 1, temperature 1": {"temperature": 1.0, "top_k": 1},
                "top-k 1, temperature 1.6": {"temperature": 1.6, "top_k": 1},
                "top-p 1e-6, temperature 1": {"temperature": 1.0, "top_p": 1e-6},
                "temperature 0.2": {"temperature": 0.2},
                "temperature 1": {"temperature": 1.0}}
    out = {}
    for name, kw in settings.items():
        ids = generate(model, idx, max_new_tokens, generator=torch.Generator().manual_seed(seed), **kw)
        differ = int((ids != reference).sum())
        out[name] = {"ids": ids, "differ": differ, "same": differ == 0}
    out["greedy, written out"] = {"ids": reference, "differ": 0, "same": True}
    return out
