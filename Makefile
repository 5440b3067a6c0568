VENV ?= .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
# the official OneEntry JS SDK, for the sandbox's conformance tests (needs Node.js 20+ and npm)
SDK_DIR := tests/conformance/oneentry_sdk
SDK_STAMP := $(SDK_DIR)/node_modules/.installed

.PHONY: test demo check lint types run sandbox bench clean

$(STAMP): pyproject.toml
	python3 -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

$(SDK_STAMP): $(SDK_DIR)/package.json $(SDK_DIR)/package-lock.json
	@command -v npm >/dev/null || { echo "npm not found: make test needs Node.js 20+ and npm" >&2; exit 1; }
	cd $(SDK_DIR) && npm ci --no-audit --no-fund
	touch $(SDK_STAMP)

test: $(STAMP) $(SDK_STAMP)
	$(PY) -m pytest

demo: $(STAMP)
	$(VENV)/bin/order-bot demo

run: $(STAMP)
	$(VENV)/bin/order-bot run

sandbox: $(STAMP)
	$(VENV)/bin/order-bot sandbox

bench: $(STAMP)
	$(PY) benchmarks/placement.py

lint: $(STAMP)
	$(PY) -m ruff check .
	$(PY) -m ruff format --check .

types: $(STAMP)
	$(PY) -m mypy

check: lint types test

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache $(SDK_DIR)/node_modules
