# 信访信息业务处理系统: the two commands are `make run` and `make test`.
PY ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
PORT ?= 8000
export DJANGO_SETTINGS_MODULE ?= config.settings.dev

.PHONY: setup run test test-fast test-pooled replica pgbouncer serve-prod run-portal serve-portal bench loadtest messages check-deploy lock clean backup restore

# Dependencies: requirements.in (runtime) and requirements-dev.in (test and load-test tools) name the
# direct ones; requirements.txt and requirements-dev.txt are their pip-compile locks (every package
# pinned, with hashes). Installs go through the locks only, hashes required (`make lock` regenerates them).

$(BIN)/python:
	$(PY) -m venv $(VENV)

# The development virtualenv: the dev lock (the runtime set plus the tools); pip-sync then removes
# whatever the lock no longer lists, so .venv is exactly the lock.
$(VENV)/.installed: requirements.txt requirements-dev.txt | $(BIN)/python
	$(BIN)/pip install --quiet --require-hashes -r requirements-dev.txt
	$(BIN)/pip-sync --quiet requirements-dev.txt
	touch $@

# Production (serve-prod) runs from a virtualenv of its own, built from the runtime lock alone. A
# separate venv rather than a second stamp in .venv because pip never removes packages: .venv holds
# pytest, playwright and locust, and serving from it would run a set production never gets. It is
# rebuilt from scratch when requirements.txt changes (nothing left over from an older lock). It lives
# in var/ beside serve-prod's other local state (keys, collected static files): var/ is outside git,
# makemessages and the source-walking tests, where a top-level .venv-prod would not be.
PROD_VENV := var/venv-prod
PROD_BIN := $(PROD_VENV)/bin
$(PROD_VENV)/.installed: requirements.txt
	rm -rf $(PROD_VENV)
	$(PY) -m venv $(PROD_VENV)
	$(PROD_BIN)/pip install --quiet --require-hashes -r requirements.txt
	touch $@

## lock: regenerate requirements.txt and requirements-dev.txt from the .in files (pip-compile keeps
## the current pins; `make lock LOCK_ARGS=--upgrade` or LOCK_ARGS="--upgrade-package NAME" moves them)
PIP_COMPILE = $(BIN)/pip-compile --quiet --generate-hashes --allow-unsafe --strip-extras \
	--no-emit-index-url --no-emit-find-links $(LOCK_ARGS)
lock: $(VENV)/.installed
	$(PIP_COMPILE) --output-file requirements.txt requirements.in
	$(PIP_COMPILE) --output-file requirements-dev.txt requirements-dev.in

## setup: the Debian packages the documents need (bin/system_packages), virtualenv, pinned requirements,
## migrations, demo data (idempotent)
setup: $(VENV)/.installed
	bin/system_packages
	mkdir -p var
	$(BIN)/python manage.py migrate --noinput
	$(BIN)/python manage.py load_demo

## run: setup, then serve on http://127.0.0.1:$(PORT)/
run: setup
	$(BIN)/python manage.py runserver 127.0.0.1:$(PORT)

## test: the architecture contracts (.importlinter), then the whole suite (browser tests need
## /usr/bin/chromium; .ci/run installs it)
test: $(VENV)/.installed
	$(BIN)/lint-imports
	DJANGO_SETTINGS_MODULE=config.settings.test $(BIN)/python -m pytest -q -p no:cacheprovider

## test-pooled: the tests that exercise what transaction pooling could break (concurrent workflow, numbering,
## streamed exports, the audit chain, aggregates, imports, the packages between instances and across the gap),
## through PgBouncer in transaction mode (bin/pgbouncer_local) in front of DATABASE_URL's server. The test
## database is made through PgBouncer and kept (--reuse-db): it is dropped directly on the server afterwards,
## as PgBouncer keeps server connections to it (.ci/run does this).
POOLED_TESTS = tests/petitions/test_workflow_concurrency.py tests/petitions/test_numbering_postgres.py \
	tests/petitions/test_workflow_life.py tests/petitions/test_search.py tests/petitions/test_history_import.py \
	tests/petitions/test_instances_sequence.py tests/reports/test_stream_export.py tests/reports/test_aggregates.py \
	tests/accounts/test_audit_chain.py tests/accounts/test_append_only.py tests/portal/test_gap_failures.py
test-pooled: $(VENV)/.installed
	test -n "$$DATABASE_URL" || { echo "test-pooled: set DATABASE_URL to the PostgreSQL database" >&2; exit 2; }
	bin/pgbouncer_local
	DJANGO_SETTINGS_MODULE=config.settings.test DATABASE_POOLER=transaction \
		DATABASE_URL=$$(echo "$$DATABASE_URL" | sed -E 's#@([^/:]+)(:[0-9]+)?/#@127.0.0.1:6432/#') \
		$(BIN)/python -m pytest -q -p no:cacheprovider --reuse-db -m "not browser" $(POOLED_TESTS)

## replica: a streaming hot standby of the local primary on 127.0.0.1:5433 (bin/make_replica; docs/replica.md);
## serve with DATABASE_REPLICA_URL=postgres://postgres@127.0.0.1:5433/<database> to read reports from it
replica:
	bin/make_replica

