# Two commands do all the set-up on a fresh machine:
#   make run   - environment, install, migrate, seed a demo library, serve on 127.0.0.1:8000
#   make test  - environment, install, system tools the suite drives, the whole suite
SHELL := /bin/bash
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp
RUN_STAMP := $(VENV)/.run-installed-stamp
HOST ?= 127.0.0.1
PORT ?= 8000
UPSTREAMS_PORT ?= 8001
PYTEST_ARGS ?=

.PHONY: run test lint install install-run system-deps system-tools ffmpeg clean bench-proxy-peers

# `make test`: the dev extras (which include `legacy`, the Flask app the cutover serves).
$(STAMP): pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q -e '.[dev]'
	@touch $(STAMP) $(RUN_STAMP)

install: $(STAMP)

# `make run`: only what the product runs with, plus the `legacy` extra (the shipped table
# still routes to Flask); the system's ffmpeg, not a bundled one.
$(RUN_STAMP): pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	@echo "installing the runtime dependencies into $(VENV) ..."
	@$(BIN)/python -m pip install -q --upgrade pip
	@$(BIN)/python -m pip install --progress-bar on -e '.[legacy]'
	@touch $(RUN_STAMP)

install-run: $(RUN_STAMP)

# ffmpeg and Chromium come from the system's packages; install them when missing
# and we are allowed to (root with apt-get). The suite skips nothing silently:
# tests that need them fail loudly if they are still absent.
system-deps:
	@$(MAKE) --no-print-directory SYSTEM_TOOLS="ffmpeg chromium" system-tools

ffmpeg:
	@$(MAKE) --no-print-directory SYSTEM_TOOLS="ffmpeg" system-tools

system-tools:
	@missing=""; \
	for tool in $(SYSTEM_TOOLS); do command -v $$tool >/dev/null || missing="$$missing $$tool"; done; \
	if [ -n "$$missing" ]; then \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
	    echo "installing:$$missing"; \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing >/dev/null; \
	  else \
	    echo "warning: missing$$missing (install them with your package manager)"; \
	  fi; \
	fi

# The url: backend against nginx and the WSGI mount against gunicorn: needs Debian's
# nginx and wrk, installed here when missing (root with apt-get).
bench-proxy-peers: install
	@$(MAKE) --no-print-directory SYSTEM_TOOLS="nginx wrk" system-tools
	$(BIN)/python -m benchmarks.proxy_peers

run: install-run ffmpeg
	$(BIN)/mvgate demo --host $(HOST) --port $(PORT) --upstreams-port $(UPSTREAMS_PORT)

test: install system-deps
	$(BIN)/ruff check .
	$(BIN)/pytest $(PYTEST_ARGS)

lint: install
	$(BIN)/ruff check .

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache
