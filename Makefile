# Two commands on a fresh machine: `make run` and `make test`. See README.md.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed-stamp
WITH_DB := $(PY) -m clinic.embedded_db run --

.PHONY: run test test-fast lint check browser system-libs install db-stop clean bench-availability bench css

$(STAMP): pyproject.toml constraints.txt
	@$(MAKE) --no-print-directory system-libs
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "Python 3.11 or newer is needed (set PYTHON=...)")'
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check --upgrade pip
	$(PY) -m pip install --quiet --disable-pip-version-check -c constraints.txt -e '.[dev]'
	@touch $(STAMP)

install: $(STAMP)

## make run: set everything up and serve the site on http://127.0.0.1:8000 (Ctrl-C stops it all).
run: $(STAMP) system-libs
	DJANGO_DEBUG=1 $(WITH_DB) bash -c '\
	  $(PY) manage.py migrate --no-input && \
	  $(PY) manage.py setup_site --demo --banner && \
	  $(PY) manage.py send_reminders --enqueue && \
	  { $(PY) manage.py db_worker --queue-name "*" & \
	    trap "kill $$! 2>/dev/null" EXIT; \
	    $(PY) manage.py runserver 127.0.0.1:8000; }'

## make test: set up, lint, check, and run the whole suite (browser tests included).
test: $(STAMP) system-libs browser
	$(VENV)/bin/ruff check .
	DJANGO_DEBUG=1 $(WITH_DB) bash -c '\
	  $(PY) manage.py check --fail-level WARNING && \
	  $(PY) manage.py makemigrations --check --dry-run && \
	  DJANGO_DEBUG=0 $(PY) -m pytest'

## make test-fast: the same without the browser tests (tests/browser/), for quick rounds while working.
test-fast: $(STAMP) system-libs
	$(VENV)/bin/ruff check .
	DJANGO_DEBUG=1 $(WITH_DB) bash -c '\
	  $(PY) manage.py check --fail-level WARNING && \
	  DJANGO_DEBUG=0 $(PY) -m pytest -m "not browser"'

## make css: rebuild static/vendor/bootstrap/bootstrap.used.min.css (Bootstrap with only the rules the
## templates use) after adding a Bootstrap class; a test fails while it is out of date.
css: $(STAMP)
	DJANGO_DEBUG=1 $(PY) manage.py build_css

## The system libraries WeasyPrint (receipt PDFs) needs: Pango and a font, installed when missing and root.
system-libs:
	@if ! ldconfig -p 2>/dev/null | grep -q libpangoft2-1.0.so.0 || [ ! -d /usr/share/fonts/truetype/dejavu ]; then \
	  if [ "$$(id -u)" = 0 ]; then \
	    echo "Installing Debian's Pango and DejaVu fonts for receipt PDFs..."; \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq \
	      libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz0b fonts-dejavu-core >/dev/null; \
	  else \
	    echo "NOTE: receipt PDFs need Pango: run 'sudo apt-get install libpango-1.0-0 libpangoft2-1.0-0 fonts-dejavu-core'."; \
	  fi; \
	fi

## Debian's Chromium for the browser tests (installed when missing and we are root).
browser:
	@if [ ! -x /usr/bin/chromium ]; then \
	  if [ "$$(id -u)" = 0 ]; then \
	    echo "Installing Debian's chromium for the browser tests..."; \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; \
	  else \
	    echo "NOTE: /usr/bin/chromium is missing and we are not root: run 'sudo apt-get install chromium'."; \
	  fi; \
	fi

## make bench-availability: time the free-slot list (pure engine, then with the database).
bench-availability: $(STAMP)
	DJANGO_DEBUG=1 $(WITH_DB) $(PY) manage.py bench_availability

## make bench: load-test the production set-up (gunicorn, DEBUG off) on its own database with wrk
## (BENCH_ARGS="--keepalive --duration 20" etc.: see python -m clinic.bench.run --help).
bench: $(STAMP)
	@if ! command -v wrk >/dev/null; then \
	  if [ "$$(id -u)" = 0 ]; then \
	    echo "Installing Debian's wrk for the load benchmark..."; \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk >/dev/null; \
	  else \
	    echo "wrk is missing and we are not root: run 'sudo apt-get install wrk'."; exit 1; \
	  fi; \
	fi
	env -u DATABASE_URL CLINIC_DB_NAME=clinic_bench $(WITH_DB) $(PY) -m clinic.bench.run $(BENCH_ARGS)

db-stop: $(STAMP)
	$(PY) -m clinic.embedded_db stop

clean: 
	-$(PY) -m clinic.embedded_db stop
	rm -rf $(VENV) .data staticfiles .pytest_cache .ruff_cache
