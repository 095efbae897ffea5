# Two commands do everything on a fresh machine:
#   make run   - demo data into an empty database (kept across restarts), then the server on :8000
#   make test  - lint, types and the whole test suite
#   (make reset wipes the database and loads the demo data again)
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin

.PHONY: install redis-server run seed reset serve test lint typecheck pytest schema bench bench-attacks bench-edge clean

$(BIN)/leeto: pyproject.toml constraints.txt
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	@# setuptools' notes on editable installs are warnings; the install itself stays quiet.
	PYTHONWARNINGS=ignore::UserWarning $(BIN)/pip install --quiet -c constraints.txt -e '.[dev]'
	touch $@

install: $(BIN)/leeto

# The tests start a real redis-server (shared rate-limit counters); Debian's
# package provides it. As root (CI) it is installed when missing; otherwise the
# command to run is printed.
redis-server:
	@command -v redis-server >/dev/null 2>&1 || { \
	  if [ "$$(id -u)" -eq 0 ] && command -v apt-get >/dev/null 2>&1; then \
	    echo "installing redis-server (apt-get)"; \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq redis-server >/dev/null; \
	  else \
	    echo "redis-server is missing: sudo apt-get install redis-server" >&2; exit 1; \
	  fi; }

# Data survives restarts: demo data is loaded only into an empty database.
run: install
	$(BIN)/leeto seed --if-empty
	$(BIN)/leeto serve

seed: install
	$(BIN)/leeto seed

# Wipes the database and loads the demo data again.
reset: install
	$(BIN)/leeto seed --force

serve: install
	$(BIN)/leeto serve

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

typecheck: install
	$(BIN)/mypy

pytest: install redis-server
	$(BIN)/pytest

test: lint typecheck pytest

schema: install
	$(BIN)/leeto export-schema

bench: install
	$(BIN)/python -m bench.round_trips

# Times the refusal of each hostile request (bench/attacks.py); URL=... attacks a running server.
bench-attacks: install
	$(BIN)/python -m bench.attacks $(if $(URL),--url $(URL))

bench-edge: install redis-server
	$(BIN)/python -m bench.edge_overhead

clean:
	rm -rf $(VENV) .leeto .mypy_cache .ruff_cache .pytest_cache .hypothesis
