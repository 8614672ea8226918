# Zhenggai: `make demo` runs the product on its embedded defaults; `make test` runs the suite; `make lint` checks it.
SHELL := /bin/bash
PORT ?= 8000
MYPY_PATHS := tracker workflows notifications demo
UV := $(shell command -v uv 2>/dev/null || echo $(CURDIR)/.tools/bin/uv)
RUN := $(UV) run --frozen
# The demo runs on what the product needs, without the test and benchmark tools (uv run syncs inexactly: a
# checkout that also runs the tests keeps them).
DEMO_RUN := $(UV) run --frozen --no-dev
DEMO_ENV := DEBUG=$${DEBUG:-1} SITE_URL=$${SITE_URL:-http://127.0.0.1:$(PORT)}
export UV_PROJECT_ENVIRONMENT := $(CURDIR)/.venv

.PHONY: demo test bench lint env messages

# uv itself, in a private virtualenv, when the machine does not have it yet.
$(CURDIR)/.tools/bin/uv:
	python3 -m venv $(CURDIR)/.tools
	$(CURDIR)/.tools/bin/pip install --quiet uv

.venv/.synced: pyproject.toml uv.lock | $(UV)
	$(UV) sync --frozen --python 3.11
	touch $@

env: .venv/.synced

demo: | $(UV)
	$(UV) sync --frozen --no-dev --inexact --python 3.11 --quiet
	@$(DEMO_ENV) $(DEMO_RUN) python manage.py migrate --no-input -v0
	@$(DEMO_ENV) $(DEMO_RUN) python manage.py seed_demo
	@echo ""
	@echo "Zhenggai is at http://127.0.0.1:$(PORT)/  (sign in with an account above; admin: /admin/)"
	@$(DEMO_ENV) $(DEMO_RUN) python manage.py rundemo 127.0.0.1:$(PORT)

test: env
	DEBUG=$${DEBUG:-1} $(RUN) pytest $(PYTEST_ARGS)

bench: env
	$(RUN) python -m bench $(BENCH_ARGS)

# mypy's Django plugin loads the settings, which want DEBUG (or a SECRET_KEY) to load.
lint: env
	$(RUN) ruff check .
	$(RUN) ruff format --check .
	DEBUG=$${DEBUG:-1} $(RUN) mypy $(MYPY_PATHS)

messages: env
	DEBUG=1 $(RUN) python manage.py makemessages -l zh_Hans --ignore=.venv --ignore=.tools --ignore=bench --no-obsolete && DEBUG=1 $(RUN) python manage.py compilemessages -l zh_Hans --ignore=.venv
