"""The experiment engine: train once and evaluate many times, seeds with intervals, sweeps on any executor.

An :class:`Experiment` turns keyword parameters into a *spec* (a plain dict holding every config the run uses:
world, model, training, sampling) and the spec into a *result*: a plain, JSON-able dict with the run's history
(``History.to_dict()``), its metrics and a few sample strings. Given its spec a result is deterministic (on one
machine and thread count), except ``result["seconds"]``, the wall-clock cost.

A run has two stages. *Training* depends on every parameter except the experiment's ``sample_params``
(temperature, number of samples, ...); its trained model is stored in a :class:`ModelStore`, keyed by the training
part of the spec. *Evaluation* (sampling and scoring) reads the stored model, so changing only a sampling knob
re-evaluates in a fraction of a second instead of retraining.

Results are cached on disk by :class:`ResultCache` (which holds the model store), keyed by the spec, the package
version, a hash of the library's source code and the torch version, so a chapter that was built once shows its
results at once, and results from other code are never served as fresh.

Runs can be watched and cancelled: ``on_eval(history)`` is called with the partial :class:`~minigpt.History`
after each evaluation, and setting the ``stop`` event (a :class:`threading.Event`) ends the run after the
current step, keeping the partial history (``result["stop_reason"] == "stopped"``). Only completed runs are
cached.

:func:`sweep` runs a grid (times ``seeds``) here, in a local process pool, or on any
:class:`concurrent.futures.Executor`, e.g. a Dask cluster's ``Client(...).get_executor()``; :func:`summarize`
and :func:`summary_rows` turn seeds into means with 95% intervals.

``MINIGPT_FAST=1`` (:func:`fast_mode`) shrinks every experiment so a chapter runs in seconds (for nbval).
"""

from __future__ import annotations

import contextlib
import contextvars
import csv
import fnmatch
import hashlib
import importlib
import inspect
import io
import itertools
import json
import math
import os
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import Executor, Future, as_completed
from dataclasses import dataclass, field
from pathlib import Path

import torch

from ..checkpoint import atomic_write, load_checkpoint, save_checkpoint
from ..metrics import mean_interval
from ..model import GPT
from ..train import History
from ..train import device as pick_device
from ..version import version_string

CACHE_ENV = "MINIGPT_CACHE"
FAST_ENV = "MINIGPT_FAST"
CACHE_DIRNAME = ".minigpt_cache"
SAMPLE_SECTION = "sample"  # the part of a spec that only evaluation reads

_fast_override: contextvars.ContextVar[bool | None] = contextvars.ContextVar("minigpt_fast", default=None)


def fast_mode() -> bool:
    """True inside ``with fast(True)``, else when ``MINIGPT_FAST`` is set to something other than "", "0",
    "false" or "no"."""
    override = _fast_override.get()
    if override is not None:
        return override
    return os.environ.get(FAST_ENV, "").strip().lower() not in ("", "0", "false", "no")


@contextlib.contextmanager
def fast(enabled: bool | None = True):
    """Resolve specs in (or out of) fast mode within the block, whatever ``MINIGPT_FAST`` says. A context
    variable, not the environment, so a sweep's worker threads (a Dask worker runs several) never see each
    other's setting."""
    token = _fast_override.set(enabled)
    try:
        yield
    finally:
        _fast_override.reset(token)


def canonical_json(obj) -> str:
    """JSON with sorted keys and no spaces: equal dicts give equal strings (the input to cache keys)."""
    return json.dumps(obj, sort_keys=True, separators=(",", ":"), allow_nan=True)


def _version() -> str:
    """The package version, a hash of the library's source and the torch version: results made by other code
    (an edit, another torch) are never served as fresh."""
    return f"{version_string()}+torch{torch.__version__}"


def spec_key(spec: Mapping) -> str:
    """sha256 hex digest of a spec together with :func:`_version`."""
    payload = canonical_json({"spec": spec, "version": _version()})
    return hashlib.sha256(payload.encode("utf-8")).hexdigest()


