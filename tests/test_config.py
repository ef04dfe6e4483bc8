"""The version in one place, the source hash, and the documentation every config field carries."""

from __future__ import annotations

import dataclasses
import hashlib
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

import minigpt
from minigpt import ModelConfig, SampleConfig, TrainConfig
from minigpt.config import doc
from minigpt.version import __version__, source_hash, version_string
from minigpt.worlds import AdditionConfig, FactsConfig, ModularConfig, StoriesConfig

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = Path(minigpt.__file__).parent


def reference_hash(root: Path) -> str:
    """The documented algorithm, written out independently: sha256 over the *.py files sorted by relative posix
    path, each as path bytes + file bytes; the first 12 hex characters."""
    digest = hashlib.sha256()
    for rel in sorted(p.relative_to(root).as_posix() for p in root.rglob("*.py")):
        digest.update(rel.encode() + (root / rel).read_bytes())
    return digest.hexdigest()[:12]


@pytest.fixture
def package_copy(tmp_path):
    dst = tmp_path / "minigpt"
    shutil.copytree(PACKAGE, dst, ignore=shutil.ignore_patterns("__pycache__"))
    return dst


def test_source_hash_is_the_documented_algorithm():
    assert source_hash() == reference_hash(PACKAGE)
    assert len(source_hash()) == 12 and int(source_hash(), 16) >= 0
    assert version_string() == f"{__version__}+{source_hash()}"


def test_source_hash_changes_with_the_code_and_only_with_it(package_copy):
    before = source_hash(package_copy)
    assert before == source_hash(package_copy) == source_hash()  # stable, and independent of where the copy lies
    (package_copy / "notes.txt").write_text("not code")
    (package_copy / "__pycache__").mkdir()
    (package_copy / "__pycache__" / "model.cpython-311.pyc").write_bytes(b"\x00")
    assert source_hash(package_copy) == before  # only *.py files count
    model = package_copy / "model.py"
    model.write_bytes(model.read_bytes() + b"\n# an edit\n")
    edited = source_hash(package_copy)
    assert edited != before and edited == reference_hash(package_copy)
    (package_copy / "model.py").rename(package_copy / "worlds" / "model.py")
    assert source_hash(package_copy) not in (before, edited)  # a moved file changes the hash: paths count too


def test_clear_stale_cache_uses_the_source_hash(tmp_path):
    repo = tmp_path / "repo"
    shutil.copytree(PACKAGE, repo / "src" / "minigpt", ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copytree(ROOT / "scripts", repo / "scripts", ignore=shutil.ignore_patterns("__pycache__"))
    cache = repo / "_build" / ".jupyter_cache"

    def run(fast: str) -> str:
        env = os.environ | {"PY": sys.executable, "MINIGPT_FAST": fast}
        subprocess.run(["bash", "scripts/clear_stale_cache.sh"], cwd=repo, env=env, check=True, capture_output=True)
        return (repo / "_build" / ".library_stamp").read_text().strip()

    cache.mkdir(parents=True)
    assert run("") == f"{source_hash()} MINIGPT_FAST="
    assert not cache.exists()  # first build: no stamp, so the cache is dropped
    cache.mkdir()
    run("")
    assert cache.exists()  # nothing changed: the cache is kept
    assert run("1") == f"{source_hash()} MINIGPT_FAST=1" and not cache.exists()
    cache.mkdir()
    (repo / "src" / "minigpt" / "plots.py").write_text("# edited\n", encoding="utf-8")
    assert run("1") == f"{source_hash(repo / 'src' / 'minigpt')} MINIGPT_FAST=1" and not cache.exists()


def test_version_lives_in_one_place():
    assert minigpt.__version__ == __version__
    tomllib = pytest.importorskip("tomllib")
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())
    assert "version" not in project["project"] and "version" in project["project"]["dynamic"]
    assert project["tool"]["setuptools"]["dynamic"]["version"] == {"attr": "minigpt.version.__version__"}


@pytest.mark.parametrize("cls", [ModelConfig, TrainConfig, SampleConfig, StoriesConfig, FactsConfig, ModularConfig,
                                 AdditionConfig])
def test_every_config_field_is_documented(cls):
    for f in dataclasses.fields(cls):
        assert f.metadata.get("help"), f"{cls.__name__}.{f.name} has no documentation"


def test_doc_requires_text():
    with pytest.raises(ValueError, match="text"):
        doc(1)
