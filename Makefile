# One entry point for people and CI. `make run` and `make test` do all the set-up they need.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-$(shell cat requirements-bootstrap.lock requirements.lock pyproject.toml | cksum | cut -d' ' -f1)

.PHONY: help install run test test-fast check format lock clean browser bench

help:
	@echo "make run     set up .venv, run the pipeline on examples/inbox and write the month's bulletin"
	@echo "make test    set up .venv and run the tests"
	@echo "make check   lint (ruff), format check (ruff format), type check (mypy), layers (import-linter)"
	@echo "make format  apply ruff's fixes and formatting"
	@echo "make bench   measure speed against a floor and peers (1M rows; about 10 min; writes bench/results.json)"
	@echo "make lock    re-resolve requirements.lock from pyproject.toml"
	@echo "make browser install the Debian programs the tests drive: headless Chromium, poppler-utils, Dovecot (needs root or sudo)"
	@echo "make clean   remove .venv and what 'make run' wrote"

install: $(STAMP)

# The stamp's name carries a checksum of the lock and pyproject: editing either reinstalls.
$(STAMP): requirements-bootstrap.lock requirements.lock pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "Python 3.11 or newer is needed; set PYTHON=/path/to/python3.11")'
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check --require-hashes -r requirements-bootstrap.lock
	$(BIN)/python -m pip install --quiet --disable-pip-version-check --require-hashes -r requirements.lock
	$(BIN)/python -m pip install --quiet --disable-pip-version-check --no-deps -e .
	rm -f $(VENV)/.installed-*
	touch $@

# The examples are October 2026's: the bulletin of that month ends the run.
run: $(STAMP)
	$(BIN)/mesa run --inbox examples/inbox
	$(BIN)/mesa boletin --period 2026-10

test: $(STAMP)
	$(BIN)/python -m pytest

test-fast: $(STAMP)
	$(BIN)/python -m pytest -m "not e2e"

check: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy
	$(BIN)/lint-imports --no-cache

format: $(STAMP)
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

# The benchmark: one process, figures side by side (bench/__main__.py; README.md, "Benchmark").
bench: $(STAMP)
	$(BIN)/python -m bench

lock: $(STAMP)
	$(BIN)/uv pip compile pyproject.toml --extra dev --python-version 3.11 --generate-hashes \
		--output-file requirements.lock --quiet

# The feedback page and the bulletin are tested as people see them: in headless Chromium, and the
# bulletin's PDF through pdftotext and pdftoppm (Debian's poppler-utils); the mailbox against Dovecot,
# the IMAP server most mail hosts run (each test starts its own on loopback; none runs as a service).
# CI installs them; on a developer's machine those tests are skipped until this has been run once.
SYSTEM_PACKAGES := chromium chromium-driver poppler-utils dovecot-imapd
browser:
	@if command -v chromium >/dev/null && command -v chromedriver >/dev/null && command -v pdftotext >/dev/null \
		&& test -x /usr/sbin/dovecot; then \
		echo "chromium, chromedriver, poppler-utils and dovecot are installed"; \
	else \
		SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
		DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -q $(SYSTEM_PACKAGES) \
		|| { $$SUDO apt-get update -q && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -q $(SYSTEM_PACKAGES); }; \
	fi

clean:
	rm -rf $(VENV) mesa.duckdb mesa.duckdb.wal mesa.duckdb.lock .mesa-trabajo archive feedback outbox validacion boletin correo plantillas .pytest_cache .mypy_cache .ruff_cache .hypothesis
