"""The package version, in one place, and a hash of the library's source.

``pyproject.toml`` reads ``__version__`` from here (setuptools' ``attr:``, which parses this file without
importing the package). ``source_hash`` tells apart two builds of the same version whose code differs: result
caches and the book's execution cache are keyed by it, so nothing made by older code is reused. This module
uses the standard library only, so a build script can load it by path without importing torch.
"""

from __future__ import annotations

import functools
import hashlib
from pathlib import Path

__version__ = "0.1.0"

_PACKAGE = Path(__file__).parent


def source_hash(root: str | Path | None = None) -> str:
    """The first 12 hex characters of a sha256 over every ``*.py`` file under ``root`` (default: this package).

    Files are taken in the order of their paths relative to ``root`` (posix form, so the hash is the same on
    every OS); each contributes its relative path's bytes, then its own bytes. Other files (caches, ``.pyc``)
    do not count. The package's own hash is computed once per process: the code running is the code imported
    then, even if the files are edited later.
    """
    return _package_hash() if root is None else _hash_py_files(Path(root))


def version_string() -> str:
    """``"<version>+<source hash>"``, e.g. ``"0.1.0+3f2a9c01b7de"``."""
    return f"{__version__}+{source_hash()}"


@functools.cache
def _package_hash() -> str:
    return _hash_py_files(_PACKAGE)


def _hash_py_files(root: Path) -> str:
    digest = hashlib.sha256()
    for rel in sorted(f.relative_to(root).as_posix() for f in root.rglob("*.py")):
        digest.update(rel.encode() + (root / rel).read_bytes())
    return digest.hexdigest()[:12]
