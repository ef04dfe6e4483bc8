"""The Trainer: AdamW with explicit parameter groups, warmup + cosine LR, clipping, evaluation, callbacks, history.

The trainer knows one thing about the model: ``model(x, y)`` returns ``(logits, loss)``. Progress leaves through
callbacks (``on_step_end``, ``on_eval``, ``on_end``), which is what a live plot in a notebook needs; the trainer
itself never prints.
"""

from __future__ import annotations

import contextlib
import copy
import math
import os
import threading
from collections.abc import Callable, Iterator
from dataclasses import asdict, dataclass, field

import torch
import torch.nn as nn

from .config import TrainConfig, check_int
from .model import eval_mode
from .timing import timed

EVENTS = ("on_step_end", "on_eval", "on_end")


def device(name: str = "auto") -> torch.device:
    """The torch device for ``name``; "auto" picks CUDA, then Apple's MPS, then the CPU."""
    if name == "auto":
        if torch.cuda.is_available():
            return torch.device("cuda")
        if torch.backends.mps.is_available():
            return torch.device("mps")
        return torch.device("cpu")
    if name not in ("cpu", "cuda", "mps") and not name.startswith("cuda:"):
        raise ValueError(f"device={name!r} is out of range: allowed 'auto', 'cpu', 'cuda', 'cuda:N' or 'mps'")
    return torch.device(name)


@dataclass
class History:
    """Everything a run measured, step by step; kept when a run is stopped, interrupted or hits a NaN."""

    step: list[int] = field(default_factory=list)
    train_loss: list[float] = field(default_factory=list)  # loss of each training batch (nats per token)
    lr: list[float] = field(default_factory=list)
    grad_norm: list[float] = field(default_factory=list)  # global L2 norm before clipping
    weight_norm: list[float] = field(default_factory=list)  # L2 norm of all parameters after the step
    eval_step: list[int] = field(default_factory=list)
    eval_train_loss: list[float] = field(default_factory=list)  # eval-mode loss on training data
    val_loss: list[float] = field(default_factory=list)  # eval-mode loss on held-out data (nan without val_data)
    stop_reason: str = "running"  # "completed", "stopped", "interrupted" or "nan"

    def to_dict(self) -> dict:
        return asdict(self)

    @classmethod
    def from_dict(cls, d: dict) -> History:
        return cls(**d)


def param_groups(model: nn.Module, weight_decay: float, decay_embeddings: bool = False,
                 decay_final_layers: bool = True, decay_first_layers: bool = True) -> list[dict]:
    """Split parameters into a decayed and a non-decayed AdamW group by one rule.

    A parameter decays when it is a matrix (biases and LayerNorm gains never do), unless it belongs to an embedding
    and ``decay_embeddings`` is off, or to the model's ``final_layers()`` and ``decay_final_layers`` is off, or to
    its ``first_layers()`` and ``decay_first_layers`` is off.
    A tied matrix counts as both. Every parameter lands in exactly one group (checked).
    """
    embeddings = {id(p) for m in model.modules() if isinstance(m, nn.Embedding) for p in m.parameters()}
    final = getattr(model, "final_layers", list)()
    final = {id(p) for m in final for p in m.parameters()}
    first = {id(p) for m in getattr(model, "first_layers", list)() for p in m.parameters()}
    decay, no_decay = [], []
    for p in model.parameters():  # a tied parameter is listed once
        spared = ((id(p) in embeddings and not decay_embeddings) or (id(p) in final and not decay_final_layers)
                  or (id(p) in first and not decay_first_layers))
        (decay if p.dim() >= 2 and not spared else no_decay).append(p)
    in_groups = [id(p) for p in decay + no_decay]
    if len(in_groups) != len(set(in_groups)) or set(in_groups) != {id(p) for p in model.parameters()}:
        raise RuntimeError("parameter groups must hold every parameter exactly once")
    return [{"params": decay, "weight_decay": weight_decay}, {"params": no_decay, "weight_decay": 0.0}]


def dropout_on(step: int, cfg: TrainConfig) -> bool:
    """Whether dropout is on at ``step`` (0-based): inside ``[start * steps, end * steps)`` of
    ``cfg.dropout_window``, always when it is None. (0, 0.75) of 1000 steps: on for steps 0-749."""
    if cfg.dropout_window is None:
        return True
    start, end = cfg.dropout_window
    return start * cfg.steps <= step < end * cfg.steps


def lr_at(step: int, cfg: TrainConfig) -> float:
    """Linear warmup to ``lr`` over ``warmup_steps``, then cosine decay to ``lr * min_lr_ratio`` at the last step."""
    if step < cfg.warmup_steps:
        return cfg.lr * (step + 1) / cfg.warmup_steps
    progress = (step - cfg.warmup_steps) / max(1, cfg.steps - 1 - cfg.warmup_steps)
    min_lr = cfg.lr * cfg.min_lr_ratio
    return min_lr + 0.5 * (cfg.lr - min_lr) * (1 + math.cos(math.pi * min(progress, 1.0)))