# --- experiments ------------------------------------------------------------------------------------------------


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
    - ``train(spec, on_eval, stop) -> Trained`` trains a model.
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
                trained = self.train_fn(spec, on_eval=on_eval, stop=stop)
                if models is not None and trained.completed:
                    models.put(tkey, trained)
                    for other_params, other in trained.derived:
                        other = other() if callable(other) else other
                        if other.completed:  # a Ctrl-C in a derived run's training stores nothing
                            models.put(self.train_key(**other_params), other)
            out = {"n_params": trained.model.num_params(), **trained.info, "metrics": None, "samples": [],
                   "history": trained.history.to_dict(), "stop_reason": trained.history.stop_reason}
            if trained.completed:
                out.update(self.evaluate_fn(spec, trained))
        result = {"experiment": self.name, "params": spec["params"], "spec": spec, "key": spec_key(spec),
                  "train_key": tkey, "model_cached": model_cached, "version": _version(), **out}
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


def fit(trainer, on_eval: Callable | None = None, stop: threading.Event | None = None) -> History:
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


# --- the caches -------------------------------------------------------------------------------------------------


def default_cache_root(start: Path | None = None) -> Path:
    """``$MINIGPT_CACHE``, else ``.minigpt_cache`` in the nearest folder above ``start`` (default: the working
    directory) holding a ``pyproject.toml`` or ``.git``, else in ``start`` itself. Notebooks run in ``book/``,
    so the chapters and the test suite share the repository's cache."""
    env = os.environ.get(CACHE_ENV)
    if env:
        return Path(env)
    start = (start or Path.cwd()).resolve()
    for folder in (start, *start.parents):
        if (folder / "pyproject.toml").is_file() or (folder / ".git").exists():
            return folder / CACHE_DIRNAME
    return start / CACHE_DIRNAME


class ModelStore:
    """Trained models on disk, one ``weights_only`` checkpoint per training key (written atomically), and the
    last ``keep`` in memory, so a sampling knob re-evaluates a model without training or even loading it.

    An unreadable file (truncated, foreign) counts as missing: the model is trained again and the file replaced;
    ``corrupt`` lists the files that were found so.
    """

    def __init__(self, root: str | os.PathLike, keep: int = 8):
        self.root = Path(root)
        self.keep = keep
        self.corrupt: list[Path] = []
        self._memory: OrderedDict[str, Trained] = OrderedDict()
        self._lock = threading.Lock()

    def path(self, key: str) -> Path:
        return self.root / f"{key}.pt"

    def __contains__(self, key: str) -> bool:
        return key in self._memory or self.path(key).is_file()

    def get(self, key: str) -> Trained | None:
        with self._lock:
            if key in self._memory:
                self._memory.move_to_end(key)
                return self._memory[key]
        path = self.path(key)
        if not path.is_file():
            return None
        try:
            ckpt = load_checkpoint(path)
        except (ValueError, KeyError, RuntimeError):  # torn or foreign file: train again
            self.corrupt.append(path)
            return None
        trained = Trained(ckpt.model, ckpt.history or History(), dict(ckpt.extra or {}))
        self._remember(key, trained)
        return trained

    def put(self, key: str, trained: Trained) -> Path:
        self.root.mkdir(parents=True, exist_ok=True)
        path = save_checkpoint(self.path(key), trained.model, trained.model.config, trained.history,
                               extra=trained.info)
        self._remember(key, trained)
        return path

    def _remember(self, key: str, trained: Trained) -> None:
        with self._lock:
            self._memory[key] = trained
            self._memory.move_to_end(key)
            while len(self._memory) > self.keep:
                self._memory.popitem(last=False)

    def clear(self) -> int:
        with self._lock:
            self._memory.clear()
        files = list(self.root.glob("*.pt"))
        for p in files:
            p.unlink()
        return len(files)


