# One entry point. Every target makes and fills the virtualenv it needs, so a
# fresh machine with Python 3.13 and make is enough.
#
# Python 3.13 because chalice takes the Lambda runtime from the interpreter that
# packages (python3.13 runs on Amazon Linux 2023). Found on PATH, else in pyenv's
# versions; `make PYTHON=/path/to/python3.13` names another.
PYTHON ?= $(shell for p in python3.13 $(HOME)/.pyenv/versions/3.13*/bin/python3.13 /usr/local/bin/python3.13 /usr/bin/python3.13; do \
	"$$p" -c 'import sys; assert sys.version_info[:2] == (3, 13)' >/dev/null 2>&1 && { echo "$$p"; break; }; done)
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
STAGE  ?= dev
BUILD  ?= build
TOOLS  := .venv-tools
TOOLS_STAMP := $(TOOLS)/.installed

NODE_STAMP := node_modules/.installed
ASSETS := chalicelib/web/pages/assets/manifest.json

.PHONY: run test test-package lint bench package checkov bandit audit clean assets browser

$(STAMP): requirements.txt requirements-dev.txt
	@test -n "$(PYTHON)" || { echo "Python 3.13 is needed (the Lambda runtime is python3.13): install it, or make PYTHON=/path/to/python3.13" >&2; exit 1; }
	@if [ -x $(BIN)/python ] && ! $(BIN)/python -c 'import sys; assert sys.version_info[:2] == (3, 13)' 2>/dev/null; then rm -rf $(VENV); fi
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --require-hashes -r requirements.txt
	$(BIN)/python -m pip install --quiet -r requirements-dev.txt
	touch $(STAMP)

$(TOOLS_STAMP): requirements-tools.txt
	@test -n "$(PYTHON)" || { echo "Python 3.13 is needed: install it, or make PYTHON=/path/to/python3.13" >&2; exit 1; }
	rm -rf $(TOOLS)
	$(PYTHON) -m venv $(TOOLS)
	$(TOOLS)/bin/python -m pip install --quiet -r requirements-tools.txt
	touch $(TOOLS_STAMP)

