"""A GPT in one file: embeddings, causal self-attention, MLP, blocks, and a KV cache for sampling.

Config and module names follow nanoGPT (n_layer, n_head, n_embd, block_size; wte, wpe, h, ln_1, attn.c_attn,
attn.c_proj, ln_2, mlp.c_fc, mlp.c_proj, ln_f, lm_head) so the two can be read side by side. The state-dict keys
differ by one level: nanoGPT (like Hugging Face's GPT-2) keeps the trunk in a ``transformer`` ModuleDict, GPT here
holds it directly. Every key but ``lm_head``'s gains the prefix ``transformer.`` in nanoGPT:

  here                    nanoGPT and Hugging Face GPT2LMHeadModel
  wte.weight              transformer.wte.weight
  wpe.weight              transformer.wpe.weight
  h.N.ln_1.weight, .bias  transformer.h.N.ln_1.weight, .bias      (and ln_2 alike)
  h.N.attn.c_attn.weight  transformer.h.N.attn.c_attn.weight      (and attn.c_proj, mlp.c_fc, mlp.c_proj alike)
  ln_f.weight, .bias      transformer.ln_f.weight, .bias
  lm_head.weight          lm_head.weight                          (the same tensor as wte.weight when tied)
Hugging Face stores the c_attn, c_proj and c_fc matrices transposed (its Conv1D, not nn.Linear), as nanoGPT's
``from_pretrained`` notes. The keys stay as they are: renaming them would break every saved checkpoint.

Shapes in comments: B batch, T tokens in this call, S tokens attended to (T plus the cache), C = n_embd,
nh heads, hs = C // nh head size, V vocabulary.

Every place where the model can be regularized is named here:
  emb_dropout    after token + position embeddings          (ModelConfig.emb_dropout)
  emb noise      uniform noise on token embeddings, NEFTune   (ModelConfig.emb_noise_alpha)
  attn_dropout   on the attention probabilities             (ModelConfig.attn_dropout, per-layer schedule)
  resid_dropout  on each residual branch's output           (ModelConfig.resid_dropout, per-layer schedule)
  drop_path      whole residual branches, per sequence       (ModelConfig.drop_path, linear in depth)
All of them are active only in training mode; ``model.eval()`` turns every one off. Their random draws come from
``model.use_generator(g)``'s generator when one is set (the Trainer sets its own, so a run is reproducible even while
other threads use torch's global random state), else from the global one.
"""

from __future__ import annotations

import contextlib
import math

import torch
import torch.nn as nn
import torch.nn.functional as F

from .config import ModelConfig


@contextlib.contextmanager
def eval_mode(model: nn.Module):
    """Run the block in eval mode (every regularizer off), then give the model back its own mode."""
    was_training = model.training
    model.eval()
    try:
        yield model
    finally:
        model.train(was_training)


class KVCache:
    """Keys and values of every layer for the tokens processed so far, so each new token costs O(S), not O(S^2).

    Preallocated to ``block_size``; ``length`` is how many positions are filled.
    """

    def __init__(self, config: ModelConfig, batch_size: int, device=None, dtype=torch.float32):
        hs = config.n_embd // config.n_head
        shape = (config.n_layer, batch_size, config.n_head, config.block_size, hs)
        self.k = torch.zeros(shape, device=device, dtype=dtype)
        self.v = torch.zeros(shape, device=device, dtype=dtype)
        self.length = 0

    def update(self, layer: int, k: torch.Tensor, v: torch.Tensor):
        """Store k, v (B, nh, T, hs) after the cached positions and return all of them (B, nh, S, hs)."""
        start, end = self.length, self.length + k.size(2)
        self.k[layer, :, :, start:end] = k
        self.v[layer, :, :, start:end] = v
        return self.k[layer, :, :, :end], self.v[layer, :, :, :end]