class ResultCache:
    """Completed results on disk, one JSON file per key, and the :class:`ModelStore` of their trained models
    (``models``, under ``root/models``). Writes are atomic (a temporary file, then ``os.replace``), so a crash
    or two processes writing the same key never leave a torn file; an unreadable entry is recomputed.

    ``hits`` and ``misses`` count lookups through :meth:`run`.
    """

    def __init__(self, root: str | os.PathLike | None = None):
        self.root = Path(root) if root is not None else default_cache_root()
        self.models = ModelStore(self.root / "models")
        self.hits = 0
        self.misses = 0

    def path(self, key: str) -> Path:
        return self.root / f"{key}.json"

    def get(self, key: str) -> dict | None:
        """The stored result for ``key``, or None (also for an unreadable or foreign file: it is recomputed)."""
        try:
            with open(self.path(key), encoding="utf-8") as f:
                hit = json.load(f)
        except (OSError, ValueError):
            return None
        return hit if isinstance(hit, dict) and hit.get("key") == key else None

    def __contains__(self, key: str) -> bool:
        return self.get(key) is not None

    def put(self, key: str, result: Mapping) -> Path:
        """Store ``result`` under ``key`` atomically; returns the file's path."""
        self.root.mkdir(parents=True, exist_ok=True)
        data = {k: v for k, v in result.items() if k != "cached"}
        return atomic_write(self.path(key), lambda f: f.write(json.dumps(data, allow_nan=True).encode("utf-8")))

    def get_file(self, name: str) -> bytes | None:
        """Bytes stored by :meth:`put_file` (e.g. an explorer's drawn frame of a result), or None."""
        try:
            return (self.root / "files" / name).read_bytes()
        except OSError:
            return None

    def put_file(self, name: str, data: bytes) -> None:
        """Store ``data`` as ``files/name`` under the cache root, atomically."""
        folder = self.root / "files"
        folder.mkdir(parents=True, exist_ok=True)
        atomic_write(folder / name, lambda f: f.write(data))

    def lookup(self, experiment: Experiment, **params) -> dict | None:
        """The cached result of ``experiment(**params)`` or None; never runs anything."""
        hit = self.get(experiment.key(**params))
        return None if hit is None else {**hit, "cached": True}

    def run(self, experiment: Experiment, *, on_eval: Callable | None = None, stop: threading.Event | None = None,
            **params) -> dict:
        """``experiment(**params)`` from the cache if stored, else run it (on a stored model when only sampling
        parameters changed) and store it if it completed. The returned dict has ``"cached"``: True when it came
        from disk."""
        key = experiment.key(**params)
        hit = self.get(key)
        if hit is not None:
            self.hits += 1
            return {**hit, "cached": True}
        self.misses += 1
        result = experiment(on_eval=on_eval, stop=stop, models=self.models, **params)
        if result["done"]:
            self.put(key, result)
        return {**result, "cached": False}

    def clear(self) -> int:
        """Delete every stored result, file and model; returns how many results."""
        n = 0
        for p in self.root.glob("*.json"):
            p.unlink()
            n += 1
        for p in (self.root / "files").glob("*"):
            p.unlink()
        self.models.clear()
        return n

    def __repr__(self) -> str:
        return f"ResultCache({str(self.root)!r})"


# --- sweeps -----------------------------------------------------------------------------------------------------


def grid_points(grid: Mapping[str, Sequence] | Sequence[Mapping]) -> list[dict]:
    """Every combination of ``grid`` (name -> values), the last name varying fastest (row-major); a list of
    settings (dicts of parameters) is taken as it is, for comparisons that are not a product."""
    if not isinstance(grid, Mapping):
        points = [dict(p) for p in grid]
        if not points or not all(isinstance(p, Mapping) for p in grid):
            raise ValueError("grid is out of range: allowed a dict of name -> values, or a non-empty list of dicts")
        return points
    names = list(grid)
    return [dict(zip(names, values, strict=True)) for values in itertools.product(*(grid[n] for n in names))]


