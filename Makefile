# Gojinn: the two commands are `make run` and `make test`.
SHELL := /bin/bash
GO ?= go
GOBIN := $(shell $(GO) env GOPATH)/bin
XCADDY := $(GOBIN)/xcaddy
CADDY_VERSION ?= v2.11.9
SDK_CLI := sdk-ts/bin/gojinn
# AssemblyScript handlers built by `make examples` (each folder has its own package.json).
AS_HANDLERS := examples/hello-as examples/json-api-as examples/router-as examples/sha256-as examples/counter-as contract/handler

.PHONY: all build run test test-go test-ts test-sdk-go sdk examples example-go bench lint clean

all: build examples

## build: bin/caddy with the gojinn module, built by xcaddy from this checkout.
build: bin/caddy

# xcaddy is the supported build. Its `go get` asks the module proxy for the
# versions of github.com/gojinn/gojinn; a proxy that refuses unknown modules
# (403) instead of answering "not found" stops it, so xcaddy runs with the
# first proxy falling back to "not found" on any error (`|off`). Where xcaddy
# cannot be installed or fails, cmd/caddy (the same main package xcaddy
# generates) is built with go build.
XCADDY_GOPROXY = $(shell $(GO) env GOPROXY | cut -d, -f1)|off

# The Go sources compiled into bin/caddy (tests, guests and the SDKs excluded).
CADDY_SOURCES := $(shell find . -name '*.go' -not -name '*_test.go' -not -path './examples/*' \
	-not -path './testdata/*' -not -path './sdk-ts/*' -not -path './sdk-go/*' -not -path './internal/testguest/*' 2>/dev/null)

bin/caddy: go.mod go.sum $(CADDY_SOURCES)
	@mkdir -p bin
	@test -x $(XCADDY) || $(GO) install github.com/caddyserver/xcaddy/cmd/xcaddy@latest || true
	@if [ -x $(XCADDY) ] && echo "xcaddy build $(CADDY_VERSION) --with github.com/gojinn/gojinn=." && \
		GOPROXY='$(XCADDY_GOPROXY)' $(XCADDY) build $(CADDY_VERSION) --output bin/caddy.new --with github.com/gojinn/gojinn=.; then \
		mv bin/caddy.new bin/caddy; \
	else \
		echo "gojinn: xcaddy is not available or failed (see above): building ./cmd/caddy with go build instead"; \
		$(GO) build -o bin/caddy ./cmd/caddy; \
	fi

## sdk: the TypeScript SDK and its CLI (sdk-ts/bin/gojinn).
sdk: sdk-ts/node_modules/.installed sdk-ts/dist/.built

sdk-ts/node_modules/.installed: sdk-ts/package.json sdk-ts/package-lock.json
	cd sdk-ts && npm ci --no-audit --no-fund
	@touch $@

