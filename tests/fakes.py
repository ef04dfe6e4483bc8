"""Fake experiments for tests of the engine and the explorers: instant (or sleeping) 'training' with a real but
tiny untrained GPT standing in as the trained model, so the model store works as it does for real runs."""

from __future__ import annotations

from collections.abc import Callable

from minigpt import GPT
from minigpt.runs import Experiment, Trained

from .conftest import tiny_config


def fake_experiment(name: str, configure: Callable[..., dict], run: Callable, metrics: Callable[[dict], dict],
                    sample_params: tuple[str, ...] = (), bounds: dict | None = None) -> Experiment:
    """``run(spec, on_eval, stop) -> History`` plays training; ``metrics(spec)`` plays evaluation."""

    def train(spec, on_eval=None, stop=None):
        return Trained(GPT(tiny_config(), seed=0), run(spec, on_eval, stop))

    def evaluate(spec, trained):
        return {"metrics": metrics(spec)}

    return Experiment(name, configure, train, evaluate, sample_params=sample_params, bounds=bounds)
