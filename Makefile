# Every target installs what it needs first (make install is idempotent and quick when done).
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
URL ?=
PYTEST_ARGS ?=

.PHONY: install run test bench bench-extract lint typecheck clean

install: $(BIN)/crawler

$(BIN)/crawler: pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ".[dev]"
	touch $(BIN)/crawler

## make run: crawl the bundled demo site (or URL=...) end to end, starting private
## PostgreSQL/Redis when none answer at DATABASE_URL/REDIS_URL.
run: install
	$(BIN)/crawler run $(URL)

## make test: the whole suite against real PostgreSQL, Redis and local HTTP servers.
test: install
	$(BIN)/python -m pytest $(PYTEST_ARGS)

## make bench: prints the benchmark figures (see docs/benchmarks.md).
bench: install
	$(BIN)/python -m bench

## make bench-extract: extraction scores on the dev set vs trafilatura (see docs/extraction.md).
bench-extract: install
	$(BIN)/python -m bench.extraction

lint: install
	$(BIN)/ruff check .
	$(BIN)/mypy

clean:
	rm -rf $(VENV) .data .pytest_cache .mypy_cache .ruff_cache *.egg-info
