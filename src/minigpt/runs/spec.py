"""Specs and their keys: fast mode, canonical JSON, and the version every cache key carries."""

from __future__ import annotations

import contextlib
import contextvars
import hashlib
import json
import os
from collections.abc import Mapping

import torch

from ..version import version_string

CACHE_ENV = "MINIGPT_CACHE"
FAST_ENV = "MINIGPT_FAST"
CACHE_DIRNAME = ".minigpt_cache"
SAMPLE_SECTION = "sample"  # the part of a spec that only evaluation reads

_fast_override: contextvars.ContextVar[bool | None] = contextvars.ContextVar("minigpt_fast", default=None)


def fast_mode() -> bool:
    """True inside ``with set_fast(True)``, else when ``MINIGPT_FAST`` is set to something other than "", "0",
    "false" or "no"."""
    override = _fast_override.get()
    if override is not None:
        return override
    return os.environ.get(FAST_ENV, "").strip().lower() not in ("", "0", "false", "no")


@contextlib.contextmanager
def set_fast(enabled: bool | None = True):
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


def code_version() -> str:
    """The package version, a hash of the library's source and the torch version: results made by other code
    (an edit, another torch) are never served as fresh."""
    return f"{version_string()}+torch{torch.__version__}"


def spec_key(spec: Mapping) -> str:
    """sha256 hex digest of a spec together with :func:`code_version`."""
    payload = canonical_json({"spec": spec, "version": code_version()})
    return hashlib.sha256(payload.encode("utf-8")).hexdigest()
