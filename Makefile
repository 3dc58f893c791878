# Going Deeper: course package. The two commands a fresh machine needs: `make dist`, `make test`.
SHELL := /bin/bash
.DEFAULT_GOAL := dist

VENV        := .venv
PY          := $(VENV)/bin/python
# A system interpreter is preferred over a per-user one (pyenv under /root): the grading worker drops
# to an unprivileged sandbox uid (61000-61099, no account) when run as root, which must be able to execute it.
BASE_PYTHON ?= $(firstword $(wildcard /usr/bin/python3.11 /usr/local/bin/python3.11) python3)
REQS        := $(sort $(wildcard requirements/*.txt))
STAMP       := $(VENV)/.installed-$(shell cat $(REQS) | sha256sum | cut -c1-16)
ASSIGNMENTS := $(notdir $(patsubst %/,%,$(dir $(wildcard solutions/*/*.ipynb))))
JOBS        ?= 2

.PHONY: venv dist assignments test test-quick bench grade mutants mutants-table clean help

help:  ## list the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | sed 's/:.*## /\t/'

venv: $(STAMP)  ## create/update the pinned course venv (no-op when up to date)

$(STAMP): $(REQS)
	@test -x $(PY) || $(BASE_PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q pip==25.3
	$(PY) -m pip install -q -r requirements/dev.txt -c requirements/constraints.txt
	@rm -f $(VENV)/.installed-*
	@touch $@

dist: $(STAMP)  ## build dist/<assignment>/student/ and dist/<assignment>/autograder.zip for every assignment
	$(PY) -m autograder.packaging build --out dist $(ASSIGNMENTS)

assignments: $(STAMP)  ## regenerate the committed student stubs in assignments/ from solutions/
	$(PY) -m autograder.packaging stubs $(ASSIGNMENTS)

test: $(STAMP)  ## the package's own test suite (prints the 15 slowest tests)
	$(PY) -m pytest -q --durations=15 tests

test-quick: $(STAMP)  ## skip tests marked slow
	$(PY) -m pytest -q -m "not slow" tests

bench: $(STAMP)  ## make bench [PART=setup|grading|notebooks|extras] [A="sawtooth mimic"] [COLD=1]: grading time and memory per assignment (idle, half a core, CPU hog, CPU build of torch), notebook time claims
	$(PY) -m autograder.bench $(foreach p,$(PART),--part $(p)) $(if $(A),--assignments $(A)) $(if $(COLD),--cold)

grade: $(STAMP)  ## make grade A=<assignment> S=<notebook|zip|folder> [OUT=results.json|grades.csv] [Q=<question>: regrade it in place]
	@test -n "$(A)" -a -n "$(S)" || { echo "usage: make grade A=sawtooth S=path/to/submission.ipynb|folder [OUT=results.json|grades.csv] [Q=sawtooth_q3]"; exit 2; }
	$(PY) -m autograder.grading grade --assignment $(A) --submission "$(S)" $(if $(OUT),--out "$(OUT)") --jobs $(JOBS) $(if $(Q),--question "$(Q)")

mutants: $(STAMP)  ## make mutants A=<assignment> [Q=<question>] [UPDATE=1]: how many mutants of the reference code each question's checks kill
	@test -n "$(A)" || { echo "usage: make mutants A=sawtooth [Q=sawtooth_q3] [UPDATE=1]"; exit 2; }
	$(PY) -m autograder.mutation --assignment $(A) $(foreach q,$(Q),--question $(q)) $(if $(UPDATE),--update)

mutants-table: $(STAMP)  ## the README's "How sharp are the graders" table, from the committed baselines
	@$(PY) -m autograder.mutation --table

clean:  ## remove build outputs (keeps the venv)
	rm -rf dist .pytest_cache
