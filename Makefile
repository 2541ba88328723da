# The README's two commands, `make verify` and `make test`, set everything up themselves.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
NOTE ?=
VERIFY_ARGS ?=

.PHONY: verify test generate bench bench-gpu lint clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[verify,dev,report,torch,jax,compiled]'
	touch $(STAMP)

verify: $(STAMP)
	$(PY) -m gsverify $(if $(NOTE),--note $(NOTE)) $(VERIFY_ARGS)
	$(PY) -m codegen --check

test: $(STAMP)
	$(PY) -m pytest -q -rs

generate: $(STAMP)
	$(PY) -m codegen

bench: $(STAMP)
	$(PY) -m bench
	$(PY) -m bench.recall
	$(PY) -m bench.determinism

bench-gpu: $(STAMP)
	$(PY) -m bench.gpu

lint: $(STAMP)
	$(VENV)/bin/ruff check .

clean:
	rm -rf $(VENV) reports .pytest_cache
