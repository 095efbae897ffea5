# Two commands do everything on a fresh machine:
#   make run   - demo data on the embedded engine, then the server on :8000
#   make test  - lint, types and the whole test suite
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin

.PHONY: install run seed serve test lint typecheck pytest schema bench bench-attacks clean

$(BIN)/leeto: pyproject.toml constraints.txt
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -c constraints.txt -e '.[dev]'
	touch $@

install: $(BIN)/leeto

run: install
	$(BIN)/leeto seed
	$(BIN)/leeto serve

seed: install
	$(BIN)/leeto seed

serve: install
	$(BIN)/leeto serve

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

typecheck: install
	$(BIN)/mypy

pytest: install
	$(BIN)/pytest

test: lint typecheck pytest

schema: install
	$(BIN)/leeto export-schema

bench: install
	$(BIN)/python -m bench.round_trips

# Times the refusal of each hostile request (bench/attacks.py); URL=... attacks a running server.
bench-attacks: install
	$(BIN)/python -m bench.attacks $(if $(URL),--url $(URL))

clean:
	rm -rf $(VENV) .leeto .mypy_cache .ruff_cache .pytest_cache .hypothesis
