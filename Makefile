# aduan-hub: the two commands that matter are `make run` and `make test`.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

export AWS_DEFAULT_REGION ?= ap-southeast-3

STAGE ?= prod

.PHONY: run test lint contracts typecheck unit integration e2e bench bench-table package smoke iam redrive apikey clean token seed stats-recompute check-inboxes nearby-reindex notices browser axe jurisdiction

$(STAMP): requirements.txt requirements-dev.txt requirements-photo.txt
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -r requirements-dev.txt
	touch $(STAMP)

venv: $(STAMP)

## run the whole system locally: moto + LAPOR! simulator + chalice local + event pump
run: $(STAMP)
	$(BIN)/python -m infra.local.run

## a development sign-in token for a running `make run`: make token ROLE=operator UNIT=kel:36.73.05.1002 [USER=budi] [JURISDICTION=36.72]
token: $(STAMP)
	@$(BIN)/python -m infra.local.dev_issuer --role "$(ROLE)" --unit "$(UNIT)" \
		$(if $(filter command line,$(origin USER)),--user "$(USER)") \
		$(if $(JURISDICTION),--jurisdiction "$(JURISDICTION)")

## everything CI runs: lint (style, import contracts, types), unit, integration, end-to-end (and the public page in Chromium)
test: lint browser axe
	$(BIN)/pytest -q

## Debian's Chromium for the public page's browser test (never Playwright's own download)
CHROMIUM ?= /usr/bin/chromium
browser:
	@test -x $(CHROMIUM) || { \
	  if [ "$$(id -u)" = 0 ]; then apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium; \
	  else sudo apt-get update -qq && sudo DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium; fi; }
	@test -x $(CHROMIUM) || { echo "Chromium is required at $(CHROMIUM) for the browser test"; exit 1; }

## axe-core (MPL-2.0), the accessibility engine the citizens' pages' browser test injects: npm's tarball, test-only, not committed
AXE_VERSION ?= 4.11.0
AXE := build/axe/axe.min.js
axe: $(AXE)
$(AXE):
	@command -v npm >/dev/null || { \
	  if [ "$$(id -u)" = 0 ]; then apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq npm; \
	  else sudo apt-get update -qq && sudo DEBIAN_FRONTEND=noninteractive apt-get install -y -qq npm; fi; }
	@mkdir -p build/axe
	cd build/axe && npm pack --silent axe-core@$(AXE_VERSION) >/dev/null && tar -xzf axe-core-$(AXE_VERSION).tgz package/axe.min.js package/LICENSE \
	  && mv package/axe.min.js package/LICENSE . && rmdir package && rm axe-core-$(AXE_VERSION).tgz

## fill a running `make run` with a few hundred realistic complaints (SEED_COMPLAINTS=400)
seed: $(STAMP)
	$(BIN)/python -m infra.local.seed

## audit every public figure against the complaints (STATS_ARGS="--repair" to fix, "--since 2025-01", "--jurisdiction 36.72")
stats-recompute: $(STAMP)
	$(BIN)/python -m infra.local.recompute_stats $(STATS_ARGS)

## every open complaint in exactly one inbox, every inbox badge as the complaints say (exit 1 otherwise)
check-inboxes: $(STAMP)
	$(BIN)/python -m infra.local.check_inboxes $(INBOX_ARGS)

## every listed complaint's "nearby" keys in the layout the code writes (once after a release that changes it)
nearby-reindex: $(STAMP)
	$(BIN)/python -m infra.local.reindex_nearby $(REINDEX_ARGS)

## the staff notices one unit would get by e-mail, read from moto (UNIT=kel:36.73.05.1002, USER_NAME= for one person)
notices: $(STAMP)
	$(BIN)/python -m infra.local.notices

## the unit tests alone: the code and template read as text, nothing started
unit: $(STAMP)
	$(BIN)/pytest -q tests/unit

## the integration tests alone (and tests/contract when there is one): moto's server and the LAPOR! simulator on loopback
integration: $(STAMP)
	$(BIN)/pytest -q tests/integration $(wildcard tests/contract)

## the end-to-end tests alone: the whole local stack as `make run` starts it, the public page in Chromium
e2e: $(STAMP) browser
	$(BIN)/pytest -q tests/e2e

## style, the import contracts between chalicelib's layers, and types
lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports --no-logo
	$(BIN)/mypy

## the import contracts alone (pyproject.toml [tool.importlinter]: pure domain, layers, no cycles)
contracts: $(STAMP)
	$(BIN)/lint-imports --no-logo

## mypy --strict on chalicelib, with pydantic's plugin (pyproject.toml [tool.mypy])
typecheck: $(STAMP)
	$(BIN)/mypy

## one stage's deployable template + package in build/package/$(STAGE), checked by cfn-lint (docs/deployment.md)
package: $(STAMP)
	$(BIN)/python -m infra.package --stage $(STAGE)

## file one test complaint against a deployed stage and follow it to a LAPOR! ticket
smoke: $(STAMP)
	$(BIN)/python -m infra.smoke --stage $(STAGE) $(SMOKE_ARGS)

## what each Lambda function's policy needs, read from the code (.chalice/policy-*.json)
iam: $(STAMP)
	$(BIN)/python -m infra.iam

## move the forward DLQ back to its queue after a fix (AWS, or local moto with AWS_ENDPOINT_URL)
redrive: $(STAMP)
	$(BIN)/python -m infra.local.redrive $(REDRIVE_ARGS)

## an API key for an Open311 client app, against the running `make run` (found by itself)
apikey: $(STAMP)
	@test -n "$(NAME)" || { echo "usage: make apikey NAME=<client app name>"; exit 2; }
	$(BIN)/python -m infra.local.apikey --name "$(NAME)"

## onboard (or update) a kabupaten/kota: make jurisdiction CODE=36.04 [BOUNDARIES=x.geojson] [UNITS=units.json]
## [PREFIX=AAA] [LAPOR_AUTH=... LAPOR_TOKEN=...] [CHANNEL_SECRETS="rabeg=..."]; against the running `make run`, or STAGE=<stage> with AWS credentials
jurisdiction: $(STAMP)
	@test -n "$(CODE)" || { echo "usage: make jurisdiction CODE=<kemendagri code NN.NN> [BOUNDARIES=...] [UNITS=...] [OVERRIDES=...] [PREFIX=...] [CHANNEL_SECRETS='rabeg=... call112=...']"; exit 2; }
	@$(BIN)/python -m infra.jurisdictions.onboard --code "$(CODE)" \
		$(if $(BOUNDARIES),--boundaries "$(BOUNDARIES)") $(if $(UNITS),--units "$(UNITS)") $(if $(OVERRIDES),--overrides "$(OVERRIDES)") $(if $(PREFIX),--prefix "$(PREFIX)") \
		$(if $(filter command line environment,$(origin STAGE)),--stage "$(STAGE)") \
		$(foreach c,$(CHANNEL_SECRETS),--channel-secret "$(c)")

## run benchmarks, store their results, rewrite benchmarks/README.md's figures (BENCH=name,name or BENCH=all)
bench: $(STAMP)
	BENCH="$(BENCH)" $(BIN)/python -m benchmarks.run_all

## rewrite benchmarks/README.md's figures from the stored results, running nothing (marks stale rows)
bench-table: $(STAMP)
	$(BIN)/python -m benchmarks.table

clean:
	rm -rf $(VENV) build .pytest_cache
