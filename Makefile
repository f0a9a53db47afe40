# Every target creates .venv on first use and needs no activated venv.
# nbgrader shells out to alembic and jupyter by PATH, so the venv's bin goes first.
PYTHON ?= python3
VENV := .venv
BIN := $(abspath $(VENV))/bin
export PATH := $(BIN):$(PATH)

.PHONY: lab test release data bench clean

$(VENV)/.installed: pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e .
	touch $@

$(VENV)/.installed-test: $(VENV)/.installed
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $@

lab: $(VENV)/.installed
	$(BIN)/biometrics-lab lab

test: $(VENV)/.installed-test
	$(BIN)/python -m pytest $(PYTEST_ARGS)

release: $(VENV)/.installed
	$(BIN)/biometrics-lab release

data: $(VENV)/.installed
	$(BIN)/biometrics-lab data

bench: $(VENV)/.installed-test
	$(BIN)/python -m bench

clean:
	rm -rf $(VENV) build *.egg-info