test-fast: $(VENV)/.installed
	DJANGO_SETTINGS_MODULE=config.settings.test $(BIN)/python -m pytest -q -m "not browser" -x

## serve-prod: gunicorn + whitenoise, production settings, PostgreSQL (README: 生产部署 / Production serving),
## from var/venv-prod (the runtime lock only, no test or load-test tools)
## DATABASE_URL defaults to postgres://postgres@127.0.0.1:5432/xf_prod (created if missing);
## DJANGO_SECRET_KEY defaults to a random key kept in var/secret_key, DJANGO_ALLOWED_HOSTS to this machine.
## These defaults are this target's, for a trial on one machine: the production settings themselves
## default to nothing and refuse to start without every value (config/settings/production.py).
PROD_DATABASE_URL ?= postgres://postgres@127.0.0.1:5432/xf_prod
## POOLER=pgbouncer: serve through PgBouncer in transaction mode on 127.0.0.1:6432 (bin/pgbouncer_local, started
## here), DATABASE_URL pointed at it and DATABASE_POOLER=transaction (docs/replica.md, "Connection pooling")
POOLER ?=
serve-prod: $(PROD_VENV)/.installed
	mkdir -p var
	if [ "$(POOLER)" = pgbouncer ]; then bin/pgbouncer_local; fi
	test -s var/secret_key || (umask 077 && head -c 48 /dev/urandom | base64 -w0 > var/secret_key)
	test -s var/field_key || (umask 077 && head -c 32 /dev/urandom | od -An -tx1 -v | tr -d ' \n' > var/field_key)
	test -s var/audit_hmac_key || (umask 077 && head -c 32 /dev/urandom | od -An -tx1 -v | tr -d ' \n' > var/audit_hmac_key)
	test -n "$$DATABASE_URL" || createdb -h 127.0.0.1 -U postgres xf_prod 2>/dev/null || true
	export DJANGO_SETTINGS_MODULE=config.settings.production DATABASE_URL="$${DATABASE_URL:-$(PROD_DATABASE_URL)}" \
		$$([ "$(POOLER)" = pgbouncer ] && echo DATABASE_POOLER=transaction) \
		DJANGO_SECRET_KEY="$${DJANGO_SECRET_KEY:-$$(cat var/secret_key)}" \
		DJANGO_FIELD_ENCRYPTION_KEY="$${DJANGO_FIELD_ENCRYPTION_KEY:-$$(cat var/field_key)}" \
		DJANGO_AUDIT_HMAC_KEY="$${DJANGO_AUDIT_HMAC_KEY:-$$(cat var/audit_hmac_key)}" \
		DJANGO_AUDIT_CHECKPOINT_DIR="$${DJANGO_AUDIT_CHECKPOINT_DIR:-$(CURDIR)/var/audit_checkpoints}" \
		DJANGO_AUDIT_SIGNING_KEY_PATH="$${DJANGO_AUDIT_SIGNING_KEY_PATH:-$(CURDIR)/var/audit_ed25519.key}" \
		DJANGO_ALLOWED_HOSTS="$${DJANGO_ALLOWED_HOSTS:-127.0.0.1,localhost}" PORT=$(PORT) && \
	(test -s "$$DJANGO_AUDIT_SIGNING_KEY_PATH" || $(PROD_BIN)/python manage.py audit_checkpoint --keygen) && \
	$(PROD_BIN)/python manage.py migrate --noinput -v0 && \
	if [ "$(POOLER)" = pgbouncer ]; then export DATABASE_URL=$$(echo "$$DATABASE_URL" | sed -E 's#@([^/:]+)(:[0-9]+)?/#@127.0.0.1:6432/#'); fi && \
	$(PROD_BIN)/python manage.py collectstatic --noinput -v0 && \
	exec $(PROD_BIN)/gunicorn config.wsgi:application -c config/gunicorn.conf.py

## run-portal: the public portal deployed apart, as on the internet side of the network gap
## (config/settings/portal.py: its own SQLite database var/portal.sqlite3, no staff page), on
## http://127.0.0.1:$(PORTAL_PORT)/portal/ beside `make run`; on one machine the two sides share var/gap/, so
## `manage.py intranet_transfer` (staff side) and `manage.py portal_transfer` (this side) carry the packages
## (README: 群众端单独部署 / The portal on the internet side). The signing keys are made on first use.
PORTAL_PORT ?= 8001
run-portal: $(VENV)/.installed
	mkdir -p var/gap/inbox var/gap/outbox
	DJANGO_SETTINGS_MODULE=config.settings.portal $(BIN)/python manage.py migrate --noinput -v0
	test -s var/portal_gap_ed25519.key || DJANGO_SETTINGS_MODULE=config.settings.portal $(BIN)/python manage.py portal_transfer --keygen
	DJANGO_SETTINGS_MODULE=config.settings.portal $(BIN)/python manage.py runserver 127.0.0.1:$(PORTAL_PORT)

