"""What every study builds from a spec: its world (made once per process), its model and its trainer, and the
check of the spec's model and training sections before anything runs."""

from __future__ import annotations

import functools
import json
from collections.abc import Callable, Mapping

from ..config import ModelConfig, TrainConfig, check_fields
from ..model import GPT
from ..train import Trainer
from .spec import canonical_json


def cached_world(make: Callable[[dict], object]) -> Callable[[Mapping], object]:
    """``make(config) -> world`` made once per process for each config (a dict, e.g. ``spec["world"]``): training
    and every re-evaluation of a run share the world, and a sweep's runs of one world build it once."""

    @functools.lru_cache(maxsize=8)
    def by_json(config_json: str):
        return make(json.loads(config_json))

    @functools.wraps(make)
    def world(config: Mapping):
        return by_json(canonical_json(config))

    world.cache_clear = by_json.cache_clear
    return world


def check_model_and_training(spec: Mapping, **model_overrides) -> None:
    """``spec["model"]`` (with ``model_overrides``, e.g. a block size the world fixes) and ``spec["train"]`` by the
    rules of :class:`ModelConfig` and :class:`TrainConfig`: a bad value is a ``ValueError`` naming the field."""
    check_fields(ModelConfig, {**spec["model"], **model_overrides}, name="model")
    check_fields(TrainConfig, {**spec["train"], "device": spec["device"]}, name="train")


def model_for(spec: Mapping, vocab_size: int, **model_overrides) -> GPT:
    """The GPT of ``spec["model"]`` (with ``model_overrides``), initialized from the run's seed."""
    config = ModelConfig(vocab_size=vocab_size, **{**spec["model"], **model_overrides})
    return GPT(config, seed=spec["train"]["seed"])


def train_config_for(spec: Mapping, **overrides) -> TrainConfig:
    """The :class:`TrainConfig` of ``spec["train"]`` (with ``overrides``) on the spec's device."""
    return TrainConfig.from_dict({**spec["train"], **overrides, "device": spec["device"]})


def trainer_for(spec: Mapping, model: GPT, train_data, val_data=None, **options) -> Trainer:
    """A :class:`Trainer` for ``model`` on ``train_data`` (and ``val_data``) with the spec's training config;
    ``options`` go to the Trainer (e.g. ``eval_rows``, ``batches``)."""
    return Trainer(model, train_config_for(spec), train_data, val_data, **options)


def keep_best_weights(trainer: Trainer) -> dict:
    """Keep a copy of ``trainer``'s weights at its lowest validation loss so far (the first such step, as the
    history's first minimum): an ``on_eval`` callback fills the returned dict with ``loss``, ``step`` and
    ``state`` (a state dict), empty until the first evaluation. What a study reads at the best checkpoint."""
    best: dict = {}

    def snapshot(t: Trainer) -> None:
        if not best or t.history.val_loss[-1] < best["loss"]:  # strict: the first minimum
            best.update(loss=t.history.val_loss[-1], step=t.step,
                        state={k: v.detach().clone() for k, v in t.model.state_dict().items()})

    trainer.add_callback("on_eval", snapshot)
    return best
