"""The engine every study and explorer builds on: train once and evaluate many times, seeds with intervals,
sweeps on any executor.

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

Modules: :mod:`.spec` (fast mode, canonical JSON, keys), :mod:`.experiment` (:class:`Experiment`,
:class:`Trained`), :mod:`.store` (:class:`ResultCache`, :class:`ModelStore`), :mod:`.sweeps`, :mod:`.summary`
(seeds into intervals) and :mod:`.build` (a study's world, model and trainer from its spec). Nothing here imports
a study or an explorer.
"""

from .build import cached_world, check_model_and_training, model_for, train_config_for, trainer_for
from .experiment import Experiment, Trained, torch_threads, train_with_events
from .spec import SAMPLE_SECTION, canonical_json, code_version, fast_mode, set_fast, spec_key
from .store import ModelStore, ResultCache, default_cache_root
from .summary import result_rows, scalar_metrics, seed_results, summarize, summary_rows, write_csv
from .sweeps import grid_points, sweep

__all__ = [
    "Experiment", "ModelStore", "ResultCache", "SAMPLE_SECTION", "Trained", "cached_world", "canonical_json",
    "check_model_and_training", "code_version", "default_cache_root", "fast_mode", "grid_points", "model_for",
    "result_rows", "scalar_metrics", "seed_results", "set_fast", "spec_key", "summarize", "summary_rows", "sweep",
    "torch_threads", "train_config_for", "train_with_events", "trainer_for", "write_csv",
]
