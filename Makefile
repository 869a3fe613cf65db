# Two commands on a fresh clone: `make demo` (main job) and `make test` (whole test suite).
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
TEST_STAMP := $(VENV)/.test-installed
BENCH_STAMP := $(VENV)/.bench-installed

.PHONY: demo test lint bench browser docs clean fuzz

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e .
	touch $@

$(TEST_STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e ".[test]"
	touch $@

$(BENCH_STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e ".[test,bench]"
	touch $@

demo: $(STAMP)
	$(BIN)/sceval demo --out sceval-demo

# Headless Chromium from the system's packages, for the report tests (they must run in CI).
browser:
	@command -v chromium >/dev/null 2>&1 || command -v chromium-browser >/dev/null 2>&1 || \
	  { echo "installing chromium (Debian package) for the browser tests"; \
	    (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null) || \
	    (sudo apt-get update -qq && sudo DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null); }

lint: $(TEST_STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports

test: $(TEST_STAMP) browser lint
	$(BIN)/python -m pytest -n 2 -p no:cacheprovider tests

# A longer fuzzing run of the readers and validators (Hypothesis, random seeds; never part of
# `make test`, which runs the same properties on a small derandomised budget).
# FUZZ_EXAMPLES=5000 make fuzz for a longer one; docs/security.md has the figures of the last run.
FUZZ_EXAMPLES ?= 300
fuzz: $(TEST_STAMP)
	SCEVAL_FUZZ=1 SCEVAL_FUZZ_EXAMPLES=$(FUZZ_EXAMPLES) $(BIN)/python -m pytest -p no:cacheprovider \
	  -q tests/security/test_fuzz_readers.py --hypothesis-show-statistics

# Benchmarks (never part of `make test`): SCEVAL_BENCH_SCALES=1e5 make bench for a quick run.
bench: $(BENCH_STAMP)
	mkdir -p benchmarks/results
	$(BIN)/python -m pytest benchmarks -p no:cacheprovider --benchmark-columns=median,min,max,rounds --benchmark-json=benchmarks/results/latest.json; \
	  status=$$?; $(BIN)/python benchmarks/summarize.py benchmarks/results/latest.json --out benchmarks/results/summary.md; exit $$status

docs: $(STAMP)
	$(BIN)/python -m sceval.docs

clean:
	rm -rf $(VENV) sceval-demo reports-out .pytest_cache .ruff_cache
