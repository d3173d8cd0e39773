# labourlink: the two commands a newcomer needs are `make demo` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
WARM := $(VENV)/.numba-warm
OUT ?= out
export PYTHONDONTWRITEBYTECODE := 1

.PHONY: install system-deps demo test bench bench-peers lint clean

install: $(STAMP) $(WARM)

$(STAMP): pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	@touch $(STAMP)

# Compile the gravity engine's numba kernels into their cache now, not at a user's first fit
# (again whenever a file of the engine changes; a few seconds when the cache is warm).
$(WARM): $(STAMP) $(wildcard src/labourlink/gravity/*.py)
	$(BIN)/python -m labourlink.gravity.warmup
	@touch $(WARM)

# Debian packages the browser and PDF tests need (Chromium, poppler's pdftoppm) and the OpenMP
# runtime numba's thread-safe parallel layer uses (libgomp1).
# `make test` runs this when CI=true; run it by hand (as root) on a new machine.
system-deps:
	@if command -v chromium >/dev/null 2>&1 && command -v pdftoppm >/dev/null 2>&1 && ldconfig -p | grep -q libgomp.so.1; then \
	  echo "system packages present"; \
	elif [ "$$(id -u)" = "0" ]; then \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends chromium poppler-utils libgomp1 >/dev/null && echo "installed chromium, poppler-utils, libgomp1"; \
	else \
	  echo "not root: install chromium, poppler-utils and libgomp1 with apt (browser and PDF tests; parallel engine)"; \
	fi

demo: install
	$(BIN)/labourlink data build
	$(BIN)/labourlink data status
	$(BIN)/labourlink brief --out $(OUT)

test: install
	@if [ "$${CI:-}" = "true" ]; then $(MAKE) --no-print-directory system-deps; fi
	$(BIN)/python -m pytest -n 2 --timeout 900

bench: install
	$(BIN)/python benchmarks/run.py

# Gravity engine against R fixest (installs R with apt when root and fixest from ../shared/peers
# when missing); options: make bench-peers BENCH_ARGS="--sizes 440k wto --json out.json"
bench-peers: install
	$(BIN)/python benchmarks/gravity_bench.py --peers $(BENCH_ARGS)

lint: install
	$(BIN)/ruff check src tests benchmarks
	$(BIN)/mypy

clean:
	rm -rf $(VENV) data/labourlink.duckdb $(OUT) test-output
