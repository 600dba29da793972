# Xinyong: two commands on a fresh machine.
#   make run   set everything up, load demo data once, serve on http://127.0.0.1:8000
#   make test  set everything up and run the whole suite
PYTHON ?= $(shell command -v python3.11 2>/dev/null || command -v python3)
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-dev
RUN_STAMP := $(VENV)/.installed-run

# The regulation a local demo runs under (any id from `xinyong rules list`): the one the data folder
# was initialised with (`xinyong init` records it in data/jurisdiction), else Chongqing's.
DATA_JURISDICTION := $(shell cat "$${XINYONG_DATA_DIR:-data}/jurisdiction" 2>/dev/null)
XINYONG_JURISDICTION ?= $(or $(DATA_JURISDICTION),chongqing-2021)
export XINYONG_JURISDICTION
# A developer's machine: the demo real-name verifier may run, cookies need no HTTPS. Unset (a real
# deployment), XINYONG_ENV means production, which refuses the demo verifier.
XINYONG_ENV ?= local
export XINYONG_ENV
# Who runs the demo, as every page's footer names it (a real deployment sets its own).
XINYONG_OPERATOR_NAME ?= 示范公共信用信息中心（演示）
XINYONG_OPERATOR_NAME_EN ?= Demonstration Public Credit Information Center (demo)
XINYONG_CONTACT ?= 演示部署，无真实联系方式 / a demonstration deployment with no real contact
export XINYONG_OPERATOR_NAME XINYONG_OPERATOR_NAME_EN XINYONG_CONTACT

.PHONY: install run test lint i18n bench fuzz long load clean help

help:
	@echo "make run    - install, migrate, load demo data once, serve on http://127.0.0.1:8000"
	@echo "make test   - install and run the whole suite (lint, import contracts, tests)"
	@echo "make i18n   - extract the portal's message keys into messages.pot and update every messages.po"
	@echo "make bench  - run every benchmark in benchmarks/ (JSON results in benchmarks/results/)"
	@echo "make fuzz   - API fuzzing, 1,000 cases per operation, on SQLite then PostgreSQL"
	@echo "make long   - 20 crash trials and the slow tests, on SQLite then PostgreSQL"
	@echo "make load   - the load test on PostgreSQL (LOAD_ARGS='--records 1000000 --duration 120')"

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

# `make run` needs only the runtime packages; `make test` adds the test tools.
$(RUN_STAMP): $(BIN)/python pyproject.toml constraints.txt
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -c constraints.txt -e .
	touch $(RUN_STAMP)

$(STAMP): $(RUN_STAMP)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -c constraints.txt -e '.[dev]'
	touch $(STAMP)

BENCH_STAMP := $(VENV)/.installed-bench
$(BENCH_STAMP): $(STAMP)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -c constraints.txt -e '.[dev,bench]'
	touch $(BENCH_STAMP)

# The portal's translations: gettext catalogs (babel.cfg says what is extracted). The build compiles each
# messages.po into its messages.mo (a build artefact, never committed); the portal compiles a missing or
# stale one in process all the same.
LOCALE := src/xinyong/portal/locale
MO := $(patsubst %.po,%.mo,$(wildcard $(LOCALE)/*/LC_MESSAGES/messages.po))

$(LOCALE)/%/LC_MESSAGES/messages.mo: $(LOCALE)/%/LC_MESSAGES/messages.po $(RUN_STAMP)
	$(BIN)/pybabel compile --domain messages --directory $(LOCALE) --locale $* --statistics

i18n: $(RUN_STAMP)
	$(BIN)/pybabel extract --mapping-file babel.cfg --no-location --sort-output --width 120 \
	  --project Xinyong --copyright-holder Xinyong --output-file $(LOCALE)/messages.pot .
	$(BIN)/pybabel update --domain messages --input-file $(LOCALE)/messages.pot --output-dir $(LOCALE) \
	  --no-fuzzy-matching --ignore-obsolete --width 120
	$(MAKE) --no-print-directory $(MO)

install: $(STAMP) $(MO)

run: $(RUN_STAMP) $(MO)
	scripts/system-deps.sh --runtime
	$(BIN)/xinyong init
	$(BIN)/xinyong demo --once
	$(BIN)/xinyong serve

lint: install
	$(BIN)/ruff check src tests benchmarks
	$(BIN)/lint-imports

test: lint
	scripts/system-deps.sh
	$(BIN)/pytest -q

bench: $(BENCH_STAMP)
	$(BIN)/python benchmarks/run_all.py

# The long runs: once on SQLite, once on a scratch PostgreSQL database (as .ci/run's two legs).
PG_SERVER ?= postgresql+psycopg://postgres@127.0.0.1:5432
PG_ADMIN  ?= -h 127.0.0.1 -U postgres
define on_both
	$(1) $(BIN)/pytest -q $(2)
	@db=xinyong_long_$$$$_$$(date +%s); createdb $(PG_ADMIN) $$db || exit 1; \
	  $(1) XINYONG_TEST_DATABASE_URL=$(PG_SERVER)/$$db $(BIN)/pytest -q $(2); rc=$$?; \
	  dropdb $(PG_ADMIN) --if-exists --force $$db; exit $$rc
endef

fuzz: install
	$(call on_both,XINYONG_FUZZ_EXAMPLES=1000,tests/api/test_fuzz.py)

long: install
	$(call on_both,XINYONG_LONG=1,tests/integration/test_crash_trials.py tests/integration/test_concurrency.py)
	$(call on_both,XINYONG_LONG=1 XINYONG_SLOW_TESTS=1,-m slow tests)

LOAD_ARGS ?=
load: $(BENCH_STAMP)
	$(BIN)/python benchmarks/load.py $(LOAD_ARGS)

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache .hypothesis
