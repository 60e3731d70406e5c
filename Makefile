# The two commands a newcomer needs:
#   make run    start the platform with demo content (SQLite, emails in the development mailbox)
#   make test   install what the tests need and run the whole suite
# TEST_DB=postgres runs the suite against the PostgreSQL server on 127.0.0.1:5432 instead.

PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
TEST_STAMP := $(VENV)/.installed-test
BENCH_STAMP := $(VENV)/.installed-bench
HOST ?= 127.0.0.1
PORT ?= 5000
POSTGRES_URL ?= postgresql+psycopg://postgres@127.0.0.1:5432/postgres
# The browser tests drive Debian's Chromium (never a browser downloaded by Playwright) and
# inject axe-core from the npm registry.
CHROMIUM := /usr/bin/chromium
NOTO_FONT := /usr/share/fonts/truetype/noto/NotoSansArabic-Regular.ttf
AXE := node_modules/axe-core/axe.min.js

.PHONY: run test install install-test install-bench browser fonts translations lint worker screenshots

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e .
	touch $@

$(TEST_STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e ".[test]"
	touch $@ $(STAMP)

$(BENCH_STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e ".[bench]"
	touch $@ $(STAMP)

install: $(STAMP) fonts
install-bench: $(BENCH_STAMP) translations
install-test: $(TEST_STAMP) browser

# Chromium and fonts for every script we serve come from Debian, installed only when missing so
# that repeated runs stay fast (needs root, as on CI); axe-core comes from package-lock.json.
browser: $(AXE)
	@if [ ! -x $(CHROMIUM) ] || [ ! -f $(NOTO_FONT) ]; then \
		apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y chromium fonts-noto-core; \
	fi

# The delivery pack's summary PDF is drawn with Noto Sans and Noto Sans Arabic from Debian
# (DELIVERY_FONT_DIR), installed only when missing.
fonts:
	@if [ ! -f $(NOTO_FONT) ]; then \
		apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y fonts-noto-core; \
	fi

$(AXE): package.json package-lock.json
	@command -v npm >/dev/null || (apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y npm)
	npm ci --no-audit --no-fund
	touch $@

translations: $(STAMP)
	$(BIN)/campaign translations compile

run: install translations
	$(BIN)/campaign db upgrade
	$(BIN)/campaign demo
	@echo "Open http://$(HOST):$(PORT)/  (emails appear at http://$(HOST):$(PORT)/dev/mailbox/)"
	$(BIN)/campaign run --host $(HOST) --port $(PORT)

worker: install
	$(BIN)/campaign worker

test: install-test translations
ifeq ($(TEST_DB),postgres)
	TEST_DATABASE_URL=$(POSTGRES_URL) $(BIN)/python -m pytest $(PYTEST_ARGS)
else
	$(BIN)/python -m pytest $(PYTEST_ARGS)
endif

# Pictures of the main pages for the README, from the demo content (see scripts/screenshots.py).
screenshots: install-test translations
	$(BIN)/python scripts/screenshots.py

lint: $(TEST_STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
