# The two commands of the README: `make synth` and `make test`. Each installs what it needs
# first (pipenv and the locked environment; for tests also the engines), and a second run
# skips what is already up to date.

SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c
.DEFAULT_GOAL := help

PYTHON ?= python3.11
PIPENV_VERSION := 2026.10.3
UV_VERSION := 0.13.9
TOOLS := .tools
PIPENV := $(TOOLS)/bin/pipenv
UV := $(TOOLS)/bin/uv
# No uv.toml or UV_* setting of this machine changes what uv installs (here and in the tool
# venvs' tools/*/install.sh).
export UV_NO_CONFIG := 1
VENV := .venv
PY := $(VENV)/bin/python

export PIPENV_VENV_IN_PROJECT := 1
export PIPENV_IGNORE_VIRTUALENVS := 1
export PIPENV_VERBOSITY := -1
export PIPENV_NOSPIN := 1
# jsii prints a banner on every start for Node versions it no longer supports; the variable
# must name the running major version to silence it.
export JSII_SILENCE_WARNING_DEPRECATED_NODE_VERSION := 1
export JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION := $(shell node -p 'process.versions.node.split(".")[0]' 2>/dev/null)
export CHECKPOINT_DISABLE := 1

# Installs resolve from the lock's index alone: this machine's pip configuration adds local
# indexes and constraints that other machines do not have.
ISOLATED_PIP := env -u PIP_FIND_LINKS -u PIP_CONSTRAINT PIP_CONFIG_FILE=/dev/null

.PHONY: help install dist synth module diagrams redrive engines localstack checkov test test-unit bench clean

help:
	@echo "make synth   install, then synthesize every example stack into cdktf.out/"
	@echo "make test    install (environment and test engines), then run every test"
	@echo "make dist    install, then build the wheel and sdist into dist/ (checked by twine)"
	@echo "make module  install, then rewrite the committed Terraform modules in modules/"
	@echo "make redrive DLQ_ARN=... | REJECTED_ARN=... QUEUE_ARN=...  move dead-lettered or rejected messages back to their queue (AWS credentials needed)"
	@echo "make bench   measure synth, verifier, package and LocalStack throughput into BENCHMARKS.md"
	@echo "             (BENCH_SUITE=1 also times every test layer now and at BENCH_SUITE_BASE, ~25 min more)"

# pipenv (the lock's owner) and uv (the installer), pinned, in a venv of their own: uv by the
# interpreter's pip, then pipenv by uv (it compiles pipenv's ~40 MB of vendored code on every
# core), into a venv made without a pip of its own (nothing there uses one).
$(PIPENV) $(UV) &:
	$(PYTHON) -m venv --without-pip $(TOOLS)
	$(ISOLATED_PIP) $(PYTHON) -m pip --python $(TOOLS)/bin/python install --quiet --disable-pip-version-check uv==$(UV_VERSION)
	$(UV) pip install --quiet --python $(TOOLS)/bin/python --compile-bytecode pipenv==$(PIPENV_VERSION)

# The locked environment: exactly Pipfile.lock's pins, hash-checked. pipenv writes them out
# (`pipenv requirements --dev --hash`) and uv installs them, as `pipenv sync --dev` would, with
# downloads in parallel and the bytecode compiled on every core: 30 s instead of 100 s on a fresh
# 2-core machine (pipenv's pip compiles the 380 MB of provider bindings on one core).
# The bytecode matters: PYTHONDONTWRITEBYTECODE=1 (set on our machines) would otherwise leave
# every import of the provider bindings uncompiled and synth with them ~2.5x slower.
# Then the library itself, as users get it: an installed distribution (editable, so edits take
# effect), whose declared dependency ranges `pip check` holds against the locked versions. It is
# built with the pinned hatchling from the lock (no build isolation: nothing else to download).
$(VENV)/.synced: Pipfile.lock pyproject.toml | $(PIPENV) $(UV)
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(ISOLATED_PIP) $(PIPENV) requirements --dev --hash > $(VENV)/requirements.lock.txt
	$(UV) pip install --quiet --python $(PY) --require-hashes --compile-bytecode -r $(VENV)/requirements.lock.txt
	@test -n "$$(find $(VENV)/lib -path '*cdktf_cdktf_provider_aws/__pycache__/*.pyc' -print -quit)" \
		|| { echo "installed packages carry no bytecode"; exit 1; }
	$(ISOLATED_PIP) $(PY) -m pip install --quiet --no-deps --no-build-isolation --editable .
	$(PY) -m pip check
	touch $@

install: $(VENV)/.synced

