"""The named experiments the chapters run, a sweep runner, and an on-disk result cache.

An :class:`Experiment` turns keyword parameters into a *spec* (a plain dict holding every config the run uses:
world, model, training, sampling) and the spec into a *result*: a plain, JSON-able dict with the run's history
(``History.to_dict()``), its metrics and a few sample strings. Given its spec a result is deterministic (on one
machine and thread count), except ``result["seconds"]``, the wall-clock cost.

Results are cached on disk by :class:`ResultCache`, keyed by the spec, the package version and a hash of the
library's source code, so a chapter that was built once shows its results at once, and a sweep figure and an
explorer that ask for the same run share it.

Runs can be watched and cancelled: ``on_eval(history)`` is called with the partial :class:`~minigpt.History`
after each evaluation, and setting the ``stop`` event (a :class:`threading.Event`) ends the run after the
current step, keeping the partial history (``result["stop_reason"] == "stopped"``). Only completed runs are
cached.

``MINIGPT_FAST=1`` (:func:`fast_mode`) shrinks every experiment so a chapter runs in seconds (for nbval).
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import importlib
import inspect
import itertools
import json
import math
import os
import threading
import time
from collections.abc import Callable, Mapping
from pathlib import Path

import torch

from .checkpoint import atomic_write
from .config import ModelConfig, TrainConfig
from .model import GPT
from .sample import generate
from .tokenizer import CharTokenizer
from .train import Trainer
from .worlds.stories import StoriesConfig, make_stories, split_sentences

CACHE_ENV = "MINIGPT_CACHE"
FAST_ENV = "MINIGPT_FAST"
CACHE_DIRNAME = ".minigpt_cache"


def fast_mode() -> bool:
    """True when ``MINIGPT_FAST`` is set to something other than "", "0", "false" or "no"."""
    return os.environ.get(FAST_ENV, "").strip().lower() not in ("", "0", "false", "no")


def canonical_json(obj) -> str:
    """JSON with sorted keys and no spaces: equal dicts give equal strings (the input to cache keys)."""
    return json.dumps(obj, sort_keys=True, separators=(",", ":"), allow_nan=True)


def _version() -> str:
    """The package version plus a hash of the library's source, so results made by older code are never
    served as fresh after an edit."""
    from . import __version__

    return f"{__version__}+{_source_hash()}"


@functools.cache
def _source_hash() -> str:
    root = Path(__file__).parent
    digest = hashlib.sha256()
    for f in sorted(root.rglob("*.py")):
        digest.update(f.relative_to(root).as_posix().encode() + f.read_bytes())
    return digest.hexdigest()[:12]


# --- experiments ------------------------------------------------------------------------------------------------


class Experiment:
    """A named, deterministic experiment: ``experiment(**params, on_eval=None, stop=None) -> result dict``.

    Built from two functions: ``configure(**params) -> dict`` resolves the parameters into every config the run
    uses (its signature *is* the experiment's parameter list, defaults included), and ``run(spec, on_eval, stop)
    -> dict`` does the work. Use the :func:`experiment` decorator.
    """

    def __init__(self, configure: Callable[..., dict], run: Callable[..., dict], name: str | None = None):
        self.configure = configure
        self.run_spec = run
        self.name = name or run.__name__
        self.module = run.__module__
        self.signature = inspect.signature(configure)
        self.__doc__ = run.__doc__
        self.__name__ = self.name
        params = list(self.signature.parameters.values())
        extra = [inspect.Parameter(n, inspect.Parameter.KEYWORD_ONLY, default=None) for n in ("on_eval", "stop")]
        self.__signature__ = self.signature.replace(parameters=params + extra)

    @property
    def param_names(self) -> tuple[str, ...]:
        return tuple(self.signature.parameters)

    def params(self, **params) -> dict:
        """``params`` with every default filled in; an int given for a float parameter becomes a float, so
        ``dropout=0`` and ``dropout=0.0`` are the same run (and the same cache key)."""
        unknown = set(params) - set(self.param_names)
        if unknown:
            raise ValueError(f"{self.name}: unknown parameters {sorted(unknown)}; allowed {list(self.param_names)}")
        bound = self.signature.bind(**params)
        bound.apply_defaults()
        out = {}
        for name, value in bound.arguments.items():
            default = self.signature.parameters[name].default
            if isinstance(default, float) and isinstance(value, int) and not isinstance(value, bool):
                value = float(value)
            out[name] = value
        return out

    def spec(self, **params) -> dict:
        """Everything that determines the run, as plain data: ``{"experiment", "params", **configure(...)}``."""
        resolved = self.params(**params)
        return {"experiment": self.name, "params": resolved, **self.configure(**resolved)}

    def key(self, **params) -> str:
        """Cache key: sha256 of the canonical JSON of the spec (name, params, configs, world seed) and the
        package version."""
        return spec_key(self.spec(**params))

    def __call__(self, *, on_eval: Callable | None = None, stop: threading.Event | None = None, **params) -> dict:
        spec = self.spec(**params)
        start = time.perf_counter()
        with torch_threads(spec.get("torch_threads")):
            out = self.run_spec(spec, on_eval=on_eval, stop=stop)
        result = {"experiment": self.name, "params": spec["params"], "spec": spec, "key": spec_key(spec),
                  "version": _version(), **out}
        result["done"] = result.get("stop_reason") == "completed"
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


def spec_key(spec: Mapping) -> str:
    """sha256 hex digest of a spec together with :func:`_version` (package version and source hash)."""
    payload = canonical_json({"spec": spec, "version": _version()})
    return hashlib.sha256(payload.encode("utf-8")).hexdigest()


def experiment(configure: Callable[..., dict], name: str | None = None) -> Callable[[Callable], Experiment]:
    """Decorator: ``@experiment(configure)`` over ``def run(spec, on_eval=None, stop=None) -> dict``."""

    def wrap(run: Callable) -> Experiment:
        return Experiment(configure, run, name=name)

    return wrap


# --- the cache --------------------------------------------------------------------------------------------------


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


class ResultCache:
    """Completed results on disk, one JSON file per key. Writes are atomic (a temporary file, then
    ``os.replace``), so a crash or two processes writing the same key never leave a torn file.

    ``hits`` and ``misses`` count lookups through :meth:`run`.
    """

    def __init__(self, root: str | os.PathLike | None = None):
        self.root = Path(root) if root is not None else default_cache_root()
        self.hits = 0
        self.misses = 0

    def path(self, key: str) -> Path:
        return self.root / f"{key}.json"

    def get(self, key: str) -> dict | None:
        """The stored result for ``key``, or None (also for an unreadable file, which is then recomputed)."""
        try:
            with open(self.path(key), encoding="utf-8") as f:
                return json.load(f)
        except (OSError, ValueError):
            return None

    def __contains__(self, key: str) -> bool:
        return self.path(key).is_file()

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
        """``experiment(**params)`` from the cache if stored, else run it (and store it if it completed).
        The returned dict has ``"cached"``: True when it came from disk."""
        key = experiment.key(**params)
        hit = self.get(key)
        if hit is not None:
            self.hits += 1
            return {**hit, "cached": True}
        self.misses += 1
        result = experiment(on_eval=on_eval, stop=stop, **params)
        if result["done"]:
            self.put(key, result)
        return {**result, "cached": False}

    def clear(self) -> int:
        """Delete every stored result (and stored file); returns how many results."""
        n = 0
        for p in self.root.glob("*.json"):
            p.unlink()
            n += 1
        for p in (self.root / "files").glob("*"):
            p.unlink()
        return n

    def __repr__(self) -> str:
        return f"ResultCache({str(self.root)!r})"


def grid_points(grid: Mapping[str, list]) -> list[dict]:
    """Every combination of ``grid`` (name -> values), the last name varying fastest (row-major)."""
    names = list(grid)
    return [dict(zip(names, values, strict=True)) for values in itertools.product(*(grid[n] for n in names))]


def sweep(fn: Experiment, grid: Mapping[str, list], cache: ResultCache | None = None, *, workers: int = 1,
          on_result: Callable[[dict], None] | None = None, stop: threading.Event | None = None, **fixed) -> list[dict]:
    """Run ``fn`` at every point of ``grid`` (see :func:`grid_points`) with ``fixed`` parameters, through
    ``cache`` when given; returns the results in grid order. ``on_result(result)`` is called after each point.

    ``workers > 1`` runs the points missing from the cache in that many fresh processes (one torch thread each:
    on 2 cores, 2 single-threaded runs at once finish about twice as fast as one after the other). It needs a
    cache (the processes share results through it) and an experiment importable by name; otherwise, or with
    ``stop``, points run one after the other here.
    """
    overlap = set(grid) & set(fixed)
    if overlap:
        raise ValueError(f"parameters {sorted(overlap)} are both swept and fixed")
    points = [{**fixed, **point} for point in grid_points(grid)]
    if workers > 1 and cache is not None and stop is None and fn.importable:
        return _sweep_parallel(fn, points, cache, workers, on_result)
    results = []
    for params in points:
        if stop is not None and stop.is_set():
            break
        result = cache.run(fn, stop=stop, **params) if cache is not None else fn(stop=stop, **params)
        results.append(result)
        if on_result is not None:
            on_result(result)
    return results


def _sweep_parallel(fn: Experiment, points: list[dict], cache: ResultCache, workers: int,
                    on_result: Callable[[dict], None] | None) -> list[dict]:
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    results: list[dict | None] = [cache.lookup(fn, **p) for p in points]
    missing = [i for i, r in enumerate(results) if r is None]
    if len(missing) > 1:
        # spawn, not fork: a forked child of a process that already ran torch threads can deadlock
        context = multiprocessing.get_context("spawn")
        with ProcessPoolExecutor(max_workers=min(workers, len(missing)), mp_context=context) as pool:
            futures = {i: pool.submit(_run_cached, fn.module, fn.name, points[i], str(cache.root)) for i in missing}
            for i, future in futures.items():
                results[i] = {**future.result(), "cached": False}
                cache.misses += 1
    for i, params in enumerate(points):
        if results[i] is None:
            results[i] = cache.run(fn, **params)
        elif results[i]["cached"]:
            cache.hits += 1
        if on_result is not None:
            on_result(results[i])
    return results  # type: ignore[return-value]


def _run_cached(module: str, name: str, params: dict, root: str) -> dict:
    """Worker-process side of a parallel sweep: import the experiment by name, run it through the cache."""
    fn = getattr(importlib.import_module(module), name)
    return ResultCache(root).run(fn, **params)


# --- chapter 3: overfitting a small story set ----------------------------------------------------------------------


def _overfit_configure(dropout: float = 0.0, weight_decay: float = 0.0, emb_noise_alpha: float = 0.0,
                       drop_path: float = 0.0, steps: int | None = None, seed: int = 0, world_seed: int = 0,
                       n_stories: int | None = None, temperature: float = 0.8, n_samples: int | None = None) -> dict:
    fast = fast_mode()
    if steps is None:
        steps = 40 if fast else 800
    if n_stories is None:
        n_stories = 12 if fast else 40
    if n_samples is None:
        n_samples = 8 if fast else 48
    return {
        "torch_threads": 1,  # fast for this size, and the same numbers on every machine (see torch_threads)
        "world": {"n_stories": n_stories, "n_val_stories": 10 if fast else 50, "seed": world_seed},
        # a 32-character window holds most of a sentence and costs half a 64 one
        "model": {"block_size": 32, "n_layer": 2, "n_head": 4, "n_embd": 64, "dropout": dropout,
                  "drop_path": drop_path, "emb_noise_alpha": emb_noise_alpha},
        # 20 evaluations a run (10 in fast mode): enough points for a curve, about 7% of the training time
        "train": {"steps": steps, "batch_size": 32, "lr": 1e-2, "warmup_steps": min(50, steps // 10),
                  "weight_decay": weight_decay, "eval_interval": max(1, steps // (10 if fast else 20)),
                  "eval_batches": 2 if fast else 4, "seed": seed},
        "sample": {"n": n_samples, "max_new_tokens": 80 if fast else 150, "temperature": temperature,
                   "seed": seed},
    }


@experiment(_overfit_configure)
def overfit_stories(spec: dict, on_eval: Callable | None = None, stop: threading.Event | None = None) -> dict:
    """Train a 2-layer, 64-wide character GPT for many epochs on a small stories world (by default 40 stories,
    about 160 distinct sentences, 800 steps: about 160 passes over the text; a 32-character window), then sample
    ``n_samples`` stories at ``temperature`` and score each sentence as copied / novel-valid / invalid.

    Parameters: ``dropout`` (all three sites), ``weight_decay`` (AdamW, matrices only), ``emb_noise_alpha``
    (NEFTune), ``drop_path`` (stochastic depth), ``steps``, ``seed`` (init, batches, dropout, sampling),
    ``world_seed``, ``n_stories`` (training stories of 3-5 sentences), ``temperature``, ``n_samples``.

    Returns ``history`` (``History.to_dict()``; losses in nats per character), ``metrics`` (``final_train_loss``,
    ``final_val_loss``, ``gap`` = val - train at the last step, ``best_val_loss`` and ``best_val_step``,
    ``n_sentences`` scored and the shares ``copied``, ``novel`` (valid and not in the training set) and
    ``invalid``; None when stopped early), ``samples`` (the first 4 sampled stories), ``n_train_sentences``,
    ``n_params`` and ``stop_reason``.
    """
    world = make_stories(StoriesConfig(**spec["world"]))
    tok = CharTokenizer(world.alphabet)
    train = torch.tensor(tok.encode(world.train_text), dtype=torch.long)
    val = torch.tensor(tok.encode(world.val_text), dtype=torch.long)
    model = GPT(ModelConfig(vocab_size=tok.vocab_size, **spec["model"]), seed=spec["train"]["seed"])
    trainer = Trainer(model, TrainConfig(**spec["train"]), train, val)
    if on_eval is not None:
        trainer.add_callback("on_eval", lambda t: on_eval(t.history))
    if stop is not None:  # checked after every step and after on_eval, which may be what set it
        for event in ("on_step_end", "on_eval"):
            trainer.add_callback(event, lambda t: t.stop() if stop.is_set() else None)
    out = {"n_train_sentences": len(world.train_sentences), "n_params": model.num_params(), "metrics": None,
           "samples": []}
    if stop is not None and stop.is_set():
        history = trainer.history
        history.stop_reason = "stopped"
    else:
        history = trainer.fit()
    out["history"] = history.to_dict()
    out["stop_reason"] = history.stop_reason
    if history.stop_reason != "completed":
        return out

    s = spec["sample"]
    gen = torch.Generator().manual_seed(s["seed"])
    prompt = torch.full((s["n"], 1), tok.encode("\n")[0], dtype=torch.long)
    rows = generate(model, prompt, s["max_new_tokens"], temperature=s["temperature"], generator=gen)
    texts = [tok.decode(r[1:].tolist()) for r in rows]
    counts = {"copied": 0, "novel": 0, "invalid": 0}
    for text in texts:
        for sentence in split_sentences(text):
            counts[world.classify(sentence)] += 1
    n = sum(counts.values())
    ev, va = history.eval_train_loss, history.val_loss
    best = min(range(len(va)), key=lambda i: va[i]) if va else None
    out["metrics"] = {
        "final_train_loss": ev[-1],
        "final_val_loss": va[-1],
        "gap": va[-1] - ev[-1],
        "best_val_loss": va[best] if best is not None else math.nan,
        "best_val_step": history.eval_step[best] if best is not None else 0,
        "n_sentences": n,
        **{k: (c / n if n else 0.0) for k, c in counts.items()},
    }
    out["samples"] = [t.rsplit(".", 1)[0] + "." if "." in t else t for t in texts[:4]]
    return out


def overfit_numbers(result: Mapping) -> dict[str, str]:
    """The numbers an explorer shows for an ``overfit_stories`` result, as display strings."""
    m = result.get("metrics")
    if not m:
        h = result["history"]
        if not h["eval_step"]:
            return {"step": str(h["step"][-1] + 1 if h["step"] else 0)}
        return {"step": str(h["eval_step"][-1]), "train loss": f"{h['eval_train_loss'][-1]:.2f}",
                "val loss": f"{h['val_loss'][-1]:.2f}"}
    return {
        "gap": f"{m['gap']:+.2f} nats",
        "val loss": f"{m['final_val_loss']:.2f} (best {m['best_val_loss']:.2f} at step {m['best_val_step']})",
        "copied": f"{m['copied']:.0%}",
        "novel-valid": f"{m['novel']:.0%}",
        "invalid": f"{m['invalid']:.0%}",
    }
