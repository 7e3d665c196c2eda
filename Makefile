# tokenward: the commands people type. `make help` lists them.
SHELL := /bin/bash
CARGO ?= cargo
FUZZ_CASES ?= 200000
export CARGO_TERM_COLOR ?= never

.DEFAULT_GOAL := help

.PHONY: help
help: ## list the commands
	@grep -E '^[a-zA-Z_-]+:.*?## ' $(MAKEFILE_LIST) | awk -F ':.*?## ' '{printf "  make %-10s %s\n", $$1, $$2}'

.PHONY: build
build: ## build the workspace
	$(CARGO) build --workspace --all-features

.PHONY: lint
lint: ## cargo fmt --check and clippy with warnings as errors
	$(CARGO) fmt --all -- --check
	$(CARGO) clippy --workspace --all-targets --all-features -- -D warnings

.PHONY: test
test: lint ## lint, then every test: unit, conformance vectors, JWKS over loopback HTTP, property tests
	$(CARGO) test --workspace --all-features

.PHONY: bench
bench: ## core benchmark: tokenward vs bare aws-lc vs jsonwebtoken, per algorithm
	$(CARGO) bench -p tokenward --bench verify

.PHONY: fuzz
fuzz: ## property-based fuzzing of decode and verify with FUZZ_CASES cases per property (not part of test)
	PROPTEST_CASES=$(FUZZ_CASES) $(CARGO) test --release -p tokenward --test fuzz -- --nocapture

.PHONY: vectors
vectors: ## regenerate tests/vectors/vectors.json with the independent Python implementation
	python3 -m pip install --quiet cryptography
	python3 tests/vectors/generate.py
