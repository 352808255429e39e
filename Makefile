# Two commands on a fresh clone: `make demo` and `make test`. Both set up .venv first.
# `make test` lints (ruff) and runs every test; `make quick` lints and runs all but those
# marked slow (pytest -m "not slow": the red team, nbgrader, class and audit runs).
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
INSTALLED := $(VENV)/.installed
# Three pytest workers (pytest-xdist), a test file each at a time, so that its module's
# fixtures (the red team's gradings, the audit) are made once, handed out in collection
# order (tests/conftest.py puts the longest first). `make test PARALLEL=` runs in one process.
PARALLEL ?= -n 3 --dist loadfile --no-loadscope-reorder

.PHONY: setup demo exchange-demo test quick audit release clean

setup: $(INSTALLED)

$(INSTALLED): requirements.lock pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit("Python >= 3.11 is needed, found " + sys.version.split()[0]) if sys.version_info < (3, 11) else None'
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check --no-deps -r requirements.lock
	$(PY) -m pip check --disable-pip-version-check
	$(PY) -m pip install --quiet --disable-pip-version-check --no-deps -e .
	@touch $(INSTALLED)

demo: setup
	$(PY) -m autograder demo

# nbgrader's course flow through a local exchange: release, fetch, submit, collect,
# autograde, feedback fetched back (demo_output/exchange/).
exchange-demo: setup
	$(PY) -m autograder exchange-demo

test: setup
	$(PY) -m ruff check --no-cache .
	$(PY) -m pytest $(PARALLEL)

quick: setup
	$(PY) -m ruff check --no-cache .
	$(PY) -m pytest $(PARALLEL) -m "not slow"

audit: setup
	$(PY) -m autograder audit

# FORCE=1 regenerates the master .ipynb even if it was edited by hand (the edit is lost).
release: setup
	$(PY) -m autograder release $(if $(FORCE),--force)

# Only what the Makefile builds: submitted/, autograded/, feedback/ and gradebook.db are
# the class's data, never removed here. .grading_cache/ is the graders' (rebuilt when missing).
clean:
	rm -rf $(VENV) demo_output .grading_cache
