# Every target creates .venv on first use and needs no activated venv.
# nbgrader shells out to alembic and jupyter by PATH, so the venv's bin goes first.
PYTHON ?= python3
VENV := .venv
BIN := $(abspath $(VENV))/bin
export PATH := $(BIN):$(PATH)

.PHONY: lab test release grade data bench screenshots clean

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

# make grade SUBMISSIONS=class.zip [GRADE_ARGS="--lab lab1-templates --out grading-out --workers 2"]
grade: $(VENV)/.installed
	@test -n "$(SUBMISSIONS)" || { echo "usage: make grade SUBMISSIONS=<folder|zip|notebook> [GRADE_ARGS=...]"; exit 2; }
	$(BIN)/biometrics-lab grade $(SUBMISSIONS) $(GRADE_ARGS)

data: $(VENV)/.installed
	$(BIN)/biometrics-lab data

bench: $(VENV)/.installed-test
	$(BIN)/python -m bench

# docs/screenshots/*.png from the released labs in JupyterLab (needs Debian's chromium)
screenshots: $(VENV)/.installed-test
	$(BIN)/python tests/browser/screenshots.py

clean:
	rm -rf $(VENV) build *.egg-info
