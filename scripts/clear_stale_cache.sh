#!/usr/bin/env bash
# jupyter-cache keys only on notebook code cells, so outputs made by older library code or in the other
# MINIGPT_FAST mode would be reused. Drop _build/.jupyter_cache when either changed since the last build.
# The library's identity is minigpt.version.source_hash, the same hash the result caches are keyed by. version.py
# is loaded by path (it needs only the standard library): no torch import, and it hashes this checkout's source
# even when the venv's minigpt is installed from another one.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
py=${PY:-.venv/bin/python}
[[ -x $py ]] || py=python3
source_hash="$("$py" -c '
import importlib.util
spec = importlib.util.spec_from_file_location("minigpt_version", "src/minigpt/version.py")
version = importlib.util.module_from_spec(spec)
spec.loader.exec_module(version)
print(version.source_hash())
')"
hash="$source_hash MINIGPT_FAST=${MINIGPT_FAST:-}"
stamp=_build/.library_stamp
if [[ ! -f $stamp || "$(cat "$stamp")" != "$hash" ]]; then
    [[ -d _build/.jupyter_cache ]] && echo "library or MINIGPT_FAST changed: clearing _build/.jupyter_cache"
    rm -rf _build/.jupyter_cache
    mkdir -p _build && echo "$hash" > "$stamp"
fi
