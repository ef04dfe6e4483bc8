# Two commands do everything on a fresh machine:  `make book`  and  `make test`.
# Each creates .venv and installs requirements.txt on first use (about 2 minutes), then reuses it.
PYTHON ?= python3
VENV   ?= .venv
PY     := $(VENV)/bin/python

.PHONY: setup browser book cache cache-check notebooks lint test test-unit test-notebooks test-browser bench clean

setup: $(VENV)/.installed

$(VENV)/.installed: requirements.txt pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements.txt
	$(PY) -m ipykernel install --sys-prefix --name python3 >/dev/null
	touch $@

browser:  # Chromium for the browser tests; without it they are skipped with a reason
	@bash scripts/install_chromium.sh

# Execute every chapter at full scale and render the HTML book into _build/html (cached cells are re-run on change;
# the whole cache is dropped when src/minigpt or MINIGPT_FAST changed, which jupyter-cache cannot see).
book: setup
	bash scripts/fetch_assets.sh
	bash scripts/clear_stale_cache.sh
	MINIGPT_PREDICTIONS=$(CURDIR)/_build/no-reader-predictions.json $(VENV)/bin/jupyter-book build . -W -n --keep-going

# Fill the result cache (.minigpt_cache, or $MINIGPT_CACHE) by running every chapter once at full scale (executed
# copies go to _build/cache-run; book/ is left as it is), then every verdict run still missing; then check it.
# A classroom copies the filled folder to each machine: chapters then read their results instead of training.
cache: setup
	mkdir -p _build/cache-run
	for nb in book/[0-9][0-9]_*.ipynb; do \
		MINIGPT_FAST= $(VENV)/bin/jupyter nbconvert --to notebook --execute --ExecutePreprocessor.timeout=1800 \
			--output-dir _build/cache-run "$$nb" || exit 1; \
	done
	MINIGPT_FAST= $(PY) -m minigpt verdicts --run > /dev/null
	$(PY) -m minigpt cache --check

# Is a copied cache complete for this code? (results are keyed by the code version: other code's are never used)
cache-check: setup
	$(PY) -m minigpt cache --check

# Rewrite book/*.ipynb from the chapter sources chapters/*.py (jupytext py:percent; edit those, not the JSON;
# tests check they agree). Running it twice changes nothing.
notebooks: setup
	$(PY) scripts/notebooks.py

# ruff over the library, tests, benchmarks, scripts and the chapters in both forms (sources and notebooks).
lint: setup
	$(VENV)/bin/ruff check src tests benchmarks scripts chapters book

# The whole test suite: lint, unit and effect tests, every notebook under nbval in fast mode, the browser tests.
test: setup browser lint
	MINIGPT_FAST=1 $(PY) -m pytest tests book --nbval-lax -p no:cacheprovider

test-unit: setup
	$(PY) -m pytest tests --ignore=tests/browser

bench: setup
	$(PY) benchmarks/throughput.py --threads 1 --clock cpu

clean:
	rm -rf _build .minigpt_cache
