# One entry point. Every target makes and fills the virtualenv it needs, so a
# fresh machine with only Python 3.11 is enough.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: run test bench package clean

$(STAMP): requirements.txt requirements-dev.txt
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -r requirements-dev.txt
	touch $(STAMP)

run: $(STAMP)  ## start the local stack: embedded AWS, the API, the stream handler and the schedule
	$(BIN)/python -m stack.run

test: $(STAMP)  ## every test
	$(BIN)/python -m pytest -q

bench: $(STAMP)  ## cold start against the floor, warm time per referral, bundle size
	$(BIN)/python -m bench.run

clean:
	rm -rf $(VENV) .local build .pytest_cache
