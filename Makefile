# The two commands a new user runs (see README.md):
#   make demo   - set up .venv and run the bundled default review
#   make test   - set up .venv with test extras and run the whole suite
PYTHON ?= python3
VENV   ?= .venv
BIN     = $(VENV)/bin

.PHONY: demo test venv venv-test clean

# pip is quiet (-qq: no progress, no "Requirement already satisfied" pages, no build notes) so that what
# `make demo` prints ends with the sign-in links; pip's errors still show.
PIP = $(BIN)/python -m pip --disable-pip-version-check

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	@$(PIP) install -qq --upgrade pip

venv: $(BIN)/python
	@echo "Installing review into $(VENV) (quietly; the first time takes a few minutes) ..."
	@$(PIP) install -qq -e .

venv-test: $(BIN)/python
	@echo "Installing review and its test tools into $(VENV) (quietly) ..."
	@$(PIP) install -qq -e '.[test]'

demo: venv
	$(BIN)/review demo

test: venv-test
	$(BIN)/python -m pytest

clean:
	rm -rf $(VENV) build *.egg-info
