"""An experiment: a spec in, a result out, its training stage stored apart from its evaluation."""

from __future__ import annotations

import contextlib
import fnmatch
import importlib
import inspect
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import torch

from ..model import GPT
from ..timing import timed
from ..train import History
from ..train import device as pick_device
from .spec import SAMPLE_SECTION, code_version, spec_key

if TYPE_CHECKING:
    from .store import ModelStore

@dataclass
class Trained:
    """What the training stage of a run leaves: the model, its history and ``info``, plain JSON-able facts the
    evaluation or the result needs (e.g. how many training sentences there were). Stored by :class:`ModelStore`.

    ``derived`` holds other runs this training passed through on the way, as ``(params, Trained)`` pairs (e.g. the
    same run stopped at an earlier step, kept from a snapshot): each is stored under its own training key, so
    asking for that run later only evaluates it. In place of a Trained, a function that makes one (one that
    costs more training) is called only where there is a store to keep what it makes. Not itself stored."""

    model: GPT
    history: History
    info: dict = field(default_factory=dict)
    derived: list[tuple[dict, Trained | Callable[[], Trained]]] = field(default_factory=list)

    @property
    def completed(self) -> bool:
        return self.history.stop_reason == "completed"


class Experiment:
    """A named, deterministic experiment: ``experiment(**params, on_eval=None, stop=None) -> result dict``.

    - ``configure(**params) -> dict`` resolves the parameters into every config the run uses. Its signature *is*
      the experiment's parameter list, defaults included; every experiment also takes ``device`` ("cpu" by
      default: the same numbers on every machine). What only evaluation reads goes under ``spec["sample"]``.
    - ``train(spec, on_eval, stop) -> Trained`` trains a model. A ``train`` that also takes ``models`` is given the
      :class:`ModelStore` the run goes through (None without one), e.g. to start from another experiment's model.
    - ``evaluate(spec, trained) -> dict`` samples and scores it (``{"metrics": ..., "samples": ...}``).
    - ``sample_params``: the parameters that only feed ``spec["sample"]``; changing them keeps the trained model
      (a test checks, for every registered experiment, that they leave the training key unchanged).
    - ``check(spec)``: optional; raises ``ValueError`` for a spec that would fail, before anything runs.
    - ``bounds``: ``{pattern: (low, high)}``, the range of every metric whose name matches the ``fnmatch``
      pattern (e.g. ``{"recall_*": SHARE}``, the first matching pattern wins). A result records its metrics'
      bounds under ``result["bounds"]``, and :func:`summarize` clips their intervals to them.
    """

    def __init__(self, name: str, configure: Callable[..., dict], train: Callable[..., Trained],
                 evaluate: Callable[[dict, Trained], dict], *, sample_params: Sequence[str] = (),
                 check: Callable[[dict], None] | None = None, doc: str | None = None,
                 bounds: Mapping[str, tuple[float, float]] | None = None):
        self.name = name
        self.bounds = {str(k): (float(lo), float(hi)) for k, (lo, hi) in (bounds or {}).items()}
        self.configure = configure
        self.train_fn, self.evaluate_fn, self.check_fn = train, evaluate, check
        self.module = train.__module__
        self.train_takes_models = "models" in inspect.signature(train).parameters
        params = list(inspect.signature(configure).parameters.values())
        params.append(inspect.Parameter("device", inspect.Parameter.KEYWORD_ONLY, default="cpu"))
        self.signature = inspect.Signature(params)
        unknown = set(sample_params) - set(self.param_names)
        if unknown:
            raise ValueError(f"{name}: sample_params {sorted(unknown)} are not parameters of configure")
        self.sample_params = tuple(sample_params)
        self.__doc__ = doc or train.__doc__
        self.__name__ = name
        extra = [inspect.Parameter(n, inspect.Parameter.KEYWORD_ONLY, default=None) for n in ("on_eval", "stop")]
        self.__signature__ = self.signature.replace(parameters=params + extra)

    def bounds_of(self, metrics: Mapping | None) -> dict[str, list[float]]:
        """``{metric: [low, high]}`` for the metrics of ``metrics`` that match a pattern of :attr:`bounds`."""
        out = {}
        for name in metrics or {}:
            for pattern, b in self.bounds.items():
                if fnmatch.fnmatchcase(name, pattern):
                    out[name] = list(b)
                    break
        return out

    @property
    def param_names(self) -> tuple[str, ...]:
        return tuple(self.signature.parameters)

    @property
    def defaults(self) -> dict:
        return {n: p.default for n, p in self.signature.parameters.items()}

    def params(self, **params) -> dict:
        """``params`` with every default filled in; an int given for a float parameter becomes a float, so
        ``dropout=0`` and ``dropout=0.0`` are the same run (and the same cache key)."""
        unknown = set(params) - set(self.param_names)
        if unknown:
            raise ValueError(f"{self.name}: unknown parameters {sorted(unknown)}; allowed {list(self.param_names)}")
        out = {}
        for name, default in self.defaults.items():
            value = params.get(name, default)
            if isinstance(default, float) and isinstance(value, int) and not isinstance(value, bool):
                value = float(value)
            out[name] = value
        return out

    def spec(self, **params) -> dict:
        """Everything that determines the run, as plain data: ``{"experiment", "params", "device",
        **configure(...)}``."""
        resolved = self.params(**params)
        device = resolved.pop("device")
        return {"experiment": self.name, "params": {**resolved, "device": device}, "device": device,
                **self.configure(**resolved)}

    def train_spec(self, spec: Mapping) -> dict:
        """The part of ``spec`` that training reads: all of it but ``spec["sample"]`` and the sample params."""
        out = {k: v for k, v in spec.items() if k != SAMPLE_SECTION}
        out["params"] = {k: v for k, v in spec["params"].items() if k not in self.sample_params}
        return out

    def key(self, **params) -> str:
        """Result cache key: sha256 of the canonical JSON of the spec and the versions (:func:`spec_key`)."""
        return spec_key(self.spec(**params))

    def train_key(self, **params) -> str:
        """Model store key: the same over :meth:`train_spec` only."""
        return spec_key(self.train_spec(self.spec(**params)))

    def check(self, **params) -> dict:
        """Resolve ``params`` into a spec and check it (unknown names, values out of range) without running;
        returns the spec."""
        spec = self.spec(**params)
        if self.check_fn is not None:
            self.check_fn(spec)
        return spec

    def __call__(self, *, on_eval: Callable | None = None, stop: threading.Event | None = None,
                 models: ModelStore | None = None, **params) -> dict:
        """Run: train (or load the trained model from ``models``), then evaluate if training completed."""
        spec = self.spec(**params)
        tkey = spec_key(self.train_spec(spec))
        start = time.perf_counter()
        with torch_threads(spec.get("torch_threads")):
            trained = models.get(tkey) if models is not None else None
            model_cached = trained is not None
            if model_cached:  # stored on the CPU: evaluate where it was trained, as a fresh run would
                trained.model.to(pick_device(spec["device"]))
            if trained is None:
                store = {"models": models} if self.train_takes_models else {}
                trained = self.train_fn(spec, on_eval=on_eval, stop=stop, **store)
                if models is not None and trained.completed:
                    models.put(tkey, trained)
                    for other_params, other in trained.derived:
                        other = other() if callable(other) else other
                        if other.completed:  # a Ctrl-C in a derived run's training stores nothing
                            models.put(self.train_key(**other_params), other)
            out = {"n_params": trained.model.num_params(), **trained.info, "metrics": None, "samples": [],
                   "history": trained.history.to_dict(), "stop_reason": trained.history.stop_reason}
            if trained.completed:
                with timed("evaluate"):
                    out.update(self.evaluate_fn(spec, trained))
        result = {"experiment": self.name, "params": spec["params"], "spec": spec, "key": spec_key(spec),
                  "train_key": tkey, "model_cached": model_cached, "version": code_version(), **out}
        result["done"] = result["stop_reason"] == "completed"
        result["bounds"] = self.bounds_of(result["metrics"])
        result["seconds"] = time.perf_counter() - start
        return result

    @property
    def importable(self) -> bool:
        """True when ``module.name`` is this object, so a worker process can import it (see :func:`sweep`)."""
        try:
            return getattr(importlib.import_module(self.module), self.name, None) is self
        except ImportError:
            return False

    def __repr__(self) -> str:
        return f"<experiment {self.name}{self.signature}>"