def dropout(x: torch.Tensor, p: float, training: bool = True, generator: torch.Generator | None = None):
    """Inverted dropout: zero each element with probability p and scale the rest by 1 / (1 - p).

    On the CPU a random float per element costs more than the matmuls of a small model. There one 64-bit random
    number gives eight mask bytes, about ten times cheaper, with p rounded to a multiple of 1/256 (0.1 -> 26/256).
    """
    if not training or p == 0.0:
        return x
    threshold = round(p * 256)
    if x.device.type != "cpu" or not 0 < threshold < 256:  # other devices, or p too near 0 or 1 for bytes
        keep = torch.rand(x.shape, device=x.device, generator=generator) >= p
        return x * keep.to(x.dtype) / (1 - p)
    words = torch.empty((x.numel() + 7) // 8, dtype=torch.int64).random_(-(2**63), None, generator=generator)
    keep = words.view(torch.uint8)[: x.numel()].view(x.shape) >= threshold
    return x * keep.to(x.dtype).mul_(256 / (256 - threshold))  # one float mask: backward is a single multiply


class NoiseSource:
    """The random stream that every dropout mask and noise sample of one model is drawn from, on any device.

    A torch.Generator lives on one device, and torch will not draw CUDA numbers from a CPU generator. Yet a model
    is trained on one device (the Trainer's ``noise_gen`` is made there) and may then be moved, e.g. trained on the
    CPU and sampled with ``mc_dropout=True`` after ``.to("cuda")``. So a noise site asks for the generator of the
    device of the tensor it is about to perturb, at the moment it draws:
      - on ``home``'s own device it gets ``home`` itself: the same draws as before there was a NoiseSource, bit for
        bit (a CPU-only run never sees anything else);
      - on another device it gets a twin generator there, made on first use and kept, seeded with
        ``home.initial_seed()``: deterministic, ``home`` is left untouched, and one twin per device is shared by
        every site, so their masks are not copies of each other.
    Looking the device up at the draw, rather than re-homing the generator when the model moves (overriding
    ``nn.Module._apply``), needs no hook into torch's private API, also covers a model moved piece by piece, and
    leaves the Trainer's ``noise_gen`` the model's stream on the training device.
    """

    def __init__(self, home: torch.Generator):
        self.home = home
        self.twins: dict[torch.device, torch.Generator] = {}

    def generator_for(self, device: torch.device) -> torch.Generator:
        """The generator to draw with for a tensor on ``device``."""
        if self.home.device == device:
            return self.home
        if device not in self.twins:
            self.twins[device] = torch.Generator(device=device).manual_seed(self.home.initial_seed())
        return self.twins[device]


def _generator(noise: NoiseSource | None, device: torch.device) -> torch.Generator | None:
    return None if noise is None else noise.generator_for(device)


class Dropout(nn.Module):
    """``dropout`` as a module, so ``model.eval()`` switches it off like nn.Dropout.

    ``p`` is the configured rate; ``scale`` (1 unless :meth:`GPT.set_dropout_scale` changed it) multiplies it at
    run time, so a training schedule can switch dropout off and on without rebuilding the model.
    """

    def __init__(self, p: float):
        super().__init__()
        self.p = p
        self.scale = 1.0
        self.noise: NoiseSource | None = None  # see GPT.use_generator

    @property
    def rate(self) -> float:
        """The rate in force: ``p * scale``."""
        return self.p * self.scale

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if not self.training or self.rate == 0.0:  # nothing to draw: do not make a generator for it
            return x
        return dropout(x, self.rate, generator=_generator(self.noise, x.device))

    def extra_repr(self) -> str:
        return f"p={self.p}" + ("" if self.scale == 1.0 else f", scale={self.scale}")


class CausalSelfAttention(nn.Module):
    def __init__(self, config: ModelConfig, layer: int):
        super().__init__()
        self.layer, self.n_head = layer, config.n_head
        self.c_attn = nn.Linear(config.n_embd, 3 * config.n_embd, bias=config.bias)  # q, k, v in one matmul
        self.c_proj = nn.Linear(config.n_embd, config.n_embd, bias=config.bias)
        self.attn_dropout = Dropout(config.rate("attn", layer))
        self.resid_dropout = Dropout(config.rate("resid", layer))
        self.manual = config.attention == "manual"
        allowed = torch.tril(torch.ones(config.block_size, config.block_size, dtype=torch.bool))
        # the causal mask as a term added to the scores: 0 where a query may attend, -inf where it may not
        self.register_buffer("mask", torch.zeros(allowed.shape).masked_fill(~allowed, float("-inf")), persistent=False)

    def forward(self, x: torch.Tensor, cache: KVCache | None = None) -> torch.Tensor:
        B, T, C = x.shape
        q, k, v = self.c_attn(x).split(C, dim=2)
        q, k, v = (t.view(B, T, self.n_head, C // self.n_head).transpose(1, 2) for t in (q, k, v))  # (B, nh, T, hs)
        past = 0
        if cache is not None:
            past = cache.length
            k, v = cache.update(self.layer, k, v)  # (B, nh, S, hs), S = past + T
        if self.manual or (self.attn_dropout.training and self.attn_dropout.rate > 0):  # dropout needs the weights
            y = self.manual_attention(q, k, v, past)
        elif past and T > 1:  # a prompt after a cache: query t may see keys up to past + t
            mask = torch.ones(T, past + T, dtype=torch.bool, device=x.device).tril(diagonal=past)
            y = F.scaled_dot_product_attention(q, k, v, attn_mask=mask)
        else:  # no cache, or one new token that may see everything before it
            y = F.scaled_dot_product_attention(q, k, v, is_causal=past == 0)
        y = y.transpose(1, 2).contiguous().view(B, T, C)  # re-assemble heads side by side
        return self.resid_dropout(self.c_proj(y))

    def manual_attention(self, q, k, v, past: int = 0) -> torch.Tensor:
        """Attention written out: scores, causal mask, softmax, dropout, weighted sum of values."""
        B, nh, T, hs = q.shape
        S = k.size(2)
        # scores q.k / sqrt(hs) plus the mask (no peeking at later tokens) in one pass: scaling and masking the
        # (B, nh, T, S) scores as two more passes, with their backward, cost a tenth of a training step here
        att = torch.baddbmm(self.mask[past:past + T, :S], q.reshape(B * nh, T, hs),
                            k.reshape(B * nh, S, hs).transpose(1, 2), alpha=1 / math.sqrt(hs)).view(B, nh, T, S)
        att = self.attn_dropout(F.softmax(att, dim=-1))
        return att @ v  # (B, nh, T, hs)


class MLP(nn.Module):
    def __init__(self, config: ModelConfig, layer: int):
        super().__init__()
        self.c_fc = nn.Linear(config.n_embd, 4 * config.n_embd, bias=config.bias)
        self.gelu = nn.GELU()
        self.c_proj = nn.Linear(4 * config.n_embd, config.n_embd, bias=config.bias)
        self.dropout = Dropout(config.rate("resid", layer))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.dropout(self.c_proj(self.gelu(self.c_fc(x))))


class DropPath(nn.Module):
    """Stochastic depth (Huang et al., 2016): skip a residual branch for a whole sequence with probability p.

    Kept branches are scaled by 1 / (1 - p) so the expected output is unchanged and eval needs no rescaling.
    """

    def __init__(self, p: float):
        super().__init__()
        self.p = p
        self.noise: NoiseSource | None = None  # see GPT.use_generator

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if not self.training or self.p == 0.0:
            return x
        keep = torch.empty(x.size(0), 1, 1, device=x.device, dtype=x.dtype)
        keep.bernoulli_(1 - self.p, generator=_generator(self.noise, x.device))
        return x * keep / (1 - self.p)


class Block(nn.Module):
    """Pre-LayerNorm transformer block: x + attn(ln(x)), then x + mlp(ln(x))."""

    def __init__(self, config: ModelConfig, layer: int):
        super().__init__()
        self.ln_1 = nn.LayerNorm(config.n_embd, bias=config.bias)
        self.attn = CausalSelfAttention(config, layer)
        self.ln_2 = nn.LayerNorm(config.n_embd, bias=config.bias)
        self.mlp = MLP(config, layer)
        self.drop_path = DropPath(config.drop_path * (layer + 1) / config.n_layer)  # deeper blocks drop more

    def forward(self, x: torch.Tensor, cache: KVCache | None = None) -> torch.Tensor:
        x = x + self.drop_path(self.attn(self.ln_1(x), cache))
        return x + self.drop_path(self.mlp(self.ln_2(x)))


class GPT(nn.Module):
    """A decoder-only transformer language model.

    ``model(idx)`` returns logits (B, T, V) for every position; ``model(idx, targets)`` returns
    ``(logits, loss)`` with the mean cross-entropy over targets that are not -1.
    ``seed`` makes the initial weights the same whatever the global random state (they are drawn from a generator
    of their own).
    """

    def __init__(self, config: ModelConfig, seed: int | None = None):
        super().__init__()
        self.config = config
        self.wte = nn.Embedding(config.vocab_size, config.n_embd)
        self.wpe = nn.Embedding(config.block_size, config.n_embd)
        self.emb_dropout = Dropout(config.rate("emb"))
        self.h = nn.ModuleList(Block(config, i) for i in range(config.n_layer))
        self.ln_f = nn.LayerNorm(config.n_embd, bias=config.bias)
        self.lm_head = nn.Linear(config.n_embd, config.vocab_size, bias=False)
        if config.tie_weights:
            self.lm_head.weight = self.wte.weight
        self.noise: NoiseSource | None = None  # for the embedding noise; see use_generator
        self._init_weights(None if seed is None else torch.Generator().manual_seed(seed))

    def _init_weights(self, g: torch.Generator | None) -> None:
        """GPT-2 init: N(0, 0.02), with the residual projections shrunk by 1/sqrt(2 n_layer) (Radford et al., 2019)."""
        for name, p in self.named_parameters():  # named_parameters lists a tied matrix once
            if name.endswith("c_proj.weight"):
                nn.init.normal_(p, 0.0, 0.02 / math.sqrt(2 * self.config.n_layer), generator=g)
            elif p.dim() >= 2:
                nn.init.normal_(p, 0.0, 0.02, generator=g)
            elif name.endswith("bias"):
                nn.init.zeros_(p)
            else:  # LayerNorm gains
                nn.init.ones_(p)

    def num_params(self, non_embedding: bool = False) -> int:
        """Parameter count (a tied matrix once); ``non_embedding`` leaves out the position embedding, as nanoGPT."""
        n = sum(p.numel() for p in self.parameters())
        return n - self.wpe.weight.numel() if non_embedding else n

    def set_dropout_scale(self, scale: float) -> None:
        """Multiply the rate of every dropout site by ``scale`` in [0, 1] from now on (0 switches dropout off, 1
        restores the configured rates); stochastic depth and embedding noise are left alone. A training schedule
        over steps (``TrainConfig.dropout_window``) uses it."""
        if not 0.0 <= scale <= 1.0:
            raise ValueError(f"scale={scale!r} is out of range: allowed a number in [0.0, 1.0]")
        for module in self.modules():
            if isinstance(module, Dropout):
                module.scale = float(scale)

    def use_generator(self, generator: torch.Generator | None) -> None:
        """Draw every dropout mask and noise sample from ``generator``; None: from torch's global one.

        The generator follows the model: on another device than ``generator``'s, the draws come from a generator
        there seeded from it (see NoiseSource), so a model trained on the CPU can be moved and sampled with
        Monte Carlo dropout anywhere.
        """
        noise = None if generator is None else NoiseSource(generator)
        for module in self.modules():
            if isinstance(module, (Dropout, DropPath, GPT)):
                module.noise = noise

    def final_layers(self) -> list[nn.Module]:
        """The last block and the output head: what ``TrainConfig(decay_final_layers=False)`` spares from decay."""
        return [self.h[-1], self.lm_head]

    def first_layers(self) -> list[nn.Module]:
        """The token embedding and the first block, the mirror image of :meth:`final_layers` (the same shapes when
        the head is untied): what ``TrainConfig(decay_first_layers=False)`` spares from decay."""
        return [self.wte, self.h[0]]

    def forward(self, idx: torch.Tensor, targets: torch.Tensor | None = None, cache: KVCache | None = None):
        B, T = idx.shape
        start = cache.length if cache is not None else 0
        if start + T > self.config.block_size:
            raise ValueError(
                f"sequence of {start + T} tokens is out of range: allowed at most block_size={self.config.block_size}"
            )
        tok = self.wte(idx)  # (B, T, C)
        if self.training and self.config.emb_noise_alpha > 0:  # NEFTune (Jain et al., 2023)
            scale = self.config.emb_noise_alpha / math.sqrt(T * self.config.n_embd)
            tok = tok + torch.empty_like(tok).uniform_(-scale, scale, generator=_generator(self.noise, tok.device))
        pos = self.wpe(torch.arange(start, start + T, device=idx.device))  # (T, C)
        x = self.emb_dropout(tok + pos)
        for block in self.h:
            x = block(x, cache)
        if cache is not None:
            cache.length += T
        logits = self.lm_head(self.ln_f(x))  # (B, T, V)
        if targets is None:
            return logits
        loss = F.cross_entropy(logits.view(-1, logits.size(-1)).float(), targets.reshape(-1), ignore_index=-1)
        return logits, loss
