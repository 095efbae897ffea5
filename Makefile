# Two commands do everything on a fresh machine:
#   make run   - demo data into an empty database (kept across restarts), then the server on :8000
#   make test  - lint, types and the whole test suite
#   (make reset wipes the database and loads the demo data again)
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
CONFORMANCE := clients/conformance

.PHONY: install redis-server chromium graphiql-assets run seed reset serve test lint typecheck client apollo conformance pytest schema bench bench-round-trips bench-attacks bench-edge bench-login-burst bench-profile bench-executor bench-live bench-cache bench-jobs clean

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

# The GraphiQL test drives Debian's headless Chromium through chromedriver;
# installed like redis-server.
chromium:
	@{ command -v chromium && command -v chromedriver; } >/dev/null 2>&1 || { \
	  if [ "$$(id -u)" -eq 0 ] && command -v apt-get >/dev/null 2>&1; then \
	    echo "installing chromium and chromium-driver (apt-get)"; \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium chromium-driver >/dev/null; \
	  else \
	    echo "chromium is missing: sudo apt-get install chromium chromium-driver" >&2; exit 1; \
	  fi; }

# GraphiQL's assets are vendored into server/static/graphiql/vendor from the
# pinned packages in graphiql/; this refreshes them (after editing its package.json).
graphiql-assets:
	cd graphiql && npm install --no-audit --no-fund --loglevel=error && node vendor.mjs

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

# Apollo Client (clients/apollo): tests/clients runs its script against a live
# server; `make apollo` runs it against the server on :8000 (or URL=...).
APOLLO := clients/apollo

$(APOLLO)/node_modules/.package-lock.json: $(APOLLO)/package.json $(APOLLO)/package-lock.json
	cd $(APOLLO) && npm ci --no-audit --no-fund --loglevel=error

apollo: $(APOLLO)/node_modules/.package-lock.json
	cd $(APOLLO) && node run.mjs $(URL)

pytest: install redis-server chromium $(APOLLO)/node_modules/.package-lock.json
	$(BIN)/pytest

# The example web client (examples/web): its operations generated from
# schema.graphql and type-checked; a schema change that breaks it fails here.
WEB := examples/web

$(WEB)/node_modules/.package-lock.json: $(WEB)/package.json $(WEB)/package-lock.json
	cd $(WEB) && npm ci --no-audit --no-fund --loglevel=error

client: $(WEB)/node_modules/.package-lock.json
	cd $(WEB) && npm run --silent check

# graphql-http's GraphQL over HTTP audit (clients/conformance): pytest runs it
# against a real `leeto serve`; `make conformance URL=...` audits a running server.
.PHONY: conformance

$(CONFORMANCE)/node_modules/.package-lock.json: $(CONFORMANCE)/package.json $(CONFORMANCE)/package-lock.json
	cd $(CONFORMANCE) && npm ci --no-audit --no-fund --loglevel=error

conformance: $(CONFORMANCE)/node_modules/.package-lock.json
	cd $(CONFORMANCE) && node audit.mjs $(or $(URL),http://127.0.0.1:8000/graphql) --pretty

pytest: $(CONFORMANCE)/node_modules/.package-lock.json

test: lint typecheck client pytest

schema: install
	$(BIN)/leeto export-schema

# Leeto beside a naive build of itself and a no-GraphQL floor (bench/harness.py):
# prints a table, writes bench/results.json and bench/results.png; then the
# catalogue page on a response cache hit and miss (bench/response_cache.py) and
# a seat change's fan-out to 50 subscribers (bench/subscriptions.py).
bench: install redis-server
	$(BIN)/python -m bench.harness
	$(BIN)/python -m bench.response_cache
	$(BIN)/python -m bench.subscriptions

# Commands per catalogue page at first: 1, 20, 50 and 100, counted on the wire.
bench-round-trips: install
	$(BIN)/python -m bench.round_trips

# Times the refusal of each hostile request (bench/attacks.py); URL=... attacks a running server.
bench-attacks: install
	$(BIN)/python -m bench.attacks $(if $(URL),--url $(URL))

bench-edge: install redis-server
	$(BIN)/python -m bench.edge_overhead

# The catalogue page alone and during bursts of 20 log-ins, pages/s and peak RSS
# at each worker count (bench/login_burst.py).
WORKERS ?= 1,2
bench-login-burst: install
	$(BIN)/python -m bench.login_burst --workers $(WORKERS)

# API-process CPU per query with LEETO_FAST_EXECUTION on and off (bench/executor.py).
bench-executor: install
	$(BIN)/python -m bench.executor

# One operation's CPU per request in process, and with PROFILE=1 cProfile's top
# functions (bench/profile_page.py).
OP ?= catalogue_page
FIRST ?= 100
bench-profile: install
	$(BIN)/python -m bench.profile_page $(OP) --first $(FIRST) $(if $(PROFILE),--profile)

# Seat-change delivery to 50 subscribers, in one process and across two over Redis.
bench-live: install redis-server
	$(BIN)/python -m bench.subscriptions

# The catalogue page on a response cache hit and miss, memory and Redis (bench/response_cache.py).
bench-cache: install redis-server
	$(BIN)/python -m bench.response_cache

# Background jobs: the API's CPU per enrolment and the delay until its e-mail arrives.
bench-jobs: install redis-server
	$(BIN)/python -m bench.job_delivery

clean:
	rm -rf $(VENV) .leeto .mypy_cache .ruff_cache .pytest_cache .hypothesis $(WEB)/node_modules $(WEB)/src/gql $(APOLLO)/node_modules
	rm -rf $(CONFORMANCE)/node_modules
