# Undeu: `make run` to try it, `make test` to check it. Needs only Python 3.11+ and make
# (`make test` also installs Debian's Chromium for the browser tests when it is missing).

# The interpreter for .venv (or PYTHON=...): the operating system's own Python when it is 3.11+
# and can make a virtual environment, else python3 on the PATH. Distributions build theirs with
# profile-guided and link-time optimisation; a Python built from source without them (pyenv's
# default) spends 11 % more instructions and 12 to 15 % more CPU on a signature
# (docs/performance.md, 3j).
SYSTEM_PYTHON := /usr/bin/python3
ifndef PYTHON
PYTHON := $(shell $(SYSTEM_PYTHON) -c 'import sys, ensurepip; sys.exit(sys.version_info < (3, 11))' \
	>/dev/null 2>&1 && echo $(SYSTEM_PYTHON) || echo python3)
endif
VENV := .venv
PY := $(VENV)/bin/python
PORT ?= 8000
PG_URL ?= postgres://postgres@127.0.0.1:5432/test

# make run: production server and worker, SQLite in var/, emails kept in var/mail.
RUN_ENV := SECRET_KEY_FILE=var/secret_key UNDEU_SIGNER_KEYS_FILE=var/signer_keys UNDEU_HTTPS=0 \
	UNDEU_MAIL=local ALLOWED_HOSTS=127.0.0.1,localhost
# make test: a throwaway key; tasks run through the real database backend unless a test says so.
TEST_ENV := SECRET_KEY=test-secret-key-not-for-production-0123456789abcdef UNDEU_HTTPS=0 \
	ALLOWED_HOSTS=testserver,127.0.0.1,localhost UNDEU_VAR_DIR=$(CURDIR)/var/test UNDEU_TASKS=immediate
# check --deploy: what an operator deploys, over HTTPS.
DEPLOY_ENV := SECRET_KEY=deploy-check-secret-key-0123456789abcdefghijklmnop UNDEU_HTTPS=1 \
	UNDEU_SIGNER_KEYS=7xBHdOtLyqSGSK8hWZ0dg1FH2tiUXhBlhOuKDNgCmk8= \
	ALLOWED_HOSTS=petitions.example.org UNDEU_VAR_DIR=$(CURDIR)/var/test

.PHONY: run test install install-test translations messages lint format clean

$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e .
	touch $@

$(VENV)/.installed-test: $(VENV)/.installed pyproject.toml
	$(PY) -m pip install --quiet -e '.[test]'
	touch $@

install: $(VENV)/.installed

# From Debian: Chromium for the browser tests, Pango for WeasyPrint's PDFs, GNU gettext for the
# test that the catalogues hold every string.
install-test: $(VENV)/.installed-test
	@missing=""; \
	command -v chromium >/dev/null 2>&1 || missing="$$missing chromium"; \
	command -v xgettext >/dev/null 2>&1 || missing="$$missing gettext"; \
	ldconfig -p | grep -q libpangoft2-1.0 || missing="$$missing libpangoft2-1.0-0"; \
	if [ -n "$$missing" ]; then \
		echo "Installing from Debian:$$missing"; \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing >/dev/null; \
	fi

var/secret_key: | $(VENV)/.installed
	mkdir -p var
	$(PY) -c 'import secrets; print(secrets.token_urlsafe(50))' > $@
	chmod 600 $@

# The key that encrypts signers' names and emails at rest (docs/configuration.md).
var/signer_keys: | $(VENV)/.installed
	mkdir -p var
	$(PY) -c 'from cryptography.fernet import Fernet; print(Fernet.generate_key().decode())' > $@
	chmod 600 $@

translations: $(VENV)/.installed
	DEBUG=1 $(PY) manage.py compile_translations

run: install var/secret_key var/signer_keys translations
	$(RUN_ENV) $(PY) manage.py migrate --noinput
	$(RUN_ENV) $(PY) manage.py collectstatic --noinput --verbosity 0
	$(RUN_ENV) $(PY) manage.py load_demo
	$(RUN_ENV) PORT=$(PORT) $(PY) manage.py serve

lint: install-test
	$(PY) -m ruff check .
	$(PY) -m ruff format --check .

format: install-test
	$(PY) -m ruff check --fix .
	$(PY) -m ruff format .

# Extract strings into the .po files (then translate them: tests fail on any missing one).
messages: install
	DEBUG=1 $(PY) manage.py makemessages --no-obsolete --add-location file -l kk -l ru -l en \
		--ignore=.venv --ignore=var --ignore=tests --ignore=bench

test: install-test translations lint
	$(PY) -m bandit -c pyproject.toml -r undeu -q
	$(TEST_ENV) $(PY) manage.py check --fail-level WARNING
	$(TEST_ENV) $(PY) manage.py makemigrations --check --dry-run
	$(DEPLOY_ENV) $(PY) manage.py check --deploy --fail-level WARNING
	$(TEST_ENV) $(PY) manage.py collectstatic --noinput --verbosity 0
	@echo "== pytest on SQLite =="
	$(TEST_ENV) $(PY) -m pytest -m "not browser and not system" -q
	@echo "== pytest on PostgreSQL =="
	$(TEST_ENV) DATABASE_URL=$(PG_URL) $(PY) -m pytest -m "not browser and not system" -q
	@echo "== browser and crash-recovery tests (real servers, Chromium) =="
	$(TEST_ENV) $(PY) -m pytest -m "browser or system" -q

clean:
	rm -rf $(VENV) var/test

# make bench: the production server (granian + worker) under a surge, on SQLite and then on the
# PostgreSQL at 127.0.0.1:5432 (its own database, undeu_bench), driven by Debian's wrk; about 30
# minutes. What it measures and the latest results: docs/performance.md.
.PHONY: bench
bench: install translations wrk
	$(PY) -m bench.run

# make bench-servers: the same Django stack under granian, gunicorn and uvicorn (why `serve` runs
# granian); gunicorn and uvicorn go into a temporary directory for the measurement only.
.PHONY: bench-servers
bench-servers: install wrk
	$(PY) -m bench.servers

.PHONY: wrk
wrk:
	@command -v wrk >/dev/null 2>&1 || { echo "Installing wrk from Debian"; apt-get update -qq && \
		DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk >/dev/null; }
