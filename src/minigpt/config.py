"""Frozen, validated configuration dataclasses.

Every field is checked in ``__post_init__``; a bad value raises ``ValueError`` naming the field, the value and
the allowed range, so a typo in a notebook fails at the line that made it rather than 500 steps later. The checks
below are the one validation helper of the package: the worlds' configs use them too.

Every field is declared with :func:`doc`, which keeps its one-line documentation next to its default and readable
by code (``dataclasses.fields(cls)[i].metadata["help"]``): the command line builds its flags and their help from it.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import MISSING, asdict, dataclass, field, fields
from types import SimpleNamespace


def doc(default=MISSING, text: str = ""):
    """A dataclass field with a default (none if left out) and its documentation ``text``, e.g.
    ``n_layer: int = doc(2, "transformer blocks")``."""
    if not text:
        raise ValueError("text: every config field needs its documentation, got ''")
    return field(default=default, metadata={"help": text})


def check(name: str, value, ok: bool, allowed: str) -> None:
    """The one validation helper: raise ``ValueError`` naming the field, its value and what is allowed."""
    if not ok:
        raise ValueError(f"{name}={value!r} is out of range: allowed {allowed}")


def is_int(value) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)  # True is an int to Python, never to a config


def check_int(name: str, value, low: int | None = None, high: int | None = None) -> None:
    """An integer, at least ``low`` and at most ``high`` where they are given."""
    ok = is_int(value) and (low is None or value >= low) and (high is None or value <= high)
    if low is None and high is None:
        allowed = "an integer"
    elif high is None:
        allowed = f"an integer >= {low}"
    elif low is None:
        allowed = f"an integer <= {high}"
    else:
        allowed = f"an integer in [{low}, {high}]"
    check(name, value, ok, allowed)


def check_real(name: str, value, low: float, high: float, *, low_open=False, high_open=False) -> None:
    ok = isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)
    ok = ok and (value > low if low_open else value >= low) and (value < high if high_open else value <= high)
    check(name, value, ok, f"a number in {'(' if low_open else '['}{low}, {high}{')' if high_open else ']'}")


def check_bool(name: str, value) -> None:
    check(name, value, isinstance(value, bool), "True or False")


def check_one_of(name: str, value, options: tuple) -> None:
    """``value`` is one of ``options``; the message lists them, e.g. "allowed 'sdpa' or 'manual'"."""
    names = [repr(o) for o in options]
    allowed = names[0] if len(names) == 1 else ", ".join(names[:-1]) + " or " + names[-1]
    check(name, value, value in options, allowed)


class Config:
    """Shared helpers: plain-dict round trip (checkpoints store dicts, so ``weights_only=True`` can load them)."""

    def to_dict(self) -> dict:
        return asdict(self)

    @classmethod
    def from_dict(cls, d: dict):
        names = {f.name for f in fields(cls)}
        unknown = set(d) - names
        if unknown:
            raise ValueError(f"unknown {cls.__name__} fields: {sorted(unknown)}")
        return cls(**{k: tuple(v) if isinstance(v, list) else v for k, v in d.items()})


@dataclass(frozen=True)
class ModelConfig(Config):
    """Shape of the GPT and every regularization knob it has. All knobs are off by default."""

    vocab_size: int = doc(text="number of token ids, from the tokenizer")
    block_size: int = doc(64, "longest context the model sees; positions are learned, so this is a hard limit")
    n_layer: int = doc(2, "transformer blocks")
    n_head: int = doc(4, "attention heads per block; n_embd must divide evenly among them")
    n_embd: int = doc(64, "width of the residual stream")
    dropout: float = doc(0.0, "default rate of the three dropout sites (attn, resid, emb) left unset")
    attn_dropout: float | None = doc(None, "dropout on attention probabilities")
    resid_dropout: float | None = doc(None, "dropout on the output of each residual branch (attention and MLP)")
    emb_dropout: float | None = doc(None, "dropout on token + position embeddings")
    dropout_schedule: tuple[float, ...] | None = doc(None, "per-layer multiplier of attn/resid dropout, e.g. (1, 0)")
    drop_path: float = doc(0.0, "stochastic depth: drop rate of the last block's branches, linear in depth")
    emb_noise_alpha: float = doc(0.0, "NEFTune-style uniform noise alpha / sqrt(T * C) on embeddings, training only")
    bias: bool = doc(True, "biases in Linear layers and LayerNorms")
    tie_weights: bool = doc(True, "lm_head shares the token embedding matrix (fewer parameters, as in GPT-2)")
    attention: str = doc("sdpa", "'sdpa' (fused F.scaled_dot_product_attention) or 'manual' (the one chapter 1 writes)")

    def __post_init__(self):
        self.rules(vars(self))

    @staticmethod
    def rules(v: Mapping) -> None:
        """Check the fields ``v`` (a mapping of every field; ``vocab_size`` may be absent: a spec's model section
        lacks it, since the tokenizer gives it). :func:`check_fields` calls this without building a config."""
        if "vocab_size" in v:
            check_int("vocab_size", v["vocab_size"], 1)
        c = SimpleNamespace(**v)
        check_int("block_size", c.block_size, 1)
        check_int("n_layer", c.n_layer, 1)
        check_int("n_head", c.n_head, 1)
        check_int("n_embd", c.n_embd, 1)
        check("n_embd", c.n_embd, c.n_embd % c.n_head == 0, f"a multiple of n_head={c.n_head}")
        check_real("dropout", c.dropout, 0.0, 1.0, high_open=True)
        for name in ("attn_dropout", "resid_dropout", "emb_dropout"):
            value = getattr(c, name)
            if value is not None:
                check_real(name, value, 0.0, 1.0, high_open=True)
        if c.dropout_schedule is not None:
            s = c.dropout_schedule
            check("dropout_schedule", s, isinstance(s, tuple) and len(s) == c.n_layer,
                  f"None or a tuple of n_layer={c.n_layer} multipliers")
            for i, m in enumerate(s):
                check_real(f"dropout_schedule[{i}]", m, 0.0, 1.0)
        check_real("drop_path", c.drop_path, 0.0, 1.0, high_open=True)
        check_real("emb_noise_alpha", c.emb_noise_alpha, 0.0, 1e6)
        check_bool("bias", c.bias)
        check_bool("tie_weights", c.tie_weights)
        check_one_of("attention", c.attention, ("sdpa", "manual"))

    def rate(self, site: str, layer: int | None = None) -> float:
        """Dropout rate at ``site`` ('attn', 'resid' or 'emb'), after the default and the per-layer schedule."""
        value = getattr(self, f"{site}_dropout")
        value = self.dropout if value is None else value
        if layer is not None and self.dropout_schedule is not None:
            value *= self.dropout_schedule[layer]
        return value


@dataclass(frozen=True)
class TrainConfig(Config):
    """How to train: optimizer, schedule, evaluation and device."""

    steps: int = doc(500, "optimizer steps")
    batch_size: int | None = doc(32, "sequences per step; None = the whole (X, Y) data set every step (full batch)")
    lr: float = doc(1e-3, "peak learning rate, reached after warmup")
    min_lr_ratio: float = doc(0.1, "cosine decays to lr * min_lr_ratio at the last step")
    warmup_steps: int = doc(0, "linear warmup from 0 to lr")
    weight_decay: float = doc(0.0, "AdamW decoupled decay, applied to matrices only")
    decay_embeddings: bool = doc(False, "decay token/position embeddings too (nanoGPT does, minGPT does not)")
    decay_final_layers: bool = doc(True, "decay the last block and lm_head; False spares them (for recall experiments)")
    decay_first_layers: bool = doc(
        True, "decay the token embedding and the first block; False spares them (the equal-size control of "
              "decay_final_layers, with decay_embeddings on and an untied head)")
    betas: tuple[float, float] = doc((0.9, 0.95), "AdamW's moment decay rates (beta1, beta2)")
    grad_clip: float = doc(1.0, "clip the global gradient norm; 0 disables")
    dropout_window: tuple[float, float] | None = doc(
        None, "(start, end) fractions of the steps with dropout on, e.g. (0, 0.75): off for the last 25%; None = all")
    eval_interval: int = doc(100, "evaluate train/val loss every this many steps (and at the last step)")
    eval_batches: int = doc(4, "batches averaged per evaluation")
    seed: int = doc(0, "batch sampling and dropout masks")
    device: str = doc("cpu", "'cpu', 'cuda', 'mps' or 'auto' (the best one available)")

    def __post_init__(self):
        if isinstance(self.dropout_window, list):  # from JSON
            object.__setattr__(self, "dropout_window", tuple(self.dropout_window))
        self.rules(vars(self))

    @staticmethod
    def rules(v: Mapping) -> None:
        """Check the fields ``v`` (a mapping of every field); see :func:`check_fields`."""
        c = SimpleNamespace(**v)
        check_int("steps", c.steps, 1)
        if c.batch_size is not None:
            check_int("batch_size", c.batch_size, 1)
        check_real("lr", c.lr, 0.0, 10.0, low_open=True)
        check_real("min_lr_ratio", c.min_lr_ratio, 0.0, 1.0)
        check_int("warmup_steps", c.warmup_steps, 0)
        check("warmup_steps", c.warmup_steps, c.warmup_steps < c.steps,
               f"0 to steps - 1 = {c.steps - 1}, so the schedule reaches lr")
        check_real("weight_decay", c.weight_decay, 0.0, 100.0)
        check_bool("decay_embeddings", c.decay_embeddings)
        check_bool("decay_final_layers", c.decay_final_layers)
        check_bool("decay_first_layers", c.decay_first_layers)
        b = c.betas
        check("betas", b, isinstance(b, tuple) and len(b) == 2, "a tuple of two numbers in [0, 1)")
        check_real("betas[0]", b[0], 0.0, 1.0, high_open=True)
        check_real("betas[1]", b[1], 0.0, 1.0, high_open=True)
        check_real("grad_clip", c.grad_clip, 0.0, 1e6)
        w = c.dropout_window
        if w is not None:
            check("dropout_window", w, isinstance(w, tuple) and len(w) == 2,
                   "None or a tuple (start, end) of fractions of the steps, 0 <= start < end <= 1")
            check_real("dropout_window[0]", w[0], 0.0, 1.0, high_open=True)
            check_real("dropout_window[1]", w[1], 0.0, 1.0, low_open=True)
            check("dropout_window", w, w[0] < w[1], "start < end, e.g. (0.0, 0.75)")
        check_int("eval_interval", c.eval_interval, 1)
        check_int("eval_batches", c.eval_batches, 1)
        check_int("seed", c.seed, 0)
        check_one_of("device", c.device, ("cpu", "cuda", "mps", "auto"))


@dataclass(frozen=True)
class SampleConfig(Config):
    """How to sample. temperature 0 means greedy decoding (argmax), not a division by zero."""

    max_new_tokens: int = doc(100, "tokens to generate per sample")
    temperature: float = doc(1.0, "0 = greedy; < 1 sharpens, > 1 flattens the distribution")
    top_k: int | None = doc(None, "keep only the k most likely tokens")
    top_p: float | None = doc(None, "nucleus: keep the fewest most likely tokens whose probability reaches p")

    def __post_init__(self):
        check_int("max_new_tokens", self.max_new_tokens, 0)
        check_temperature(self.temperature)
        if self.top_k is not None:
            check_top_k(self.top_k)
        if self.top_p is not None:
            check_top_p(self.top_p)


# --- one validator per sampling knob: the configs, the experiments, the explorers and the CLI all call these ---

MAX_TEMPERATURE = 100.0


def check_temperature(value) -> None:
    """A sampling temperature: a number in [0, 100]; 0 means greedy decoding."""
    check_real("temperature", value, 0.0, MAX_TEMPERATURE)


def check_top_k(value, *, off=None) -> None:
    """``top_k``: an integer >= 1, or ``off`` (None in :class:`SampleConfig`; 0 in an experiment's spec)."""
    if (value is None and off is None) or (off is not None and is_int(value) and value == off):
        return
    check_int("top_k", value, 1)


def check_top_p(value) -> None:
    """``top_p``: a number in (0, 1]; 1 keeps every token (:class:`SampleConfig` also takes None for off)."""
    check_real("top_p", value, 0.0, 1.0, low_open=True)


def check_fields(cls: type, values: Mapping, *, name: str = "") -> None:
    """Check ``values`` by the rules of the config class ``cls`` (:class:`ModelConfig` or :class:`TrainConfig`)
    without building one: unknown names are an error, missing ones take their defaults. A spec's model section
    has no ``vocab_size`` (the tokenizer gives it), so an experiment checks its spec before it makes its world."""
    known = {f.name: f for f in fields(cls)}
    unknown = set(values) - set(known)
    if unknown:
        raise ValueError(f"{name or cls.__name__}: unknown fields {sorted(unknown)}; allowed {sorted(known)}")
    filled = {n: values.get(n, f.default) for n, f in known.items() if n in values or f.default is not MISSING}
    cls.rules({k: tuple(v) if isinstance(v, list) else v for k, v in filled.items()})
