# tierstream: common tasks. `make help` lists them.
# Everything runs from the project's virtualenv (.venv), created by `make install`.
SHELL := bash
.DEFAULT_GOAL := help
VENV := .venv
PY := $(VENV)/bin/python
BIN := $(VENV)/bin

.PHONY: help install demo test unit integration lint typecheck schemas \
        broker-start broker-stop broker-reset secure-broker-start secure-broker-stop \
        clean bench bench-core bench-query

help: ## list the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  %-14s %s\n", $$1, $$2}'

install: ## install system packages (if root), the .venv and the Kafka jars
	@scripts/bootstrap.sh

demo: install ## run the live demo: broker, worker, synthetic customers, tier changes (Ctrl-C stops)
	@scripts/with-broker.sh scripts/demo.sh

test: install lint typecheck ## the whole suite: lint, types, unit and integration tests on a real broker
	@scripts/with-broker.sh $(PY) -m pytest

unit: install ## unit tests only (no broker)
	@$(PY) -m pytest -m "not integration"

integration: install ## integration tests only (starts the local broker if none answers)
	@scripts/with-broker.sh $(PY) -m pytest -m integration

lint: ## ruff
	@$(BIN)/ruff check .

typecheck: ## mypy --strict
	@$(BIN)/mypy

schemas: ## regenerate schemas/json from the pydantic models
	@$(BIN)/tierstream schemas export

broker-start: ## start the local single-node Kafka broker (KRaft) in the background
	@scripts/kafka-local.sh start
broker-stop: ## stop the local broker
	@scripts/kafka-local.sh stop
broker-reset: ## stop the local broker and delete its data
	@scripts/kafka-local.sh reset
secure-broker-start: ## start the second, SASL_SSL-only local broker (docs/security.md)
	@scripts/kafka-secure.sh start
secure-broker-stop: ## stop the SASL_SSL broker
	@scripts/kafka-secure.sh stop

bench: install ## benchmark the worker against a plain aiokafka loop (BENCH_ARGS="--events 500000 --customers 50000")
	@scripts/with-broker.sh $(PY) -m bench.run $(BENCH_ARGS)

bench-query: install ## decisions with and without 20 API clients on `tierstream serve` (BENCH_ARGS="--seconds 40 --clients 20")
	@scripts/with-broker.sh $(PY) -m bench.query_load $(BENCH_ARGS)

bench-core: ## benchmark the offline replay against the JSON floor, no broker (BENCH_ARGS="--events 1000000")
	@$(PY) -m bench.core $(BENCH_ARGS)

clean: ## remove caches and local worker state (keeps .venv and the Kafka jars)
	rm -rf .mypy_cache .ruff_cache .pytest_cache data .cache/demo .cache/bench-core