# The wheel and sdist users install, into dist/, checked by twine. Builds are reproducible:
# hatchling fixes every timestamp (SOURCE_DATE_EPOCH, else 2020-02-02), so two builds of one
# commit are the same bytes (tests/packaging checks it).
dist: install
	rm -f dist/*.whl dist/*.tar.gz
	$(PY) -m build --no-isolation --outdir dist .
	$(PY) -m twine check --strict dist/*.whl dist/*.tar.gz

synth: install
	rm -rf cdktf.out
	$(PY) main.py
	@echo "synthesized: $$(ls cdktf.out/stacks | tr '\n' ' ')"

# The receiver as plain Terraform modules (no provider, no backend) for existing Terraform
# workflows: `make module` rewrites the committed modules/ (a test fails when they are stale);
# MODULE_CONFIG=pkg.mod:function (returning WebhookIngestProps) writes one of your own to
# MODULE_OUT instead.
MODULE_OUT ?= dist/terraform-aws-webhook-ingest
module: install
	$(PY) -m constructs_lib.module_command $(if $(MODULE_CONFIG),--config $(MODULE_CONFIG) --out $(MODULE_OUT))

# The README's Mermaid diagrams (each example's data flow and workflows), drawn again from
# main.py's props and the workflow builder; a test fails when they are stale.
diagrams: install
	$(PY) -m constructs_lib.diagrams

# Operators, once the cause of the failures is fixed: DLQ_ARN moves a dead-letter queue's
# messages back to the queue they failed in (waits for the move and prints the counts);
# REJECTED_ARN and QUEUE_ARN send the deliveries the workflow rejected (e.g. signed with a secret
# since replaced) back to their source queue to be verified again. REDRIVE_ARGS adds options,
# e.g. REDRIVE_ARGS="--wait --max-per-second 10" or REDRIVE_ARGS="--reason bad_signature"; its
# default, --wait, is the DLQ form's only (the rejected form always runs until done).
REDRIVE_ARGS ?= $(if $(REJECTED_ARN),,--wait)
redrive: install
	@if [ -n "$(REJECTED_ARN)" ]; then [ -n "$(QUEUE_ARN)" ] && [ -z "$(DLQ_ARN)" ]; \
		else [ -n "$(DLQ_ARN)" ] && [ -z "$(QUEUE_ARN)" ]; fi \
		|| { echo "usage: make redrive DLQ_ARN=<dead-letter queue ARN> [REDRIVE_ARGS=...]"; \
		     echo "   or: make redrive REJECTED_ARN=<rejected queue ARN> QUEUE_ARN=<its source queue ARN> [REDRIVE_ARGS=...]"; exit 2; }
	$(PY) -m constructs_lib.redrive $(if $(REJECTED_ARN),--rejected-arn "$(REJECTED_ARN)" --destination-arn "$(QUEUE_ARN)",--dlq-arn "$(DLQ_ARN)") $(REDRIVE_ARGS)

# --- test engines -------------------------------------------------------------------------
# Apache Velocity (the engine API Gateway's mapping templates run on) for template tests.
VELOCITY_DEBS := velocity default-jdk-headless
.build/velocity.installed:
	@mkdir -p .build
	@dpkg -s $(VELOCITY_DEBS) >/dev/null 2>&1 || { \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $(VELOCITY_DEBS); }
	touch $@

# LocalStack (local AWS for the engine tests) in its own Python 3.13 venv; a no-op when up to date.
localstack: | $(UV)
	UV=$(UV) bash tools/localstack/install.sh

# asl-validator (npm, pinned in package-lock.json) checks every state machine definition. npm
# writes node_modules/.package-lock.json on each install: a changed lock reinstalls.
node_modules/.package-lock.json: package-lock.json
	npm ci --no-audit --no-fund
	touch $@

# checkov (IaC scanner) in its own venv; a no-op when up to date.
checkov: | $(UV)
	UV=$(UV) bash tools/checkov/install.sh

engines: .build/velocity.installed localstack checkov node_modules/.package-lock.json

# The environment and the engines install side by side (mostly downloads): a fresh machine
# waits for the slowest, not for their sum. Then every test, in two sessions side by side: the
# LocalStack tests (mostly waiting on the emulator) and the others (tools/test.sh says why).
test:
	$(MAKE) --no-print-directory -j4 install engines
	PYTHON=$(PY) bash tools/test.sh

test-unit: install
	$(PY) -m pytest tests/unit

# Figures with ratios against baselines measured in the same run (bench/run.py). The timed
# test layers beyond tests/unit and tests/verifier are opt-in: with them (each also timed at the
# commit before the suite work, BENCH_SUITE_BASE) the run takes ~25 minutes longer.
BENCH_SUITE ?=
BENCH_ENGINES := localstack node_modules/.package-lock.json $(if $(filter-out 0,$(BENCH_SUITE)),.build/velocity.installed checkov)

bench: install $(BENCH_ENGINES)
	BENCH_SUITE=$(BENCH_SUITE) $(PY) bench/run.py

clean:
	rm -rf cdktf.out dist .build .pytest_cache .hypothesis