def train_with_events(trainer, on_eval: Callable | None = None, stop: threading.Event | None = None) -> History:
    """``trainer.fit()`` wired to an experiment's ``on_eval(history)`` and ``stop`` event (checked after every step
    and after ``on_eval``, which may be what set it); a stop set before the start returns the empty history,
    marked stopped. What every study's training stage calls."""
    if on_eval is not None:
        trainer.add_callback("on_eval", lambda t: on_eval(t.history))
    if stop is not None:
        if stop.is_set():
            trainer.history.stop_reason = "stopped"
            return trainer.history
        for event in ("on_step_end", "on_eval"):
            trainer.add_callback(event, lambda t: t.stop() if stop.is_set() else None)
    return trainer.fit()


@contextlib.contextmanager
def torch_threads(n: int | None):
    """Run the block with ``n`` torch intra-op threads (None: leave the setting), then restore it.

    The setting is process-wide, but a thread that sets it sees it at once. Small models gain little from a
    second thread and lose badly to contention: on a busy 2-core machine, a 600-step run of the chapter 3 model
    took 23 s with 1 thread and 210 s with 2. Results also differ in the last digits between thread counts, so
    an experiment that fixes its thread count gives the same numbers on every machine.
    """
    if n is None:
        yield
        return
    previous = torch.get_num_threads()
    torch.set_num_threads(n)
    try:
        yield
    finally:
        torch.set_num_threads(previous)