# The public pages' front-end packages (govuk-frontend, sass, axe-core for the browser tests),
# pinned by package-lock.json. Their install scripts are not needed (sass runs as plain JS).
$(NODE_STAMP): package.json package-lock.json
	@command -v npm >/dev/null 2>&1 || { [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1 && \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq npm; } || \
		{ echo "npm is needed to build the pages' assets: install Node.js and npm" >&2; exit 1; }
	npm ci --no-audit --no-fund --ignore-scripts
	touch $@

# The pages' stylesheet and scripts, content-hashed, into a generated (git-ignored) folder
# inside chalicelib/ so that `chalice package` ships it.
$(ASSETS): $(STAMP) $(NODE_STAMP) tools/build_assets.py $(wildcard chalicelib/web/pages/source/*)
	$(BIN)/python tools/build_assets.py >/dev/null

assets: $(ASSETS)  ## build the pages' assets

# Debian's Chromium for the browser tests, its headless build (chromium-headless-shell: the same engine as
# the `chromium` package, at about two thirds of the CPU); Playwright's own browser download is not used.
# A machine with only Debian's `chromium` runs the tests with that.
browser:
	@test -x /usr/bin/chromium-headless-shell || { [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1 && \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends chromium-headless-shell; } || \
		test -x /usr/bin/chromium || \
		{ echo "The browser tests need Chromium: apt-get install chromium-headless-shell (as root)" >&2; exit 1; }

run: $(STAMP) $(ASSETS)  ## start the local stack: embedded AWS, the API, the stream handler and the schedule
	$(BIN)/python -m stack.run

# The tests run in TEST_WORKERS processes (pytest-xdist; tests/conftest.py says how they are shared out).
TEST_WORKERS ?= 2
# The package a board deploys, made once before the tests, as the other checkers run: `make package` (which
# runs cfn-lint) with the shell's WEBSITE_ORIGIN set to a value that must not reach the template, then checkov.
# tests/test_package.py reads this package (PACKAGED) instead of making its own; alone, it makes its own.
TEST_PACKAGE := $(BUILD)/test-package

test-package: $(STAMP) $(ASSETS) $(TOOLS_STAMP)
	rm -rf $(TEST_PACKAGE) && mkdir -p $(TEST_PACKAGE)
	WEBSITE_ORIGIN=https://shell.example $(MAKE) --no-print-directory package STAGE=dev BUILD=$(TEST_PACKAGE) \
		> $(TEST_PACKAGE)/make-package.log 2>&1 || { cat $(TEST_PACKAGE)/make-package.log; exit 1; }
	$(TOOLS)/bin/checkov --quiet --compact --skip-download --framework cloudformation \
		--file $(TEST_PACKAGE)/dev/sam.json

test: $(STAMP) $(ASSETS) browser lint bandit audit test-package  ## every test (browser tests too) and the checkers; the last line is the test time
	PACKAGED=$(TEST_PACKAGE) $(BIN)/python -m pytest -q -n $(TEST_WORKERS) --durations=10

lint: $(STAMP)  ## ruff: lint and format check (ruff format . fixes the format)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

bench: $(STAMP)  ## cold start against the floor, warm time per referral, bundle size
	$(BIN)/python -m bench.run

# WEBSITE_ORIGIN is unset so that chalice does not bake this shell's value into the API's
# CORS: on AWS the origin is the WebsiteOrigin parameter (the template's preflight, and the
# functions' environment). Packaging never calls AWS, but chalice wants a region.
package: $(STAMP) $(ASSETS)  ## the SAM template and the Lambda bundle for STAGE (dev by default) in build/STAGE, linted
	rm -rf $(BUILD)/$(STAGE)
	find chalicelib -name __pycache__ -prune -exec rm -rf {} +  # chalice would ship stale bytecode
	# The arm64 wheels of the lock, each checked against its hash: chalice fetches them again by name
	# and version only, so tests/test_package.py compares what it bundled with these.
	$(BIN)/python -m pip download --quiet --require-hashes --no-deps --only-binary=:all: \
		--platform manylinux2014_aarch64 --implementation cp --python-version 3.13 --abi cp313 \
		-r requirements.txt -d $(BUILD)/$(STAGE)/wheels
	env -u WEBSITE_ORIGIN AWS_DEFAULT_REGION=$${AWS_DEFAULT_REGION:-eu-west-2} \
		$(BIN)/chalice package --stage $(STAGE) --merge-template .chalice/resources.json $(BUILD)/$(STAGE)
	# CloudFormation deploys the template after the SAM transform: some faults show only there.
	AWS_DEFAULT_REGION=$${AWS_DEFAULT_REGION:-eu-west-2} \
		$(BIN)/python -m tools.sam_transform $(BUILD)/$(STAGE)/sam.json $(BUILD)/$(STAGE)/cloudformation.json
	$(BIN)/cfn-lint $(BUILD)/$(STAGE)/sam.json $(BUILD)/$(STAGE)/cloudformation.json
	@echo "Wrote $(BUILD)/$(STAGE)/sam.json and $(BUILD)/$(STAGE)/deployment.zip: see README, Deploying."

# Each exception is explained where it is made: `# nosec BXXX` with the reason on the line above.
bandit: $(STAMP)  ## security lint of the code that ships
	$(BIN)/bandit -q -r chalicelib app.py

# checkov's rules for CloudFormation, on the template a board deploys. A rule that does not fit
# is skipped in the resource's Metadata.checkov.skip, with the reason (.chalice/resources.json).
checkov: package $(TOOLS_STAMP)  ## checkov on the packaged template
	$(TOOLS)/bin/checkov --quiet --compact --skip-download --framework cloudformation \
		--file $(BUILD)/$(STAGE)/sam.json

# Known vulnerabilities of every pinned dependency, from PyPI's advisory data (the hashed lock
# as it is; the dev tools resolved apart, since pip will not mix hashed and unhashed files). Without the
# network to PyPI's JSON API, pip-audit can audit nothing: then this says so loudly and lets
# `make test` go on, unless AUDIT_REQUIRED=1 (a release build) makes that a failure.
audit: $(TOOLS_STAMP)  ## pip-audit on requirements.txt and requirements-dev.txt
	@out=$$($(TOOLS)/bin/pip-audit --strict --progress-spinner off --require-hashes --disable-pip -r requirements.txt 2>&1 \
		&& $(TOOLS)/bin/pip-audit --strict --progress-spinner off -r requirements-dev.txt 2>&1); rc=$$?; \
	echo "$$out"; \
	if [ $$rc -eq 0 ]; then exit 0; fi; \
	if echo "$$out" | grep -q "known vulnerabilit"; then exit 1; fi; \
	if echo "$$out" | grep -q "could not be audited"; then \
		echo "*** pip-audit: PyPI's advisory data is out of reach: dependencies NOT audited ***" >&2; \
		test "$(AUDIT_REQUIRED)" != 1; exit $$?; fi; \
	exit $$rc

clean:
	rm -rf $(VENV) $(TOOLS) .local build .pytest_cache node_modules chalicelib/web/pages/assets
