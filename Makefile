# zkclaims — the README's commands. Each target creates .venv with Python's own venv if absent
# and installs the project into it (editable, with the dev and bench extras).
#   make demo   the whole claim round trip on sample data (zkclaims demo)
#   make test   the test suite (what CI runs)
#   make lint   ruff
#   make bench  the benchmarks (see README, Performance)
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed

.PHONY: demo test lint bench bench-quick bench-peers clean

$(STAMP): pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[dev,bench]'
	touch $(STAMP)

demo: $(STAMP)
	$(VENV)/bin/zkclaims demo

test: $(STAMP)
	$(PY) -m pytest -q

lint: $(STAMP)
	$(VENV)/bin/ruff check zkclaims circuits benchmarks tests

# --- benchmarks (README: "Performance") -------------------------------------------------------
BENCH_STAMP := $(VENV)/.installed-bench
PEERS := .cache/peers
SNARKJS := $(PEERS)/node_modules/snarkjs/package.json

$(BENCH_STAMP): $(STAMP)
	$(PY) -m pip install --quiet -e '.[dev,bench]'
	touch $(BENCH_STAMP)

# snarkjs (npm) into .cache/peers, for the side-by-side comparison; needs Node.js and npm.
$(SNARKJS): benchmarks/peers/package.json
	@command -v npm >/dev/null || { echo "bench-peers: npm not found: install Node.js (>= 18) and npm"; exit 1; }
	mkdir -p $(PEERS)
	cp benchmarks/peers/package.json $(PEERS)/package.json
	npm install --prefix $(PEERS) --no-audit --no-fund --omit=dev
	touch $(SNARKJS)

# The full run (about 5 min on 2 cores; the very first snarkjs run also makes a 2^14
# powers-of-tau file once, cached in .cache/peers/work): installs the bench extra, tries to
# install snarkjs (the peer rows say "not run" and why when it cannot), writes
# benchmarks/results/<UTC date and time>-<host>.* (never overwritten) and rewrites the README's
# performance table.
bench: $(BENCH_STAMP)
	-@$(MAKE) --no-print-directory $(SNARKJS)
	$(PY) -m benchmarks --readme README.md

# Smaller sizes, 3 repetitions; like `make bench`, tries to install snarkjs first so that the
# comparison runs whenever Node.js and npm are there (the peer rows say why when not).
bench-quick: $(BENCH_STAMP)
	-@$(MAKE) --no-print-directory $(SNARKJS)
	$(PY) -m benchmarks --quick

# Installs snarkjs, then runs the comparison with it (quick sizes).
bench-peers: $(BENCH_STAMP) $(SNARKJS)
	$(PY) -m benchmarks --quick --only floors,groth16,claim,peers

clean:
	rm -rf $(VENV) build *.egg-info .pytest_cache .hypothesis
