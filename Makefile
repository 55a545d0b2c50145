# rollweb: `make run` starts the site and a worker on this machine; `make test` runs every test.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
PIP := $(PY) -m pip --disable-pip-version-check
HOST ?= 127.0.0.1
PORT ?= 8000
export PATH := $(CURDIR)/$(VENV)/bin:$(PATH)

.PHONY: run install install-test migrate static test test-unit test-integration serve-prod worker beat clean

$(VENV)/.installed: requirements.txt requirements-nodeps.txt
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PIP) install --quiet -r requirements.txt
	$(PIP) install --quiet --no-deps -r requirements-nodeps.txt
	touch $@

$(VENV)/.installed-test: $(VENV)/.installed requirements-test.txt
	$(PIP) install --quiet -r requirements-test.txt
	touch $@

install: $(VENV)/.installed

install-test: $(VENV)/.installed-test

VAR_DIR ?= var

$(VAR_DIR)/secret_key:
	mkdir -p $(VAR_DIR)
	umask 077 && $(PY) -c "import secrets; print(secrets.token_urlsafe(50))" > $@

# The default engine: SQLite, private storage and a filesystem broker, all under var/. The
# Procfile's processes run under supervisor, which restarts any that dies (rollweb/supervise.py).
run: install $(VAR_DIR)/secret_key
	@export SECRET_KEY="$${SECRET_KEY:-$$(cat $(VAR_DIR)/secret_key)}" HOST=$(HOST) PORT=$(PORT) VAR_DIR=$(abspath $(VAR_DIR)); \
	rm -rf $(VAR_DIR)/prometheus && \
	$(PY) manage.py migrate --noinput && \
	$(PY) manage.py collectstatic --noinput --verbosity 0 && \
	echo "" && echo "  rollweb is starting at http://$(HOST):$(PORT)/  (Ctrl-C stops the web server, the worker and beat)" && echo "" && \
	exec $(PY) -m rollweb.supervise Procfile

# make test runs two tiers and fails if either fails:
#  - unit: SQLite, local private storage, tasks run in the test's process (never a service);
#  - integration: the production engine (PostgreSQL, Redis, S3 on a SeaweedFS server the session
#    starts, real Celery workers, gunicorn, Chromium) for every test marked integration or browser.
#    tests/integration.py sets it up; the URLs below are its services (override them freely).
TEST_DATABASE_URL ?= postgres://postgres@127.0.0.1:5432/rollweb
TEST_BROKER_URL ?= redis://127.0.0.1:6379/0
UNIT_ENV := env -u DATABASE_URL -u CELERY_BROKER_URL -u STORAGE_BACKEND -u CACHE_URL
INTEGRATION_ENV := env DATABASE_URL=$(TEST_DATABASE_URL) CELERY_BROKER_URL=$(TEST_BROKER_URL) STORAGE_BACKEND=s3

test: install-test
	@status=0; \
	$(UNIT_ENV) $(PY) -m pytest -m "not integration and not browser" || status=1; \
	$(INTEGRATION_ENV) $(PY) -m pytest -p tests.integration -m "integration or browser" || status=1; \
	exit $$status

test-unit: install-test
	$(UNIT_ENV) $(PY) -m pytest -m "not integration and not browser"

test-integration: install-test
	$(INTEGRATION_ENV) $(PY) -m pytest -p tests.integration -m "integration or browser"

# Production: run behind HTTPS with DATABASE_URL, CELERY_BROKER_URL and STORAGE_BACKEND=s3 set (see README).
serve-prod: install
	$(PY) manage.py migrate --noinput
	$(PY) manage.py collectstatic --noinput --verbosity 0
	exec gunicorn rollweb.wsgi --bind $(HOST):$(PORT) --workers $${WEB_WORKERS:-4} --timeout 300

# QUEUES: the kinds of work this worker takes (ingest, analysis, render, erase; default all),
# e.g. `make worker QUEUES=analysis WORKER_CONCURRENCY=8` on a machine of its own.
QUEUES ?= all
worker: install
	@queues="$$($(PY) -m rollweb.queue $(QUEUES))" && \
	exec celery -A rollweb worker --queues "$$queues" --concurrency $${WORKER_CONCURRENCY:-2} --loglevel INFO

# Production: exactly one beat per deployment (the sweeper that re-queues lost and stuck items).
beat: install
	exec celery -A rollweb beat --loglevel INFO

clean:
	rm -rf $(VENV) staticfiles .pytest_cache
