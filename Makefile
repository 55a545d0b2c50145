# rollweb: `make run` starts the site and a worker on this machine; `make test` runs every test.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
PIP := $(PY) -m pip --disable-pip-version-check
HOST ?= 127.0.0.1
PORT ?= 8000
export PATH := $(CURDIR)/$(VENV)/bin:$(PATH)

.PHONY: run install install-test migrate static test test-unit serve-prod worker clean

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

var/secret_key:
	mkdir -p var
	umask 077 && $(PY) -c "import secrets; print(secrets.token_urlsafe(50))" > $@

# The default engine: SQLite, private storage and a filesystem broker, all under var/.
run: install var/secret_key
	@export SECRET_KEY="$${SECRET_KEY:-$$(cat var/secret_key)}" HOST=$(HOST) PORT=$(PORT); \
	$(PY) manage.py migrate --noinput && \
	$(PY) manage.py collectstatic --noinput --verbosity 0 && \
	echo "" && echo "  rollweb is starting at http://$(HOST):$(PORT)/  (Ctrl-C stops the web server and the worker)" && echo "" && \
	exec honcho --no-colour start --procfile Procfile

test: install-test
	$(PY) -m pytest

# Production: run behind HTTPS with DATABASE_URL, CELERY_BROKER_URL and STORAGE_BACKEND=s3 set (see README).
serve-prod: install
	$(PY) manage.py migrate --noinput
	$(PY) manage.py collectstatic --noinput --verbosity 0
	exec gunicorn rollweb.wsgi --bind $(HOST):$(PORT) --workers $${WEB_WORKERS:-4} --timeout 300

worker: install
	exec celery -A rollweb worker --concurrency $${WORKER_CONCURRENCY:-2} --loglevel INFO

clean:
	rm -rf $(VENV) staticfiles .pytest_cache
