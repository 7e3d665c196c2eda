# tokenward: the commands people type. `make help` lists them.
SHELL := /bin/bash
CARGO ?= cargo
PYTHON ?= python3
FUZZ_CASES ?= 200000
VENV := .venv
PY := $(VENV)/bin/python
# Release tooling (release/requirements.txt): maturin, zig, cargo-zigbuild, actionlint.
RELEASE_VENV := .venv-release
export CARGO_TERM_COLOR ?= never
# The development builds of both packages carry the test-only feature
# panic-injection, so the tests can prove a panic never escapes a binding;
# release artifacts are built without it.
# Builds take their dependencies from the committed lockfiles only: cargo runs
# with --locked (maturin gets it through MATURIN_PEP517_ARGS, @napi-rs/cli after
# `--`); npm installs with `npm ci`, or where it cannot, with a check (below).

.DEFAULT_GOAL := help

.PHONY: help
help: ## list the commands
	@grep -E '^[a-zA-Z_-]+:.*?## ' $(MAKEFILE_LIST) | awk -F ':.*?## ' '{printf "  make %-14s %s\n", $$1, $$2}'

.PHONY: build
build: ## build the Rust workspace
	$(CARGO) build --workspace --all-features --locked

$(VENV)/.deps: bindings-python/requirements-dev.txt
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r bindings-python/requirements-dev.txt
	touch $@

.PHONY: python
python: $(VENV)/.deps ## build the Python package and install it into .venv (pip install ./bindings-python)
	MATURIN_PEP517_ARGS="--locked --features panic-injection" $(PY) -m pip install --quiet --force-reinstall --no-deps ./bindings-python

# Not `npm ci` here: @napi-rs/cli pulls in per-platform optional packages, and the
# registry these machines reach serves only this platform's, so npm never writes
# the others into the lock and `npm ci` then refuses it ("Missing: ... from lock
# file"). Instead `npm install` must leave package-lock.json byte for byte as it
# was (else it is restored and the install fails) and `npm ls --all` must pass:
# the installed tree is exactly the locked one.
define npm_install_locked
	lock=$$(mktemp) && cp package-lock.json "$$lock" && \
	npm install $(1) --no-audit --no-fund --loglevel=error && \
	if ! cmp -s "$$lock" package-lock.json; then \
	    diff "$$lock" package-lock.json | head -40 >&2; cp "$$lock" package-lock.json; rm -f "$$lock"; \
	    echo "$$PWD: package-lock.json does not match package.json; update it with npm install and commit it" >&2; \
	    exit 1; \
	fi && rm -f "$$lock" && npm ls --all >/dev/null
endef

bindings-node/node_modules/.deps: bindings-node/package.json bindings-node/package-lock.json
	cd bindings-node && $(call npm_install_locked,--ignore-scripts)
	touch $@

.PHONY: node
node: bindings-node/node_modules/.deps ## build the Node addon with @napi-rs/cli (napi build --platform --release)
	cd bindings-node && npx napi build --platform --release --no-js --dts native.d.ts --features panic-injection -- --locked

.PHONY: lint
lint: lint-rust lint-python lint-node lint-versions lint-workflows ## every linter: rustfmt, clippy, ruff, mypy --strict, stubtest, tsc --strict, versions, actionlint

.PHONY: lint-rust
lint-rust: ## cargo fmt --check and clippy with warnings as errors
	$(CARGO) fmt --all -- --check
	$(CARGO) clippy --workspace --all-targets --all-features --locked -- -D warnings

.PHONY: lint-python
lint-python: python ## ruff, mypy --strict on the package and a typed usage file, stubtest on the stubs
	cd bindings-python && ../$(VENV)/bin/ruff check python tests typed ../examples ../bench/python ../bench/load
	cd bindings-python && ../$(VENV)/bin/ruff format --check python tests typed ../examples ../bench/python ../bench/load
	cd bindings-python && ../$(VENV)/bin/mypy --strict python/tokenward typed/usage.py typed/usage_fastapi.py
	cd bindings-python && ../$(PY) -m mypy.stubtest tokenward._native

.PHONY: lint-versions
lint-versions: $(VENV)/.deps ## the crate, the wheel and the npm packages carry one version (release/check-versions.py)
	$(PY) release/check-versions.py

