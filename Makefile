# One entry point. Every target makes and fills the virtualenv it needs, so a
# fresh machine with only Python 3.11 is enough.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
STAGE  ?= dev
BUILD  ?= build

.PHONY: run test bench package clean

$(STAMP): requirements.txt requirements-dev.txt
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet -r requirements-dev.txt
	touch $(STAMP)

run: $(STAMP)  ## start the local stack: embedded AWS, the API, the stream handler and the schedule
	$(BIN)/python -m stack.run

test: $(STAMP)  ## every test
	$(BIN)/python -m pytest -q

bench: $(STAMP)  ## cold start against the floor, warm time per referral, bundle size
	$(BIN)/python -m bench.run

# WEBSITE_ORIGIN is unset so that chalice does not bake this shell's value into the API's
# CORS: on AWS the origin is the WebsiteOrigin parameter (the template's preflight, and the
# functions' environment). Packaging never calls AWS, but chalice wants a region.
package: $(STAMP)  ## the SAM template and the Lambda bundle for STAGE (dev by default) in build/STAGE, linted
	rm -rf $(BUILD)/$(STAGE)
	find chalicelib -name __pycache__ -prune -exec rm -rf {} +  # chalice would ship stale bytecode
	env -u WEBSITE_ORIGIN AWS_DEFAULT_REGION=$${AWS_DEFAULT_REGION:-eu-west-2} \
		$(BIN)/chalice package --stage $(STAGE) --merge-template .chalice/resources.json $(BUILD)/$(STAGE)
	$(BIN)/cfn-lint $(BUILD)/$(STAGE)/sam.json
	@echo "Wrote $(BUILD)/$(STAGE)/sam.json and $(BUILD)/$(STAGE)/deployment.zip: see README, Deploying."

clean:
	rm -rf $(VENV) .local build .pytest_cache
