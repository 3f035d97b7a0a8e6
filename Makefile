# 党建整体推进平台 — the two commands: `make run` and `make test`.
PY ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
PORT ?= 8000
STAMP := $(VENV)/.installed
# Development sets DEBUG explicitly (the settings default is off, as in production): the commands
# that build and look after the local database run with it on. `make run` serves the product as its
# users see it — DEBUG off (Chinese error pages, static files collected and served by WhiteNoise),
# plain HTTP on the loopback with the embedded development keys (LOCAL_SERVE).
DEV := DEBUG=True
SERVE := DEBUG=False LOCAL_SERVE=True

.PHONY: run test install lint format bench migrate demo clean worker upgrade backup restore

$(BIN)/python:
	$(PY) -m venv $(VENV) || python3 -m venv $(VENV)

# Installs are pinned: requirements-dev.lock (runtime + dev tools, with hashes) is exactly what
# CI tested; the Dockerfile installs requirements.lock (runtime only). `make upgrade` refreshes both.
$(STAMP): requirements-dev.lock | $(BIN)/python
	$(BIN)/pip install -q --require-hashes -r requirements-dev.lock
	@touch $(STAMP)

upgrade: | $(BIN)/python
	$(BIN)/pip install -q uv
	$(BIN)/uv pip compile pyproject.toml --upgrade --generate-hashes --python-version 3.11 -q -o requirements.lock
	$(BIN)/uv pip compile pyproject.toml --extra dev --upgrade --generate-hashes --python-version 3.11 -q -o requirements-dev.lock
	@echo "Locks refreshed: run 'make test' (and .ci/run) before committing them."

install: $(STAMP)

migrate: install
	$(DEV) $(BIN)/python manage.py migrate --noinput -v0

demo: migrate
	$(DEV) $(BIN)/python manage.py demo_city --if-empty

run: demo
	@echo ""
	@echo "  党建整体推进平台: http://127.0.0.1:$(PORT)/"
	@echo "  演示账号（密码均为 demo-pass-2023）："
	@echo "    shi    市委组织部（全市，含后台 /admin/）"
	@echo "    zhen   乡镇党委书记（本乡镇及下级）"
	@echo "    cun    村党组织书记（本村）"
	@echo "    cun2   另一乡镇的村党组织书记"
	@echo "    ducha  督查组成员（分配的督查单位）"
	@echo ""
	$(SERVE) $(BIN)/python manage.py collectstatic --noinput -v0
	$(SERVE) $(BIN)/python manage.py runserver 127.0.0.1:$(PORT)

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: install
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

test: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(DEV) $(BIN)/python manage.py makemigrations --check --dry-run -v0
	$(DEV) $(BIN)/pytest $(PYTEST_ARGS)

bench: install
	$(DEV) $(BIN)/python bench/run.py

worker: install
	$(DEV) $(BIN)/celery -A config worker -l info

# Encrypted backup of the database and the media files (BACKUP_KEY, BACKUP_DIR in .env);
# restore into a fresh, empty database: make restore BACKUP=backups/x.pbbak DATABASE_URL=postgres://…/new
backup: install
	$(BIN)/python manage.py backup

restore: install
	@test -n "$(BACKUP)" || (echo "usage: make restore BACKUP=path/to/file.pbbak [DATABASE_URL=…]"; exit 2)
	$(BIN)/python manage.py restore "$(BACKUP)"

clean:
	rm -rf $(VENV) db.sqlite3 staticfiles
