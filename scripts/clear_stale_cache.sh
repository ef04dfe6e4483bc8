#!/usr/bin/env bash
# jupyter-cache keys only on notebook code cells, so outputs made by older library code or in the other
# MINIGPT_FAST mode would be reused. Drop _build/.jupyter_cache when either changed since the last build.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
hash="$( { find src/minigpt -type f ! -path '*/__pycache__/*' -print0 | sort -z | xargs -0 sha256sum
           echo "MINIGPT_FAST=${MINIGPT_FAST:-}"; } | sha256sum | cut -d' ' -f1)"
stamp=_build/.library_stamp
if [[ ! -f $stamp || "$(cat "$stamp")" != "$hash" ]]; then
    [[ -d _build/.jupyter_cache ]] && echo "library or MINIGPT_FAST changed: clearing _build/.jupyter_cache"
    rm -rf _build/.jupyter_cache
    mkdir -p _build && echo "$hash" > "$stamp"
fi