def sweep(fn: Experiment, grid: Mapping[str, Sequence] | Sequence[Mapping], cache: ResultCache | None = None, *,
          seeds: Sequence[int] | None = None, executor: Executor | None = None, workers: int = 1,
          on_result: Callable[[dict], None] | None = None, stop: threading.Event | None = None,
          **fixed) -> list[dict]:
    """Run ``fn`` at every point of ``grid`` (see :func:`grid_points`), each with every seed of ``seeds`` (seed
    varying fastest), with ``fixed`` parameters, through ``cache`` when given; returns the results in grid order.
    ``on_result(result)`` is called as each point finishes (cached points first).

    Where the points run:

    - ``executor``: any :class:`concurrent.futures.Executor`, e.g. a Dask cluster's
      ``distributed.Client("tcp://HOST:8786").get_executor()``. Each point runs in a worker, which checks that
      it computes the same cache key as here (the same minigpt source and torch), and its result is stored in
      ``cache`` here. The experiment must be importable by name.
    - else ``workers > 1``: a local pool of that many fresh processes, one torch thread each (on 2 cores, two
      1-thread processes train about 1.4x as many steps per second as one 2-thread process).
    - else, or with ``stop``: one after the other in this process (``stop`` ends the sweep after the current
      point, whose partial result is kept).

    Results are the same whichever ran them (only ``seconds`` and ``cached`` differ). Ctrl-C cancels the points
    not started; every finished point has been passed to ``on_result`` and stored in ``cache``.
    """
    swept = set().union(*map(set, grid_points(grid)))
    overlap = swept & set(fixed)
    if overlap:
        raise ValueError(f"parameters {sorted(overlap)} are both swept and fixed")
    if seeds is not None:
        if "seed" in swept or "seed" in fixed or "seed" not in fn.param_names:
            raise ValueError(f"seeds= needs a 'seed' parameter that is neither swept nor fixed: {fn.name} has "
                             f"{list(fn.param_names)}")
        if not seeds:
            raise ValueError("seeds is out of range: allowed a non-empty list of ints")
    points = [{**fixed, **point, **({} if seeds is None else {"seed": s})}
              for point in grid_points(grid) for s in (seeds if seeds is not None else [None])]
    for params in points:
        fn.check(**params)  # a bad value fails here, before anything runs
    if executor is None and workers > 1 and stop is None:
        if not fn.importable:
            return _sweep_serial(fn, points, cache, on_result, stop)
        import multiprocessing
        from concurrent.futures import ProcessPoolExecutor

        # spawn, not fork: a forked child of a process that already ran torch threads can deadlock
        with ProcessPoolExecutor(max_workers=workers, mp_context=multiprocessing.get_context("spawn"),
                                 initializer=torch.set_num_threads, initargs=(1,)) as pool:
            return _sweep_on(pool, fn, points, cache, on_result)
    if executor is not None:
        if not fn.importable:
            raise ValueError(f"{fn.name} cannot run on an executor: it is not importable as {fn.module}.{fn.name}")
        return _sweep_on(executor, fn, points, cache, on_result)
    return _sweep_serial(fn, points, cache, on_result, stop)


def _sweep_serial(fn, points, cache, on_result, stop) -> list[dict]:
    results = []
    for params in points:
        if stop is not None and stop.is_set():
            break
        result = cache.run(fn, stop=stop, **params) if cache is not None else {**fn(stop=stop, **params),
                                                                                "cached": False}
        results.append(result)
        if on_result is not None:
            on_result(result)
    return results


def _sweep_on(executor: Executor, fn: Experiment, points: list[dict], cache: ResultCache | None,
              on_result: Callable | None) -> list[dict]:
    results: list[dict | None] = [None] * len(points)
    futures: dict[Future, int] = {}
    for i, params in enumerate(points):
        hit = cache.lookup(fn, **params) if cache is not None else None
        if hit is not None:
            cache.hits += 1
            results[i] = hit
            if on_result is not None:
                on_result(hit)
        else:
            root = None if cache is None else str(cache.root)
            futures[executor.submit(_run_point, fn.module, fn.name, params, fast_mode(), fn.key(**params), root)] = i
    try:
        for future in as_completed(futures):
            result = {**future.result(), "cached": False}
            if cache is not None:
                cache.misses += 1
                if result["done"]:
                    cache.put(result["key"], result)
            results[futures[future]] = result
            if on_result is not None:
                on_result(result)
    except BaseException:  # Ctrl-C or a failed point: drop what has not started, keep what finished
        for future in futures:
            future.cancel()
        raise
    return results  # type: ignore[return-value]


