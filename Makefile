# 信访信息业务处理系统: the two commands are `make run` and `make test`.
PY ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
PORT ?= 8000
export DJANGO_SETTINGS_MODULE ?= config.settings.dev

.PHONY: setup run test test-fast serve-prod bench loadtest messages check-deploy clean

$(BIN)/python:
	$(PY) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

$(VENV)/.installed: requirements.txt | $(BIN)/python
	$(BIN)/pip install --quiet -r requirements.txt
	touch $@

## setup: virtualenv, pinned requirements, migrations, demo data (idempotent)
setup: $(VENV)/.installed
	mkdir -p var
	$(BIN)/python manage.py migrate --noinput
	$(BIN)/python manage.py load_demo

## run: setup, then serve on http://127.0.0.1:$(PORT)/
run: setup
	$(BIN)/python manage.py runserver 127.0.0.1:$(PORT)

## test: the whole suite (browser tests need /usr/bin/chromium; .ci/run installs it)
test: $(VENV)/.installed
	DJANGO_SETTINGS_MODULE=config.settings.test $(BIN)/python -m pytest -q -p no:cacheprovider

test-fast: $(VENV)/.installed
	DJANGO_SETTINGS_MODULE=config.settings.test $(BIN)/python -m pytest -q -m "not browser" -x

## serve-prod: gunicorn + whitenoise with production settings (needs DATABASE_URL, SECRET_KEY)
serve-prod: $(VENV)/.installed
	DJANGO_SETTINGS_MODULE=config.settings.production $(BIN)/python manage.py collectstatic --noinput -v0
	DJANGO_SETTINGS_MODULE=config.settings.production $(BIN)/gunicorn config.wsgi:application \
		-c config/gunicorn.conf.py

check-deploy: $(VENV)/.installed
	DJANGO_SETTINGS_MODULE=config.settings.production DJANGO_SECRET_KEY=$$(head -c 48 /dev/urandom | base64) \
		DJANGO_ALLOWED_HOSTS=xf.example.gov.cn $(BIN)/python manage.py check --deploy --fail-level WARNING

## messages: recompile the translation catalogs (the .mo files are committed)
messages: $(VENV)/.installed
	$(BIN)/python manage.py compilemessages --ignore=.venv

clean:
	rm -rf var/db.sqlite3* var/private var/staticfiles