## serve-portal: the internet-side portal under gunicorn with config/settings/portal_production.py, from the
## production virtualenv; every value comes from the environment (DJANGO_SECRET_KEY, DJANGO_ALLOWED_HOSTS,
## DATABASE_URL, DJANGO_PORTAL_TRANSFER_KEY_PATH, _OUTBOX, _INBOX, _PEER_KEYS): without one it stops with exit 78
serve-portal: $(PROD_VENV)/.installed
	DJANGO_SETTINGS_MODULE=config.settings.portal_production $(PROD_BIN)/python manage.py migrate --noinput -v0
	DJANGO_SETTINGS_MODULE=config.settings.portal_production $(PROD_BIN)/python manage.py collectstatic --noinput -v0
	DJANGO_SETTINGS_MODULE=config.settings.portal_production PORT=$(PORTAL_PORT) exec $(PROD_BIN)/gunicorn config.wsgi:application -c config/gunicorn.conf.py

## bench: page latencies at BENCH_CASES (default 100000) generated cases on PostgreSQL (bench/README.md)
bench: $(VENV)/.installed
	$(BIN)/python bench/run.py

## loadtest: locust, 50 users for 3 minutes against serve-prod on 127.0.0.1 (bench/README.md);
## both venvs are built first, so serve-prod starts within bench/loadtest.sh's wait
loadtest: $(VENV)/.installed $(PROD_VENV)/.installed
	bench/loadtest.sh

check-deploy: $(VENV)/.installed
	DJANGO_SETTINGS_MODULE=config.settings.production DJANGO_SECRET_KEY=$$(head -c 48 /dev/urandom | base64) \
		DJANGO_FIELD_ENCRYPTION_KEY=$$(head -c 32 /dev/urandom | od -An -tx1 -v | tr -d ' \n') \
		DJANGO_AUDIT_HMAC_KEY=$$(head -c 32 /dev/urandom | od -An -tx1 -v | tr -d ' \n') \
		DJANGO_AUDIT_CHECKPOINT_DIR=/srv/audit/checkpoints DJANGO_AUDIT_SIGNING_KEY_PATH=/etc/xinfang/audit_ed25519.key \
		DJANGO_ALLOWED_HOSTS=xf.example.gov.cn DATABASE_URL=postgres://xf@db.example.gov.cn:5432/xf \
		$(BIN)/python manage.py check --deploy --fail-level WARNING

## backup: one encrypted archive of the database and the stored files into BACKUP_DIR, then the archives
## no retention rule keeps (30 daily, 12 monthly) are deleted (README: 备份与恢复 / Backup and restore).
## The key comes from DJANGO_BACKUP_KEY or BACKUP_KEY_FILE, never from inside BACKUP_DIR; under the
## development settings a key is made in var/backup_key on first use, anywhere else it must be given.
BACKUP_DIR ?= var/backups
BACKUP_KEY_FILE ?= var/backup_key
BACKUP_ARGS ?= --prune
BACKUP_KEY_ARG = $$([ -n "$$DJANGO_BACKUP_KEY" ] || echo --key-file "$(BACKUP_KEY_FILE)")
backup: $(VENV)/.installed
	@if [ -z "$$DJANGO_BACKUP_KEY" ] && [ ! -s "$(BACKUP_KEY_FILE)" ] && [ "$$DJANGO_SETTINGS_MODULE" = config.settings.dev ]; then \
		mkdir -p "$(dir $(BACKUP_KEY_FILE))" && (umask 077 && head -c 32 /dev/urandom | od -An -tx1 -v | tr -d ' \n' > "$(BACKUP_KEY_FILE)") && \
		echo "made a development backup key in $(BACKUP_KEY_FILE): keep a copy apart from $(BACKUP_DIR)"; fi
	$(BIN)/python manage.py backup --output-dir "$(BACKUP_DIR)" $(BACKUP_KEY_ARG) $(BACKUP_ARGS)

## restore: `make restore BACKUP=var/backups/xf-backup-….xfbk` into the empty database (DATABASE_URL) and the
## empty file store, then checks migrations, row counts, file hashes and the audit chain (exit 1 on any
## difference). RESTORE_ARGS=--check only verifies the archive.
restore: $(VENV)/.installed
	@test -n "$(BACKUP)" || { echo "usage: make restore BACKUP=path/to/xf-backup-YYYYMMDDTHHMMSSZ.xfbk"; exit 2; }
	$(BIN)/python manage.py restore "$(BACKUP)" $(BACKUP_KEY_ARG) $(RESTORE_ARGS)

## messages: the .po catalogs are the source of the translations (docs/translations.md). Mark new text in
## Chinese with gettext/{% translate %} and run this: makemessages merges it into locale/, zh_Hans gets the
## identity (msgen), compilemessages builds the .mo (.po and .mo committed; needs GNU gettext). It exits 1
## listing en entries still empty or fuzzy: translate them in locale/en/LC_MESSAGES/django.po, run it again.
messages: $(VENV)/.installed
	PYTHON=$(BIN)/python bin/update_translations

clean:
	rm -rf var/db.sqlite3* var/private var/staticfiles