def _run_point(module: str, name: str, params: dict, fast_flag: bool, expected_key: str, root: str | None) -> dict:
    """Worker side of a sweep: import the experiment by name, check that this worker resolves the same spec
    (same minigpt source, same torch), run it through the cache at ``root`` (the client's, on one machine or a
    shared disk; a worker that cannot write there runs without it: the client stores the result anyway)."""
    fn = getattr(importlib.import_module(module), name)
    with fast(fast_flag):
        key = fn.key(**params)
        if key != expected_key:
            raise RuntimeError(f"{name}{params}: this worker's minigpt or torch differs from the client's "
                               f"({_version()}); install the same versions on every worker")
        cache = None
        if root is not None:
            try:
                Path(root).mkdir(parents=True, exist_ok=True)
                cache = ResultCache(root)
            except OSError:
                pass
        return cache.run(fn, **params) if cache is not None else {**fn(**params), "cached": False}


# --- seeds and intervals ----------------------------------------------------------------------------------------


def scalar_metrics(result: Mapping) -> dict[str, float]:
    """The numeric entries of ``result["metrics"]`` (ints, floats and bools, as floats)."""
    metrics = result.get("metrics") or {}
    return {k: float(v) for k, v in metrics.items() if isinstance(v, (int, float)) and not isinstance(v, str)}


def summarize(results: Sequence[Mapping], level: float = 0.95,
              bounds: Mapping[str, tuple[float, float]] | None = None) -> dict:
    """Mean and ``level`` interval over seeds of every scalar metric of ``results`` (runs of one setting):
    ``{metric: Interval}`` (see :func:`minigpt.metrics.mean_interval`; one seed is marked as such).

    A metric with bounds (``bounds[metric]``, else the first result's ``result["bounds"][metric]``, which the
    experiment's ``bounds`` fill in) has its interval clipped to them: a share's interval stays in [0, 1]."""
    names = list(scalar_metrics(results[0])) if results else []
    known = {**(results[0].get("bounds") or {}), **(bounds or {})} if results else {}
    out = {}
    for name in names:
        values = [scalar_metrics(r).get(name, math.nan) for r in results]
        values = [v for v in values if math.isfinite(v)]
        if values:
            out[name] = mean_interval(values, level, bounds=known.get(name))
    return out


def result_rows(results: Sequence[Mapping]) -> list[dict]:
    """One flat row per result: every parameter, every scalar metric, ``seconds`` and ``cached``."""
    return [{**r["params"], **scalar_metrics(r), "seconds": round(r.get("seconds", math.nan), 3),
             "cached": bool(r.get("cached"))} for r in results]


def summary_rows(results: Sequence[Mapping], level: float = 0.95) -> list[dict]:
    """One row per setting (every parameter but ``seed``): ``n_seeds``, and per metric its mean and interval
    (``metric``, ``metric_low``, ``metric_high``; the bounds empty for one seed)."""
    groups: dict[str, list] = {}
    for r in results:
        setting = {k: v for k, v in r["params"].items() if k != "seed"}
        groups.setdefault(canonical_json(setting), []).append(r)
    rows = []
    for members in groups.values():
        row = {k: v for k, v in members[0]["params"].items() if k != "seed"}
        row["n_seeds"] = len(members)
        for name, interval in summarize(members, level).items():
            row[name] = interval.estimate
            row[f"{name}_low"] = interval.low
            row[f"{name}_high"] = interval.high
        rows.append(row)
    return rows


def write_csv(path: str | os.PathLike, rows: Sequence[Mapping]) -> Path:
    """Write ``rows`` (dicts; the columns are every key, in first-seen order) as CSV, atomically."""
    columns = list(dict.fromkeys(k for row in rows for k in row))
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=columns, lineterminator="\n")
    writer.writeheader()
    for row in rows:
        writer.writerow({k: "" if row.get(k) is None else row.get(k) for k in columns})
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    return atomic_write(path, lambda f: f.write(buffer.getvalue().encode("utf-8")))
