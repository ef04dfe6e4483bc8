"""Where results and trained models live: one JSON file per result, one checkpoint per trained model."""

from __future__ import annotations

import json
import os
import threading
from collections import OrderedDict
from collections.abc import Callable, Mapping
from pathlib import Path

from ..checkpoint import atomic_write, load_checkpoint, save_checkpoint
from ..train import History
from .experiment import Experiment, Trained
from .spec import CACHE_DIRNAME, CACHE_ENV


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
