# The two commands a new user runs (see README.md):
#   make demo   - set up .venv and run the bundled default review
#   make test   - set up .venv with test extras and run the whole suite
PYTHON ?= python3
VENV   ?= .venv
BIN     = $(VENV)/bin

.PHONY: demo test venv venv-test clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --upgrade pip >/dev/null

venv: $(BIN)/python
	$(BIN)/python -m pip install -e .

venv-test: $(BIN)/python
	$(BIN)/python -m pip install -e '.[test]'

demo: venv
	$(BIN)/review demo

test: venv-test
	$(BIN)/python -m pytest

clean:
	rm -rf $(VENV) build *.egg-info
