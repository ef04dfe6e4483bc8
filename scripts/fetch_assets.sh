#!/usr/bin/env bash
# Fetch the third-party JavaScript the built book serves itself, so the HTML
# works offline (classroom, no CDN). Nothing here is committed: the files land
# in book/_assets/ (git-ignored) and `html_extra_path` copies them into the build.
# Idempotent: a stamp file records the pinned versions; a second run is instant.
set -euo pipefail

# Pinned versions + npm integrity hashes (a tampered or swapped tarball fails).
MATHJAX="mathjax@3.2.2"
MATHJAX_SHA="sha512-Bt+SSVU8eBG27zChVewOicYs7Xsdt40qm4+UpHyX7k0/O9NliPc+x77k1/FEsPsjKPZGJvtRZM1vO+geW0OhGw=="
# html-manager 1.x speaks widget protocol 2.x = ipywidgets 8.
WIDGETS="@jupyter-widgets/html-manager@1.0.15"
WIDGETS_SHA="sha512-5thBIV6ymNgmPVOHvzx+gGy8ZSKmSazhtGw4/c4xJDVzRhG9PTeQsRjF3FUTopvFi//SABeNz1yp47bCrJ3CQA=="
REQUIREJS="requirejs@2.3.7"
REQUIREJS_SHA="sha512-DouTG8T1WanGok6Qjg2SXuCMzszOo0eHeH9hDZ5Y4x8Je+9JB38HdTLT4/VA8OaUhBa0JPVHJ0pyBkM1z+pDsw=="

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
DEST="$ROOT/book/_assets"
STAMP="$DEST/.versions"
WANT="$MATHJAX $WIDGETS $REQUIREJS fonts-at-book"  # the last word: the layout of this folder, so an old one is refetched

if [[ -f "$STAMP" && "$(cat "$STAMP")" == "$WANT" ]]; then
    exit 0
fi
if ! command -v npm >/dev/null 2>&1; then
    echo "fetch_assets.sh: npm not found. Install Node.js (which ships npm), e.g." >&2
    echo "  apt-get install -y npm   or   https://nodejs.org/ ; then rerun this script." >&2
    echo "npm is used only to download pinned MathJax/ipywidgets files from the npm registry." >&2
    exit 1
fi

TMP="$(mktemp -d)"
trap 'rm -rf "$TMP"' EXIT

# `npm pack` downloads just the tarball (no dependency tree, no node_modules).
fetch() {  # fetch SPEC SHA -> path of verified tarball on stdout
    local spec="$1" sha="$2" got file
    got="$(cd "$TMP" && npm pack --silent --json "$spec")" || {
        echo "fetch_assets.sh: could not download $spec from the npm registry" >&2; exit 1; }
    file="$TMP/$(printf '%s' "$got" | sed -n 's/.*"filename": *"\([^"]*\)".*/\1/p' | head -n1)"
    if [[ "$(printf '%s' "$got" | sed -n 's/.*"integrity": *"\([^"]*\)".*/\1/p' | head -n1)" != "$sha" ]]; then
        echo "fetch_assets.sh: integrity mismatch for $spec" >&2; exit 1
    fi
    printf '%s' "$file"
}

NEW="$DEST.new"
rm -rf "$NEW"
mkdir -p "$NEW/mathjax" "$NEW/ipywidgets" "$NEW/requirejs"

# MathJax: the combined TeX->HTML bundle plus what it loads lazily (TeX
# extensions, CHTML fonts, menu/accessibility); the other bundles are unused.
tar -xzf "$(fetch "$MATHJAX" "$MATHJAX_SHA")" -C "$TMP"
cp "$TMP/package/es5/tex-chtml.js" "$NEW/mathjax/"
cp -r "$TMP/package/es5/input" "$TMP/package/es5/a11y" "$TMP/package/es5/ui" \
      "$TMP/package/es5/sre" "$NEW/mathjax/"
mkdir -p "$NEW/mathjax/output"
cp -r "$TMP/package/es5/output/chtml" "$TMP/package/es5/output/chtml.js" "$NEW/mathjax/output/"
cp "$TMP/package/LICENSE" "$NEW/mathjax/"
rm -rf "$TMP/package"

# Widget manager: embed-amd.js finds its font files next to itself.
tar -xzf "$(fetch "$WIDGETS" "$WIDGETS_SHA")" -C "$TMP"
cp "$TMP"/package/dist/embed-amd.js "$TMP"/package/dist/*.{woff,woff2,ttf,eot,svg} \
   "$TMP/package/package.json" "$NEW/ipywidgets/"   # package.json names the license
# Some widget CSS (seen on chapter 4's page) still asks for the fonts relative to the page, at
# book/@jupyter-widgets/, past widgets_offline.js's path setting: serve a copy there too (all chapters are in book/).
mkdir -p "$NEW/book/@jupyter-widgets"
cp "$TMP"/package/dist/*.{woff,woff2,ttf,eot,svg} "$NEW/book/@jupyter-widgets/"
rm -rf "$TMP/package"

tar -xzf "$(fetch "$REQUIREJS" "$REQUIREJS_SHA")" -C "$TMP"
cp "$TMP/package/require.js" "$NEW/requirejs/"   # license is in its header

echo "$WANT" > "$NEW/.versions"
rm -rf "$DEST"
mv "$NEW" "$DEST"   # swap in whole, so an interrupted run never leaves half a folder
echo "fetch_assets.sh: assets in ${DEST#"$ROOT"/}"
