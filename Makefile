# Two commands do all the set-up on a fresh machine:
#   make run   - environment, install, migrate, seed a demo library, serve on 127.0.0.1:8000
#   make test  - environment, install, system tools the suite drives, the whole suite
SHELL := /bin/bash
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp
HOST ?= 127.0.0.1
PORT ?= 8000
UPSTREAMS_PORT ?= 8001
PYTEST_ARGS ?=

.PHONY: run test lint install system-deps clean bench-proxy-peers

$(STAMP): pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q -e '.[dev]'
	@touch $(STAMP)

install: $(STAMP)

# ffmpeg and Chromium come from the system's packages; install them when missing
# and we are allowed to (root with apt-get). The suite skips nothing silently:
# tests that need them fail loudly if they are still absent.
system-deps:
	@missing=""; \
	command -v ffmpeg >/dev/null || missing="$$missing ffmpeg"; \
	command -v chromium >/dev/null || missing="$$missing chromium"; \
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
	@missing=""; \
	command -v nginx >/dev/null || missing="$$missing nginx"; \
	command -v wrk >/dev/null || missing="$$missing wrk"; \
	if [ -n "$$missing" ] && [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
	  echo "installing:$$missing"; \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing >/dev/null; \
	fi
	$(BIN)/python -m benchmarks.proxy_peers

run: install
	$(BIN)/mvgate demo --host $(HOST) --port $(PORT) --upstreams-port $(UPSTREAMS_PORT)

test: install system-deps
	$(BIN)/ruff check .
	$(BIN)/pytest $(PYTEST_ARGS)

lint: install
	$(BIN)/ruff check .

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache
