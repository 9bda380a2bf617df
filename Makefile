# WorkID's two commands: `make run` starts the whole stack, `make test` runs
# every test. Everything else here serves those two.

GO ?= go

.PHONY: run test servers vet fmt-check

## run: build what is missing and start Mailpit, Kratos, Hydra, hooks and UI.
# workid is built first and run directly (not through `go run`), so a
# SIGTERM sent to make reaches it and it can stop the whole stack.
run:
	$(GO) build -o bin/workid ./cmd/workid
	bin/workid dev

## servers: build Kratos, Hydra and Mailpit from tools/ into bin/ if a pin changed.
servers:
	$(GO) run ./cmd/workid dev --build-only

## test: build the servers, check formatting and vet, run every test with -race.
test: servers fmt-check vet
	$(GO) test -race -count=1 -timeout 20m ./...

vet:
	$(GO) vet ./...

fmt-check:
	@unformatted=$$(gofmt -l $$(git ls-files '*.go' | grep -v '^tools/')); \
	if [ -n "$$unformatted" ]; then echo "gofmt would change: $$unformatted"; exit 1; fi
