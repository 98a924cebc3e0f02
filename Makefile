# The two commands a new user runs (see README.md):
#   make demo   - set up .venv and run the bundled default review
#   make test   - set up .venv with test extras and run the whole suite
PYTHON ?= python3
VENV   ?= .venv
BIN     = $(VENV)/bin

.PHONY: demo test venv venv-test browser clean

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

# Debian's Chromium for the browser tests (tests/screening_app/test_browser*.py): Playwright, a test
# extra, drives /usr/bin/chromium by its path (never `playwright install`). Installed here with
# apt-get when it is missing and this user may install packages; otherwise a note says how, and
# the browser tests skip (under CI=1 they fail: a CI run must not hide them).
CHROMIUM = /usr/bin/chromium
APT = DEBIAN_FRONTEND=noninteractive apt-get -qq
browser:
	@if [ -x $(CHROMIUM) ]; then :; \
	elif ! command -v apt-get >/dev/null 2>&1; then \
		echo "note: $(CHROMIUM) is missing and there is no apt-get here: install Chromium for the browser tests" >&2; \
	elif [ "$$(id -u)" != 0 ]; then \
		echo "note: $(CHROMIUM) is missing: sudo apt-get install -y chromium chromium-driver (for the browser tests)" >&2; \
	else \
		echo "Installing Debian's chromium for the browser tests (apt-get, quietly) ..."; \
		$(APT) update && $(APT) install -y chromium chromium-driver >/dev/null \
			|| echo "note: apt-get could not install chromium; the browser tests will not run" >&2; \
	fi

test: venv-test browser
	$(BIN)/python -m pytest

clean:
	rm -rf $(VENV) build *.egg-info
