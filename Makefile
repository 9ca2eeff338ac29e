# labd — the two commands people need are `make run` and `make test`.
# Both install what is missing on a fresh Debian/Ubuntu machine (as root):
# docker.io (and start dockerd), debootstrap, chromium; xterm.js from npm.

SHELL      := /bin/bash
BIN        := bin/labd
VERSION    := $(shell git describe --always --dirty 2>/dev/null || echo dev)
LDFLAGS    := -s -w -X main.version=$(VERSION)
GO         ?= go
GOTESTFLAGS ?= -count=1 -timeout 45m
# Static binary: it is copied into every sandbox as the agent (PID 1).
export CGO_ENABLED := 0

.PHONY: build run test lint assets docker deps sandbox-image unit course-test e2e bench clean help

help:
	@echo "make run            build everything needed and serve the course on http://localhost:8080"
	@echo "make test           the whole test suite: unit + integration (real Docker) + labd test + browser"
	@echo "make build          bin/labd (fetches xterm.js with npm first)"
	@echo "make sandbox-image  build the sandbox image (Docker, debootstrap; cached by recipe hash)"
	@echo "make lint           go vet, gofmt, labd lint"
	@echo "make bench          benchmarks: time to prompt, keystroke echo, check latency"

build: assets
	$(GO) build -ldflags '$(LDFLAGS)' -o $(BIN) ./cmd/labd

assets:
	@scripts/fetch-assets.sh

docker:
	@scripts/ensure-docker.sh

deps:
	@scripts/install-deps.sh debootstrap chromium

sandbox-image: build docker
	@scripts/install-deps.sh debootstrap
	$(BIN) image build

run: build sandbox-image
	$(BIN) serve --addr localhost:8080 --data-dir data

lint: build
	$(GO) vet ./...
	@out=$$(gofmt -l $$(git ls-files '*.go')); if [ -n "$$out" ]; then echo "gofmt would change:"; echo "$$out"; exit 1; fi
	$(BIN) lint

# unit + integration tests (real Docker engine, real sandbox image, real
# SQLite, real PTYs, real Chromium); in CI (CI=true) nothing is skipped.
unit: build
	LABD_BINARY=$(abspath $(BIN)) $(GO) test $(GOTESTFLAGS) ./...

# labd test over the whole built-in course: check fails, solution, check passes.
course-test: build
	$(BIN) test --parallel 2 --junit test-results/course.xml

test: deps docker sandbox-image lint unit course-test

e2e: build docker sandbox-image
	@scripts/install-deps.sh chromium
	LABD_BINARY=$(abspath $(BIN)) $(GO) test $(GOTESTFLAGS) -v ./e2e/...

bench: build docker sandbox-image
	LABD_BINARY=$(abspath $(BIN)) $(GO) test -run '^$$' -bench . -benchtime 5x ./...

clean:
	rm -rf bin test-results node_modules web/static/vendor
