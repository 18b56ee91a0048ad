# Two commands for a newcomer: `make run` and `make test`. Everything else is for us.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PORT ?= 5000
export FLASK_APP := wsgi

.PHONY: run test translations messages lint serve-dev

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip

$(VENV)/.run-deps: requirements.txt | $(BIN)/python
	$(BIN)/pip install -q -r requirements.txt
	touch $@

$(VENV)/.test-deps: requirements-test.txt requirements.txt | $(BIN)/python
	$(BIN)/pip install -q -r requirements-test.txt
	touch $@ $(VENV)/.run-deps

translations: $(VENV)/.run-deps
	$(BIN)/pybabel compile -d grants/translations

## make run: install, migrate, seed the demo world when empty, serve on http://127.0.0.1:$(PORT)
run: translations
	BAIQAU_ENV=development $(BIN)/flask db upgrade
	BAIQAU_ENV=development $(BIN)/flask load-reference
	BAIQAU_ENV=development $(BIN)/flask seed-demo --if-empty
	# FLASK_RUN_PORT, not --port: the app reads it too, so links in mail and QR codes name the port served
	BAIQAU_ENV=development FLASK_RUN_PORT=$(PORT) $(BIN)/flask run --host 127.0.0.1

## make test: install the test dependencies and run the whole suite
test: $(VENV)/.test-deps translations
	$(BIN)/python -m pytest $(PYTEST_ARGS)

## make messages: extract strings and update the kk/ru/en catalogues
messages: $(VENV)/.run-deps
	$(BIN)/pybabel extract -F babel.cfg -k _l -k lazy_gettext -k pgettext:1c,2 -o grants/translations/messages.pot --no-location --sort-output --project Baiqau .
	$(BIN)/pybabel update -i grants/translations/messages.pot -d grants/translations --no-fuzzy-matching --ignore-obsolete

lint: $(VENV)/.test-deps
	$(BIN)/ruff check .
