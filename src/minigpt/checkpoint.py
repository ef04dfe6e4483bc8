"""Checkpoints: state dicts and plain-dict configs in one file, written atomically, loaded with weights_only=True."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import BinaryIO, NamedTuple

import torch

from .config import ModelConfig, TrainConfig
from .model import GPT
from .tokenizer import CharTokenizer
from .train import History

FORMAT = "minigpt-checkpoint"


class Checkpoint(NamedTuple):
    model: GPT
    config: ModelConfig
    history: History | None
    tokenizer: CharTokenizer | None
    train_config: TrainConfig | None
    extra: dict | None = None  # plain JSON-able facts stored with the model (e.g. by the experiments' model store)


def save_checkpoint(path, model: GPT, config: ModelConfig, history: History | None = None,
                    tokenizer: CharTokenizer | None = None, train_config: TrainConfig | None = None,
                    extra: dict | None = None) -> Path:
    """Write the checkpoint to a temporary file beside ``path``, then rename it over ``path``.

    A crash or Ctrl-C mid-write leaves the previous checkpoint intact: the rename is atomic on one file system.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    model = getattr(model, "module", model)  # unwrap DistributedDataParallel
    payload = {
        "format": FORMAT,
        "version": 1,
        "model_config": config.to_dict(),
        "state_dict": {k: v.detach().cpu() for k, v in model.state_dict().items()},
        "history": None if history is None else history.to_dict(),
        "tokenizer": None if tokenizer is None else tokenizer.to_dict(),
        "train_config": None if train_config is None else train_config.to_dict(),
        "extra": extra,
    }
    return atomic_write(path, lambda f: torch.save(payload, f))


def atomic_write(path: str | Path, write: Callable[[BinaryIO], object]) -> Path:
    """Write a file all at once or not at all: ``write(f)`` fills a temporary file next to ``path``, which then
    replaces it in one step, so a crash, Ctrl-C or a second writer never leaves a torn file."""
    path = Path(path)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as f:
            write(f)
            f.flush()
            os.fsync(f.fileno())
        os.chmod(tmp, 0o644)  # mkstemp creates files only their owner can read
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return path


def load_checkpoint(path, device: str | torch.device = "cpu") -> Checkpoint:
    """Load a checkpoint written by ``save_checkpoint``; a truncated or foreign file raises ``ValueError``."""
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"no checkpoint at {path}")
    try:
        payload = torch.load(path, map_location=device, weights_only=True)
    except Exception as e:  # truncated zip, pickle of arbitrary objects, random bytes, ...
        raise ValueError(f"{path} is not a readable minigpt checkpoint (truncated or foreign file): "
                         f"{type(e).__name__}: {(str(e).splitlines() or [''])[0][:200]}") from None
    if not isinstance(payload, dict) or payload.get("format") != FORMAT:
        raise ValueError(f"{path} is not a minigpt checkpoint (no '{FORMAT}' marker)")
    config = ModelConfig.from_dict(payload["model_config"])
    model = GPT(config)
    model.load_state_dict(payload["state_dict"])
    model.to(device).eval()
    history = None if payload["history"] is None else History.from_dict(payload["history"])
    tokenizer = None if payload["tokenizer"] is None else CharTokenizer.from_dict(payload["tokenizer"])
    train_config = None if payload["train_config"] is None else TrainConfig.from_dict(payload["train_config"])
    return Checkpoint(model, config, history, tokenizer, train_config, payload.get("extra"))
