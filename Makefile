# otelcol-personalize — build, test and run the collector distribution.
#
#   make tools   install the pinned OpenTelemetry Collector Builder (ocb) into .tools/bin
#   make build   generate + compile the distribution with ocb -> bin/otelcol-personalize
#   make run     build, then run it with config/demo.yaml
#   make test    unit tests, build, end-to-end tests against the built binary
#   make bench   benchmarks (also written to bench.txt)
#   make fuzz    fuzz the decoder, parser and pipeline (FUZZTIME each)
#   make lint    gofmt -l + go vet
#   make clean   remove build outputs (distclean also removes .tools)

SHELL := bash
.SHELLFLAGS := -euo pipefail -c
.DEFAULT_GOAL := build
.DELETE_ON_ERROR:
MAKEFLAGS += --no-print-directory

GO ?= go

# The builder version must match the collector core version the manifest uses.
OCB_VERSION := v0.165.0
OCB_MODULE  := go.opentelemetry.io/collector/cmd/builder
TOOLS_BIN   := $(CURDIR)/.tools/bin
# Versioned file name: a different pin installs a new binary, an existing one
# at the right version is left alone.
OCB         := $(TOOLS_BIN)/builder-$(OCB_VERSION)

DIST_NAME     := otelcol-personalize
BUILDER_CFG   := builder-config.yaml
# Must match dist.output_path in $(BUILDER_CFG).
DIST_DIR      := build/$(DIST_NAME)
BIN           := bin/$(DIST_NAME)
DEMO_CONFIG   := config/demo.yaml

# VCS stamping is off: it makes the binary depend on git state (and fails in
# checkouts git considers unsafe, as some CI runners produce).
export GOFLAGS := $(strip $(GOFLAGS) -buildvcs=false)

# Non-test Go sources of the root module that can end up in the binary. Any
# change to them (or to go.mod/go.sum or the manifest) reruns ocb; the Go build
# cache keeps that rerun fast. tests/ only holds e2e tests and is left out.
GO_SOURCES := $(shell find . \( -path ./build -o -path ./bin -o -path ./.tools -o -path ./tests -o -path ./.git \) -prune \
                -o -type f -name '*.go' ! -name '*_test.go' -print)
# Every Go file we own, for gofmt.
GO_FILES   := $(shell find . \( -path ./build -o -path ./bin -o -path ./.tools -o -path ./.git \) -prune \
                -o -type f -name '*.go' -print)

# Benchmarked package trees (only those that exist, so a missing one is not an error).
BENCH_PKGS := $(foreach d,pkg receiver exporter,$(if $(wildcard $(d)),./$(d)/...))

.PHONY: all tools build run test unit e2e bench fuzz lint fmt clean distclean help

all: build

help:
	@sed -n '2,11p' Makefile | sed 's/^# \{0,1\}//'

## tools: pinned ocb in .tools/bin (skipped when already installed at $(OCB_VERSION))
tools: $(OCB)

$(OCB):
	@mkdir -p $(TOOLS_BIN)
	@echo ">> installing $(OCB_MODULE)@$(OCB_VERSION) into $(TOOLS_BIN)"
	tmp=$$(mktemp -d); trap 'rm -rf "$$tmp"' EXIT; \
	GOBIN="$$tmp" $(GO) install $(OCB_MODULE)@$(OCB_VERSION); \
	info="$$($(GO) version -m "$$tmp/builder")"; \
	grep -Eq "^[[:space:]]+mod[[:space:]]+$(OCB_MODULE)[[:space:]]+$(OCB_VERSION)([[:space:]]|$$)" <<<"$$info" \
	  || { echo "installed builder is not $(OCB_VERSION):"; echo "$$info"; exit 1; } >&2; \
	mv "$$tmp/builder" "$@"
	ln -sf "$(notdir $(OCB))" "$(TOOLS_BIN)/ocb"

## build: bin/otelcol-personalize (ocb generate + go mod tidy + go build)
build: $(BIN)

# TMPDIR: ocb makes an (unused) temp dir on every run; keep it under build/.
$(BIN): $(OCB) $(BUILDER_CFG) go.mod go.sum $(GO_SOURCES)
	@mkdir -p build/.tmp bin
	TMPDIR="$(CURDIR)/build/.tmp" $(OCB) --config $(BUILDER_CFG) --skip-compilation=false --skip-strict-versioning=false
	install -m 0755 $(DIST_DIR)/$(DIST_NAME) $@
	@echo ">> built $@"

## run: build, then run the demo pipeline (CloudTrail examples -> debug exporter)
run: build
	./$(BIN) --config $(DEMO_CONFIG)

## test: unit tests, then build, then end-to-end tests against the fresh binary
test:
	$(MAKE) unit
	$(MAKE) build
	$(MAKE) e2e

# All packages (./... excludes nothing). E2E_SKIP keeps tests/e2e from running
# against a possibly stale bin/ here: the e2e step below runs them for real.
unit:
	E2E_SKIP=1 $(GO) test ./...

# E2E_REQUIRED=1 turns "binary missing" from a skip into a failure.
e2e: build
	E2E_REQUIRED=1 OTELCOL_BIN="$(CURDIR)/$(BIN)" $(GO) test -count=1 -v ./tests/...

## bench: benchmarks for pkg/, receiver/, exporter/; output also in bench.txt
bench:
	$(GO) test -run '^$$' -bench . -benchmem $(BENCH_PKGS) | tee bench.txt

## fuzz: each fuzz target of pkg/cloudtrail for FUZZTIME (default 30s)
FUZZTIME ?= 30s
fuzz:
	for f in FuzzParse FuzzDecoder FuzzFileReader; do \
	  $(GO) test -run '^$$' -fuzz "^$$f$$" -fuzztime $(FUZZTIME) ./pkg/cloudtrail/ || exit 1; \
	done

## lint: gofmt -l must print nothing; go vet must pass
lint:
	@out="$$(gofmt -l $(GO_FILES))"; \
	if [ -n "$$out" ]; then echo "gofmt needed on:"; echo "$$out"; exit 1; fi
	$(GO) vet ./...

fmt:
	gofmt -w $(GO_FILES)

clean:
	rm -rf bin build bench.txt

distclean: clean
	rm -rf .tools
