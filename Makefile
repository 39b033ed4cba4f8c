# Coffre — the two commands a newcomer needs: `make run` and `make test`.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
PY := $(VENV)/bin/python
PIP := $(VENV)/bin/pip

.PHONY: run test install install-dev bench mutations messages clean

$(VENV)/bin/activate:
	@command -v $(PYTHON) >/dev/null 2>&1 || { echo "Python 3.11 is needed (set PYTHON=/path/to/python3.11)"; exit 1; }
	$(PYTHON) -m venv $(VENV)
	$(PIP) install --quiet --upgrade pip

$(VENV)/.installed: pyproject.toml $(VENV)/bin/activate
	$(PIP) install --quiet -e .
	touch $@

$(VENV)/.installed-dev: pyproject.toml $(VENV)/bin/activate
	$(PIP) install --quiet -e ".[dev]"
	touch $@ $(VENV)/.installed

install: $(VENV)/.installed
install-dev: $(VENV)/.installed-dev

## make run: install, migrate, load demo data, serve on http://127.0.0.1:8000 with a worker.
run: install
	$(PY) manage.py migrate --no-input
	$(PY) manage.py collectstatic --no-input -v0
	$(PY) manage.py load_demo
	./scripts/run.sh

## make test: install the dev dependencies and run the whole suite (SQLite unless DATABASE_URL).
test: install-dev
	$(PY) manage.py makemigrations --check --dry-run -v0
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/mypy .
	$(PY) -m pytest -p no:cacheprovider

## make mutations: remove each access-policy rule in turn; the matrix test must catch every one.
mutations: install-dev
	$(PY) scripts/policy_mutations.py

## make bench: throughput and memory of the real server, then the capture pipeline (see bench/README.md).
bench: install-dev
	$(PY) bench/run.py
	$(PY) bench/capture.py

## make messages: extract strings (needs GNU gettext) and compile the catalogues.
messages: install-dev
	$(PY) manage.py makemessages -l fr -l en --no-obsolete --ignore=.venv --ignore=var
	$(PY) scripts/compile_messages.py

clean:
	rm -rf $(VENV) var