.PHONY: lint-workflows
lint-workflows: $(RELEASE_VENV)/.deps ## actionlint on .github/workflows (shellcheck on their run: scripts), shellcheck on release/*.sh
	$(RELEASE_VENV)/bin/actionlint -shellcheck $(RELEASE_VENV)/bin/shellcheck -pyflakes ''
	$(RELEASE_VENV)/bin/shellcheck release/*.sh

.PHONY: lint-node
lint-node: bindings-node/node_modules/.deps ## tsc --strict on a typed usage file of index.d.ts, express.d.ts, testing.d.ts
	cd bindings-node && npx tsc -p typed/tsconfig.json

.PHONY: examples
examples: python node examples/express-login/node_modules/.deps examples/fastify-login/node_modules/.deps ## build what the five example backends need (npm deps, the axum binary)
	$(CARGO) build -p tokenward-example-axum --locked

# tokenward comes from ../../bindings-node as a link (file:), so the addon that
# `make node` built is the one the example loads; install scripts run here
# because better-sqlite3 compiles itself.
examples/express-login/node_modules/.deps: examples/express-login/package.json examples/express-login/package-lock.json | node
	cd examples/express-login && npm ci --no-audit --no-fund --loglevel=error
	touch $@

examples/fastify-login/node_modules/.deps: examples/fastify-login/package.json examples/fastify-login/package-lock.json | node
	cd examples/fastify-login && npm ci --no-audit --no-fund --loglevel=error
	touch $@

.PHONY: demo
demo: examples ## the seed login flow end to end: a TestIssuer as provider, Flask, FastAPI, Express, Fastify and axum backends
	$(PY) examples/demo.py

# Chromium and its driver come from Debian; nothing downloads a browser.
/usr/bin/chromedriver:
	apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium chromium-driver >/dev/null

.PHONY: demo-browser
demo-browser: examples /usr/bin/chromedriver ## the login page (examples/web) in headless Chromium against all five backends; screenshots in examples/screenshots
	$(PY) examples/browser.py

.PHONY: test
test: lint test-rust test-python test-node test-examples test-dist /usr/bin/chromedriver ## lint, then every test in every language and of the release artifacts, then the demo, in a terminal and in a browser
	$(PY) examples/demo.py
	$(PY) examples/browser.py

.PHONY: test-rust
test-rust: ## core tests: unit, conformance vectors, JWKS over loopback HTTP, property tests
	$(CARGO) test --workspace --all-features --locked

.PHONY: test-python
test-python: python ## pytest: vectors, interop with PyJWT, threads, asyncio, gunicorn --preload, Flask over HTTP
	$(PY) bindings-python/typed/usage.py >/dev/null
	cd bindings-python && ../$(PY) -m pytest -q

.PHONY: test-node
test-node: node ## node --test: vectors, jose interop, single flight, worker_threads, Express over HTTP
	cd bindings-node && node --test test/*.test.js

.PHONY: test-examples
test-examples: examples ## the Flask, FastAPI, Express and Fastify examples over HTTP (the axum example's tests run in test-rust)
	cd examples/flask-login && ../../$(PY) -m pytest -q -p no:cacheprovider
	cd examples/fastapi-login && ../../$(PY) -m pytest -q -p no:cacheprovider
	cd examples/express-login && node --test test/*.test.js
	cd examples/fastify-login && node --test test/*.test.js

$(RELEASE_VENV)/.deps: release/requirements.txt
	$(PYTHON) -m venv $(RELEASE_VENV)
	$(RELEASE_VENV)/bin/python -m pip install --quiet -r release/requirements.txt
	touch $@

# Linux x86_64 here; the release workflow (.github/workflows/release.yml) builds
# every platform. `make dist DIST_TARGETS=x86_64-unknown-linux-gnu` builds one.
DIST_TARGETS ?= x86_64-unknown-linux-gnu x86_64-unknown-linux-musl

.PHONY: dist
dist: $(RELEASE_VENV)/.deps bindings-node/node_modules/.deps ## release artifacts into dist/: manylinux2014 and musllinux wheels, sdist, npm tarballs, crate
	release/dist.sh $(DIST_TARGETS)

.PHONY: test-dist
test-dist: dist ## install the artifacts with no Rust toolchain on PATH and smoke-test them (Flask, Express, CJS, ESM)
	release/test-dist.sh

# Within `make test`, dist builds only what can be installed on this machine:
# no musl Python or Node runs here to load the musl artifacts.
test: DIST_TARGETS = x86_64-unknown-linux-gnu

.PHONY: bench
bench: ## core benchmark: tokenward vs bare aws-lc vs jsonwebtoken, per algorithm
	$(CARGO) bench -p tokenward --bench verify --locked

.PHONY: bench-python
bench-python: python ## Python benchmark: tokenward vs PyJWT, joserfc, authlib; threads, import time, memory
	$(PY) bench/python/bench.py

.PHONY: bench-node
bench-node: node ## Node benchmark: tokenward vs jose, fast-jwt, jsonwebtoken; awaited and sync; memory
	node --expose-gc bench/node/bench.js

# wrk comes from Debian (skipped when it is on PATH). The peers need no install
# of their own: bench/load/node_peers.js loads Express, Fastify and
# better-sqlite3 from the examples' node_modules and jose from bindings-node's
# (a devDependency), all installed by `make examples`.
WRK_INSTALL = command -v wrk >/dev/null || (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk >/dev/null)
LOAD_STACK ?= express

.PHONY: load
load: examples ## load test (not part of test): the five examples under their production servers beside PyJWT/jose peers, driven by wrk (LOAD_SECONDS=20 a run; ~10 min)
	$(WRK_INSTALL)
	$(CARGO) build --release -p tokenward-example-axum --locked
	$(PY) bench/load/run.py

.PHONY: load-faults
load-faults: examples ## load under faults on LOAD_STACK (express) and its peer: new key, JWKS 503, JWKS 5 s slow, invalid flood (~6 min)
	$(WRK_INSTALL)
	$(PY) bench/load/run.py --faults --stack $(LOAD_STACK)

.PHONY: fuzz
fuzz: ## property-based fuzzing of decode and verify with FUZZ_CASES cases per property (not part of test)
	PROPTEST_CASES=$(FUZZ_CASES) $(CARGO) test --release -p tokenward --test fuzz --locked -- --nocapture

# cryptography comes pinned from bindings-python/requirements-dev.txt, into .venv.
.PHONY: vectors
vectors: $(VENV)/.deps ## regenerate tests/vectors/vectors.json with the independent Python implementation
	$(PY) tests/vectors/generate.py