def clip_gradients(params: list[torch.Tensor], max_norm: float) -> torch.Tensor:
    """``torch.nn.utils.clip_grad_norm_(params, max_norm)`` (``max_norm`` 0: no clipping), bit for bit, returning
    the global gradient norm before clipping; but the gradients are rescaled only when the norm is above the
    limit, where clip_grad_norm_ multiplies every gradient by a clamped 1.0 at every step (a pass over all of
    them that changes nothing)."""
    grads = [p.grad for p in params if p.grad is not None]
    total = torch.nn.utils.get_total_norm(grads)
    if max_norm > 0 and bool(max_norm / (total + 1e-6) < 1.0):  # clip_grad_norm_'s coefficient, unclamped
        torch.nn.utils.clip_grads_with_norm_(params, max_norm, total)
    return total


def trim_padding(x: torch.Tensor, y: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """Drop the columns after the last one that carries a loss (y != -1) in any row of the batch.

    Rows of different lengths are right-padded to the longest row of the whole data set. A causal model's output
    at position t depends only on positions up to t, so trailing columns without a loss change neither the loss
    nor the gradients: cutting them is the same computation, minus the padding (on the facts world's rows, about
    a tenth of the columns of a batch, and a fifth of its attention).
    """
    scored = (y != -1).any(dim=0).nonzero()
    end = int(scored[-1]) + 1 if len(scored) else y.size(1)
    return x[:, :end], y[:, :end]


Rows = tuple[torch.Tensor, torch.Tensor]


class Trainer:
    """Trains ``model`` on ``train_data``: a 1-D token stream, or a tuple (X, Y) of (N, T) rows with -1 where
    no loss is taken. ``batch_size=None`` uses every row at every step (full batch).

    Two options for (X, Y) rows:

    - ``eval_rows``: each evaluation's training loss reads only the first ``eval_rows`` rows (a fixed sample
      where the rows are shuffled: every row can cost more than the training itself).
    - ``batches(train_data, batch_size, generator)``: where the training batches come from, instead of rows drawn
      with replacement: an iterator of ``(x, y)`` batches, made at the first training step from the training rows
      of that moment and the trainer's batch generator (e.g. epochs: every row once per pass). Full batch
      ignores it.

    Under ``torchrun`` (WORLD_SIZE > 1) the model is wrapped in DistributedDataParallel; each rank trains on its
    share of the batch, and only rank 0 runs callbacks.
    """

    def __init__(self, model: nn.Module, config: TrainConfig, train_data, val_data=None,
                 block_size: int | None = None, *, eval_rows: int | None = None,
                 batches: Callable[[Rows, int, torch.Generator], Iterator[Rows]] | None = None):
        self.config = config
        self.device = device(config.device)
        self.model = model.to(self.device)
        if config.dropout_window is not None and not hasattr(model, "set_dropout_scale"):
            raise ValueError(f"dropout_window={config.dropout_window} is out of range for a model without "
                             "set_dropout_scale(scale): allowed None")
        self.block_size = block_size or model.config.block_size
        self.world, self.rank = int(os.environ.get("WORLD_SIZE", "1")), 0
        self.net = self.model  # what the training step calls; a DDP wrapper when distributed
        if self.world > 1:
            self._init_distributed()
        self.is_main = self.rank == 0
        self.train_data = self._check_data("train_data", train_data)
        self.val_data = None if val_data is None else self._check_data("val_data", val_data)
        if isinstance(self.train_data, torch.Tensor) and (eval_rows is not None or batches is not None):
            raise ValueError("eval_rows and batches are out of range for a token stream: allowed with (X, Y) rows")
        if eval_rows is not None:
            check_int("eval_rows", eval_rows, 1)
        self.eval_rows, self.batches = eval_rows, batches
        self._batch_source: Iterator[Rows] | None = None  # made from ``batches`` at the first training step
        self.optimizer = torch.optim.AdamW(
            param_groups(self.model, config.weight_decay, config.decay_embeddings, config.decay_final_layers,
                         config.decay_first_layers),
            lr=config.lr, betas=config.betas,
            fused=self.device.type in ("cpu", "cuda"),  # one kernel, not ~10 per tensor
        )
        self.batch_gen = torch.Generator(device="cpu").manual_seed(config.seed + 1_000_003 * self.rank)
        # Dropout masks and noise come from a generator of the run's own, not torch's global one: the same seed gives
        # the same losses bit for bit on the CPU, even while other threads draw random numbers.
        self.noise_gen = torch.Generator(device=self.device).manual_seed(config.seed + 7919 + 1_000_003 * self.rank)
        self.model.use_generator(self.noise_gen)
        self.history = History()
        self.step = 0
        self.callbacks: dict[str, list[Callable]] = {e: [] for e in EVENTS}
        self._stop = threading.Event()

    def _init_distributed(self) -> None:
        import torch.distributed as dist
        from torch.nn.parallel import DistributedDataParallel

        if not dist.is_initialized():
            dist.init_process_group(backend="nccl" if self.device.type == "cuda" else "gloo")
        self.rank = dist.get_rank()
        if self.device.type == "cuda":
            self.device = torch.device("cuda", int(os.environ.get("LOCAL_RANK", "0")))
            self.model.to(self.device)
        self.net = DistributedDataParallel(self.model)

    def _check_data(self, name: str, data):
        if isinstance(data, torch.Tensor):
            if self.config.batch_size is None:
                raise ValueError(f"batch_size=None (full batch) is out of range for the 1-D token stream {name}: "
                                 "allowed an int >= 1 (full batch needs (X, Y) rows)")
            if data.dim() != 1 or data.dtype != torch.long or data.numel() <= self.block_size:
                raise ValueError(f"{name} is out of range: allowed a 1-D LongTensor longer than block_size="
                                 f"{self.block_size}, got {data.dtype} of shape {tuple(data.shape)}")
            return data.to(self.device)
        ok = isinstance(data, (tuple, list)) and len(data) == 2 and all(isinstance(t, torch.Tensor) for t in data)
        if not ok or data[0].shape != data[1].shape or data[0].dim() != 2 or data[0].size(1) > self.block_size:
            raise ValueError(f"{name} is out of range: allowed a 1-D token tensor or a tuple (X, Y) of LongTensors "
                             f"of one shape (N, T) with T <= block_size={self.block_size}")
        return data[0].to(self.device), data[1].to(self.device)

    def add_callback(self, event: str, fn: Callable[[Trainer], None]) -> None:
        """Call ``fn(trainer)`` at ``event``: "on_step_end", "on_eval" or "on_end"."""
        if event not in EVENTS:
            raise ValueError(f"event={event!r} is out of range: allowed one of {EVENTS}")
        self.callbacks[event].append(fn)

    def _fire(self, event: str) -> None:
        if self.is_main:
            for fn in self.callbacks[event]:
                fn(self)

    def snapshot(self) -> dict:
        """Everything the rest of the run depends on, copied: weights, optimizer state, both random streams, the
        step and the history. A trainer of the same model and config that restores it (:meth:`restore`) and calls
        ``fit`` trains on exactly as this one would have. Not with a ``batches`` source, whose position in its
        order cannot be copied."""
        if self.batches is not None:
            raise ValueError("snapshot() is out of range for a trainer with batches=: allowed with batches=None")
        return {"model": copy.deepcopy(self.model.state_dict()),
                "optimizer": copy.deepcopy(self.optimizer.state_dict()),
                "batch_gen": self.batch_gen.get_state(), "noise_gen": self.noise_gen.get_state(),
                "history": copy.deepcopy(self.history), "step": self.step}

    def restore(self, snapshot: dict) -> None:
        """Continue from a :meth:`snapshot` (the snapshot itself is left as it was)."""
        self.model.load_state_dict(snapshot["model"])
        self.optimizer.load_state_dict(snapshot["optimizer"])
        self.batch_gen.set_state(snapshot["batch_gen"])
        self.noise_gen.set_state(snapshot["noise_gen"])
        self.history, self.step = copy.deepcopy(snapshot["history"]), snapshot["step"]

    def stop(self) -> None:
        """Ask a running ``fit`` to stop after the current step (safe to call from another thread)."""
        self._stop.set()

    def get_batch(self, data, gen: torch.Generator, batch_size: int | None):
        """One batch (x, y) of shape (B, T): random windows of a stream, or rows of (X, Y) without the columns
        after their last scored one (:func:`trim_padding`)."""
        if isinstance(data, torch.Tensor):
            ix = torch.randint(len(data) - self.block_size, (batch_size or 1,), generator=gen).to(self.device)
            window = torch.arange(self.block_size, device=self.device)
            return data[ix[:, None] + window], data[ix[:, None] + window + 1]
        X, Y = data
        if batch_size is None or batch_size >= len(X):  # full batch, split across ranks
            return X[self.rank::self.world], Y[self.rank::self.world]
        ix = torch.randint(len(X), (batch_size,), generator=gen).to(self.device)
        return trim_padding(X[ix], Y[ix])

    def _autocast(self):
        if self.device.type == "cuda":
            return torch.autocast("cuda", dtype=torch.bfloat16)
        return contextlib.nullcontext()

    @torch.no_grad()
    def estimate_loss(self, data) -> float:
        """Mean eval-mode loss: every row of (X, Y) data, or ``eval_batches`` fixed random windows of a stream."""
        if not isinstance(data, torch.Tensor):
            data = self._check_data("data", data) if data[0].device != self.device else data
        with eval_mode(self.model):
            losses, weights = [], []
            if isinstance(data, torch.Tensor):
                gen = torch.Generator().manual_seed(12345)  # the same windows at every evaluation
                batches = [self.get_batch(data, gen, self.config.batch_size) for _ in range(self.config.eval_batches)]
            else:
                batches = [trim_padding(x, y) for x, y in zip(data[0].split(512), data[1].split(512), strict=True)]
            for x, y in batches:
                weight = int((y != -1).sum())
                if weight == 0:  # nothing to score in this chunk (its mean loss would be NaN)
                    continue
                with self._autocast():
                    _, loss = self.model(x, y)
                losses.append(loss.item())
                weights.append(weight)
        return sum(l * w for l, w in zip(losses, weights, strict=True)) / max(1, sum(weights))

    def _train_step(self, step: int) -> None:
        if self.config.dropout_window is not None:  # unset: the model is never touched, so runs are bit-identical
            self.model.set_dropout_scale(1.0 if dropout_on(step, self.config) else 0.0)
        lr = lr_at(step, self.config)
        for group in self.optimizer.param_groups:
            group["lr"] = lr
        x, y = self._train_batch()
        with self._autocast():
            _, loss = self.net(x, y)
        loss_value = self._mean_across_ranks(loss.detach())
        if not math.isfinite(loss_value):
            self.history.stop_reason = "nan"
            raise FloatingPointError(f"training loss became {loss_value} at step {step}: lower lr "
                                     f"(now {lr:.3g}) or check the data; the history up to here is kept")
        self.optimizer.zero_grad(set_to_none=True)
        loss.backward()
        grad_norm = clip_gradients(list(self.model.parameters()), self.config.grad_clip)
        self.optimizer.step()
        with torch.no_grad():
            weight_norm = torch.linalg.vector_norm(torch.stack(torch._foreach_norm(list(self.model.parameters()))))
        h = self.history
        h.step.append(step)
        h.train_loss.append(loss_value)
        h.lr.append(lr)
        h.grad_norm.append(float(grad_norm))
        h.weight_norm.append(float(weight_norm))

    def _train_batch(self) -> Rows:
        size = self.config.batch_size
        if self.batches is None or size is None or size >= len(self.train_data[0]):
            return self.get_batch(self.train_data, self.batch_gen, size)
        if self._batch_source is None:
            self._batch_source = iter(self.batches(self.train_data, size, self.batch_gen))
        return next(self._batch_source)

    def _mean_across_ranks(self, value: torch.Tensor) -> float:
        if self.world > 1:
            import torch.distributed as dist

            value = value.clone()
            dist.all_reduce(value)
            value /= self.world
        return value.item()

    @timed("eval_loss")
    def evaluate(self) -> None:
        """Record the eval-mode losses at the current step and fire ``on_eval``: what ``fit`` does every
        ``eval_interval`` steps and at the end (and what a trainer restored from a snapshot taken at one of those
        steps calls, since the run it continues evaluated after the snapshot)."""
        h = self.history
        h.eval_step.append(self.step)
        train = self.train_data
        if self.eval_rows is not None:
            train = (train[0][: self.eval_rows], train[1][: self.eval_rows])
        h.eval_train_loss.append(self.estimate_loss(train))
        h.val_loss.append(float("nan") if self.val_data is None else self.estimate_loss(self.val_data))
        self._fire("on_eval")

    @timed("train")
    def fit(self) -> History:
        """Train until ``config.steps`` (continuing from ``self.step``), ``stop()``, or Ctrl-C; return the history.

        A ``stop()`` that came before ``fit`` (from another thread) ends it at once; each ``fit`` consumes one stop.
        """
        self.history.stop_reason = "running"
        self.model.train()
        try:
            while self.step < self.config.steps:
                if self._stop.is_set():
                    self.history.stop_reason = "stopped"
                    break
                self._train_step(self.step)
                self.step += 1
                self._fire("on_step_end")
                if self.step % self.config.eval_interval == 0 or self.step == self.config.steps:
                    self.evaluate()
            else:
                self.history.stop_reason = "completed"
        except KeyboardInterrupt:
            self.history.stop_reason = "interrupted"
        finally:
            self._stop.clear()
            if self.config.dropout_window is not None:  # a trained model samples (MC dropout) at its configured rates
                self.model.set_dropout_scale(1.0)
            self._fire("on_end")
        return self.history
