"""Sweeps: a grid of parameters (times seeds) run here, in a local process pool, or on any Executor."""

from __future__ import annotations

import importlib
import itertools
import threading
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import Executor, Future, as_completed
from pathlib import Path

import torch

from ..timing import timed
from .experiment import Experiment
from .spec import code_version, fast_mode, set_fast
from .store import ResultCache


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

    On a pool or executor the points start longest first (:func:`longest_first`). Results are the same whichever
    ran them (only ``seconds`` and ``cached`` differ), and come back in grid order. Ctrl-C cancels the points
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


def cost_estimate(spec: Mapping) -> float:
    """A run's relative cost from its spec, to start the longest runs first: training steps (``stop_at`` where it
    is a number) x tokens a step (batch x block) x the block matrices' weights (n_layer x n_embd^2). 0.0 for a spec
    without those settings (it then keeps its place). Only an order: a full batch counts as one row."""
    model, train = spec.get("model", {}), spec.get("train", {})
    try:
        steps = train["steps"]
        if isinstance(spec.get("stop_at"), int) and not isinstance(spec.get("stop_at"), bool):
            steps = min(steps, spec["stop_at"])
        return float(steps * (train.get("batch_size") or 1) * model["block_size"]
                     * model["n_layer"] * model["n_embd"] ** 2)
    except (KeyError, TypeError):
        return 0.0


def longest_first(fn: Experiment, points: Sequence[Mapping]) -> list[int]:
    """The indices of ``points`` in the order to start them on a pool: by :func:`cost_estimate`, highest first,
    so the longest run does not start last while the other workers idle. The sort is stable: points of equal cost
    keep the sweep's order. A run derived from another (the same run stopped earlier, or continued from its
    snapshot: ``Trained.derived``) costs no more than its parent, so it stays after it."""
    costs = [cost_estimate(fn.spec(**params)) for params in points]
    return sorted(range(len(points)), key=lambda i: -costs[i])


def _sweep_on(executor: Executor, fn: Experiment, points: list[dict], cache: ResultCache | None,
              on_result: Callable | None) -> list[dict]:
    results: list[dict | None] = [None] * len(points)
    futures: dict[Future, int] = {}
    missing = []
    for i, params in enumerate(points):
        hit = cache.lookup(fn, **params) if cache is not None else None
        if hit is not None:
            cache.hits += 1
            results[i] = hit
            if on_result is not None:
                on_result(hit)
        else:
            missing.append(i)
    root = None if cache is None else str(cache.root)
    for j in longest_first(fn, [points[i] for i in missing]):
        i = missing[j]
        futures[executor.submit(_run_point, fn.module, fn.name, points[i], fast_mode(), fn.key(**points[i]),
                                root)] = i
    try:
        with timed("wait"):
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
    with set_fast(fast_flag):
        key = fn.key(**params)
        if key != expected_key:
            raise RuntimeError(f"{name}{params}: this worker's minigpt or torch differs from the client's "
                               f"({code_version()}); install the same versions on every worker")
        cache = None
        if root is not None:
            try:
                Path(root).mkdir(parents=True, exist_ok=True)
                cache = ResultCache(root)
            except OSError:
                pass
        return cache.run(fn, **params) if cache is not None else {**fn(**params), "cached": False}
