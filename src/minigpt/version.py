"""The package version, in one place, and a hash of the library's source (temporary: see branch consolidate)."""

from __future__ import annotations

import functools
import hashlib
from pathlib import Path

__version__ = "0.1.0"


@functools.cache
def source_hash() -> str:
    root = Path(__file__).parent
    digest = hashlib.sha256()
    for f in sorted(root.rglob("*.py")):
        digest.update(f.relative_to(root).as_posix().encode() + f.read_bytes())
    return digest.hexdigest()[:12]


def version_string() -> str:
    return f"{__version__}+{source_hash()}"