# npm run build also builds dist/gojinn-meter.wasm, the host's metering
# rewriter for WASI (cmd/gojinn-meter), which the harness runs.
sdk-ts/dist/.built: sdk-ts/node_modules/.installed $(shell find sdk-ts/src -type f 2>/dev/null) sdk-ts/package.json \
		$(filter-out %_test.go,$(wildcard sandbox/meter/*.go)) cmd/gojinn-meter/main.go
	cd sdk-ts && npm run build
	@touch $@

## examples: every example handler, built to examples/<name>/build/handler.wasm.
examples: sdk example-go
	@for dir in $(AS_HANDLERS); do \
		if [ -d $$dir ]; then \
			echo "building $$dir"; \
			(cd $$dir && $(CURDIR)/$(SDK_CLI) build) || exit 1; \
		fi; \
	done

# Go handlers: hello-go is a package of the root module; kv-go and notes-go
# are modules of their own on the Go SDK (sdk-go, through a replace), as
# users' handlers are.
example-go:
	@mkdir -p examples/hello-go/build
	GOOS=wasip1 GOARCH=wasm $(GO) build -o examples/hello-go/build/handler.wasm ./examples/hello-go
	cd examples/kv-go && GOOS=wasip1 GOARCH=wasm $(GO) build -o build/handler.wasm .
	cd examples/notes-go && GOOS=wasip1 GOARCH=wasm $(GO) build -o build/handler.wasm .

## run: build everything and serve examples/Caddyfile on 127.0.0.1:8080.
run: build examples
	@echo
	@echo "Gojinn is serving examples/Caddyfile on http://127.0.0.1:8080 — try:"
	@echo "  curl -i http://127.0.0.1:8080/hello-as"
	@echo "  curl -i -X POST -d '{\"name\":\"Ana\",\"email\":\"ana@example.com\"}' http://127.0.0.1:8080/json-api-as"
	@echo "  curl -i http://127.0.0.1:8080/router-as/users/42"
	@echo "  curl -i http://127.0.0.1:8080/hello-go"
	@echo "  curl -i http://127.0.0.1:8080/counter-as"
	@echo "  curl -i -X PUT --data-binary hello http://127.0.0.1:8080/kv-go/greeting; curl -i http://127.0.0.1:8080/kv-go/greeting"
	@echo "  curl -X POST http://127.0.0.1:8080/kv-go/hits"
	@echo "  curl -i -X POST -d '{\"text\":\"buy milk\"}' http://127.0.0.1:8080/notes-go/; curl -i http://127.0.0.1:8080/notes-go/"
	@echo "  curl -s http://127.0.0.1:2019/metrics | grep gojinn_"
	@echo
	bin/caddy run --config examples/Caddyfile --adapter caddyfile

## test: every test, Go and TypeScript. bin/caddy is built exactly as for
## `make run`, and cmd/caddy's smoke test serves examples/Caddyfile with it.
test: build examples test-go test-ts test-sdk-go

test-go:
	$(GO) vet ./...
	@# CI shows the end of the output: a failure's test name and message are
	@# repeated there, out of the Caddy log lines they are buried in.
	@mkdir -p bin; set -o pipefail; $(GO) test -count=1 -timeout 25m ./... 2>&1 | tee bin/test-go.log || { \
		echo "== failed Go tests (full output: bin/test-go.log) =="; \
		grep -E -o -- '--- FAIL.*|^panic:.*|^FAIL.*|^[[:space:]]+[[:alnum:]_./-]+\.go:[0-9]+: .*' bin/test-go.log | tail -60; exit 1; }
	# The engine under the race detector: isolation is the product.
	$(GO) test -race -count=1 -timeout 10m ./sandbox/

test-ts: sdk
	cd sdk-ts && npm test

# The Go SDK is its own module (the root's `./...` does not reach it), built
# for wasip1: its tests run under the wazero CLI (sdk-go/wazero-exec), the
# version the root module uses, installed into bin/.
WAZERO_VERSION := $(shell awk '$$1 == "github.com/tetratelabs/wazero" {print $$2}' go.mod)

## test-sdk-go: sdk-go's tests (GOOS=wasip1, run by wazero; and natively) and vet of the Go SDK's guests.
test-sdk-go: bin/wazero
	cd sdk-go && $(GO) vet ./... && GOOS=wasip1 GOARCH=wasm $(GO) vet ./...
	cd sdk-go && $(GO) test -count=1 ./...
	cd sdk-go && WAZERO=$(CURDIR)/bin/wazero GOOS=wasip1 GOARCH=wasm $(GO) test -count=1 -exec $(CURDIR)/sdk-go/wazero-exec ./...
	cd examples/kv-go && GOOS=wasip1 GOARCH=wasm $(GO) vet ./...
	cd examples/notes-go && GOOS=wasip1 GOARCH=wasm $(GO) vet ./...

bin/wazero: go.mod
	@mkdir -p bin
	@if [ "$$(bin/wazero version 2>/dev/null)" != "$(WAZERO_VERSION)" ]; then \
		echo "installing the wazero CLI $(WAZERO_VERSION) into bin/"; \
		GOBIN=$(CURDIR)/bin $(GO) install github.com/tetratelabs/wazero/cmd/wazero@$(WAZERO_VERSION); \
	fi
	@touch $@

## bench: the benchmark suite (not part of `make test`); QUICK=1 for a short run.
bench: build examples
	QUICK=$(QUICK) bash bench/run.sh

GOFUMPT_VERSION ?= v0.12.0

## lint: go vet, gofumpt (must list no file), and the TypeScript checks.
lint:
	$(GO) vet ./...
	@out=$$($(GO) run mvdan.cc/gofumpt@$(GOFUMPT_VERSION) -l $$(git ls-files '*.go')); \
		if [ -n "$$out" ]; then echo "gofumpt would change:"; echo "$$out"; exit 1; fi
	cd sdk-ts && npm run lint

clean:
	rm -rf bin examples/*/build testdata/build sdk-ts/dist sdk-ts/node_modules
