# otelcol-personalize — build, test and run the collector distribution.
#
#   make tools   install the pinned ocb and versitygw (S3 server for e2e) into .tools/bin
#   make build   generate + compile the distribution with ocb -> bin/otelcol-personalize
#   make run     build, then run it with config/demo.yaml
#   make test    unit tests, build, end-to-end tests against the built binary
#   make test-long  crash (SIGKILL) and outage tests against the built binary (~15 min; CI runs it)
#   make bench   the pipeline benchmark (tests/benchpipeline): gzip -dc floor, decoder, collector
#                to Elasticsearch / OTLP / from S3 at three trail sizes -> table in docs/performance.md
#   make bench-go  Go benchmarks of pkg/, receiver/, exporter/ (also written to bench.txt)
#   make bench-profile  CPU profile of the collector (BENCH_PROFILE=es|otlp|s3) on the 1x trail
#   make bench-s3  S3 source throughput/memory against versitygw (bench-s3.txt)
#   make fuzz    every fuzz target (decoder, splitter, parser, notifications, ECS encoder; FUZZTIME each)
#   make lint    gofmt -l + go vet
#   make dist    release tarballs for linux/amd64, linux/arm64, darwin/arm64 + SHA256SUMS in dist/
#   make clean   remove build outputs and dist/ (distclean also removes .tools)

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

# versitygw: a real S3 server (POSIX backend) the S3 end-to-end test and
# benchmark run the collector against. Pinned and versioned like ocb so that
# the tests always talk to the same S3 implementation.
VERSITYGW_VERSION := v1.8.0
VERSITYGW_MODULE  := github.com/versity/versitygw
VERSITYGW         := $(TOOLS_BIN)/versitygw-$(VERSITYGW_VERSION)

DIST_NAME     := otelcol-personalize
BUILDER_CFG   := builder-config.yaml
# Must match dist.output_path in $(BUILDER_CFG).
DIST_DIR      := build/$(DIST_NAME)
BIN           := bin/$(DIST_NAME)
DEMO_CONFIG   := config/demo.yaml

# Release version: dist.version of the manifest unless VERSION is given.
VERSION        ?= $(shell sed -n 's/^  version: *//p' $(BUILDER_CFG))
DIST_PLATFORMS := linux/amd64 linux/arm64 darwin/arm64
# What a tarball holds besides the binary: enough to run config/demo.yaml
# (it reads examples/) and the ready configurations from the unpacked folder.
DIST_FILES     := README.md NOTICE $(wildcard LICENSE) config examples

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
# GOMAXPROCS values to bench with: 1 is the per-core figure (the GC shares the
# core), 2 lets the GC's background marking use a second core.
BENCH_CPU ?= 1,2

.PHONY: all tools versitygw build run test test-long unit e2e bench bench-go bench-profile bench-s3 fuzz lint fmt dist clean distclean help

all: build

help:
	@sed -n '2,16p' Makefile | sed 's/^# \{0,1\}//'

## tools: pinned ocb and versitygw in .tools/bin (each skipped when already installed)
tools: $(OCB) $(VERSITYGW)

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

## versitygw: pinned versitygw in .tools/bin (skipped when already installed at $(VERSITYGW_VERSION))
versitygw: $(VERSITYGW)

# A cold install (download + compile) takes 65-80 s on 2 cores, once; after
# that the versioned file is there and the target is skipped.
$(VERSITYGW):
	@mkdir -p $(TOOLS_BIN)
	@echo ">> installing $(VERSITYGW_MODULE)/cmd/versitygw@$(VERSITYGW_VERSION) into $(TOOLS_BIN)"
	tmp=$$(mktemp -d); trap 'rm -rf "$$tmp"' EXIT; \
	GOBIN="$$tmp" $(GO) install $(VERSITYGW_MODULE)/cmd/versitygw@$(VERSITYGW_VERSION); \
	info="$$($(GO) version -m "$$tmp/versitygw")"; \
	grep -Eq "^[[:space:]]+mod[[:space:]]+$(VERSITYGW_MODULE)[[:space:]]+$(VERSITYGW_VERSION)([[:space:]]|$$)" <<<"$$info" \
	  || { echo "installed versitygw is not $(VERSITYGW_VERSION):"; echo "$$info"; exit 1; } >&2; \
	mv "$$tmp/versitygw" "$@"

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

# E2E_REQUIRED=1 turns "binary missing" (collector or versitygw) from a skip
# into a failure.
e2e: build $(VERSITYGW)
	E2E_REQUIRED=1 OTELCOL_BIN="$(CURDIR)/$(BIN)" VERSITYGW_BIN="$(VERSITYGW)" $(GO) test -count=1 -v ./tests/...

## test-long: the long end-to-end tests (E2E_LONG=1): every shipped configuration
## through 7 SIGKILLs (TestCrashShippedConfigs; CRASH_SEED=n repeats a kill
## schedule, CRASH_QUEUE=persistent|wait_for_result measures another sending
## queue) and the Elasticsearch outage (TestOutageElasticsearch).
test-long: build $(VERSITYGW)
	E2E_LONG=1 E2E_REQUIRED=1 OTELCOL_BIN="$(CURDIR)/$(BIN)" VERSITYGW_BIN="$(VERSITYGW)" \
	  $(GO) test -count=1 -v -timeout 60m -run '^(TestCrashShippedConfigs|TestOutageElasticsearch)$$' ./tests/e2e/

## bench: tests/benchpipeline against the built binary; trails are generated
## once into build/bench (BENCH_RECORDS is the 1x size). The driver and the
## sinks run on core 1, each measured process on core 0 (taskset, if present).
BENCH_RECORDS ?= 300000
BENCH_SIZES   ?= 0.25,1,4
BENCH_CASES   ?= gzip,decoder,es,es-queue,otlp,s3
BENCH_DRIVER  := build/benchpipeline
BENCH_PIN     := $(if $(shell command -v taskset),taskset -c 1,)
bench: build
	$(GO) build -o $(BENCH_DRIVER) ./tests/benchpipeline
	$(BENCH_PIN) $(BENCH_DRIVER) -records $(BENCH_RECORDS) -sizes $(BENCH_SIZES) -cases $(BENCH_CASES) \
	  -bin $(BIN) $(if $(wildcard $(VERSITYGW)),-versitygw $(VERSITYGW),) -out docs/performance.md

## bench-profile: a CPU profile of one collector case on the 1x trail (build/bench/<case>.pprof)
BENCH_PROFILE ?= es
bench-profile: build
	$(GO) build -o $(BENCH_DRIVER) ./tests/benchpipeline
	$(BENCH_PIN) $(BENCH_DRIVER) -records $(BENCH_RECORDS) -sizes $(BENCH_SIZES) -profile $(BENCH_PROFILE) -bin $(BIN) \
	  $(if $(wildcard $(VERSITYGW)),-versitygw $(VERSITYGW),) -timeout 5m
	$(GO) tool pprof -top -nodecount 40 $(BIN) build/bench/$(BENCH_PROFILE).pprof | head -50

## bench-go: Go benchmarks for pkg/, receiver/, exporter/; output also in bench.txt
bench-go:
	$(GO) test -run '^$$' -bench . -benchmem -cpu $(BENCH_CPU) $(BENCH_PKGS) | tee bench.txt

## bench-s3: BenchmarkS3Source (tests/e2e) drives the built binary against
## versitygw; skipped with a message when versitygw is not installed
## (`make versitygw`). One iteration per case: each reads the whole data set.
bench-s3: build
	@if [ ! -x "$(VERSITYGW)" ]; then \
	  echo ">> skipping bench-s3: $(VERSITYGW) is not installed (run 'make versitygw')"; exit 0; \
	fi; \
	OTELCOL_BIN="$(CURDIR)/$(BIN)" VERSITYGW_BIN="$(VERSITYGW)" \
	  $(GO) test -count=1 -run '^$$' -bench '^BenchmarkS3Source$$' -benchtime 1x -timeout 30m ./tests/e2e/ | tee bench-s3.txt

## fuzz: every fuzz target of the module (each `func Fuzz...` of a _test.go
## file, found at run time) for FUZZTIME each; CI runs it with FUZZTIME=10s.
## FUZZMINIMIZETIME bounds the minimization of each new corpus entry, which
## with the default (60s) can eat a short run. A crasher fails the run and is
## written to the package's testdata/fuzz/<target>/: commit it as the
## regression test, the plain `go test` runs it from then on.
FUZZTIME ?= 30s
FUZZMINIMIZETIME ?= 5s
FUZZ_FILES := $(filter %_test.go,$(GO_FILES))
fuzz:
	@dirs="$$(grep -l '^func Fuzz' $(FUZZ_FILES) | xargs -n1 dirname | sort -u)"; \
	n=0; for d in $$dirs; do \
	  for f in $$(sed -n 's/^func \(Fuzz[A-Za-z0-9_]*\)(.*/\1/p' "$$d"/*_test.go); do \
	    echo ">> $$f in $$d for $(FUZZTIME)"; \
	    $(GO) test -run '^$$' -fuzz "^$$f$$" -fuzztime $(FUZZTIME) -fuzzminimizetime $(FUZZMINIMIZETIME) "$$d/"; \
	    n=$$((n+1)); \
	  done; \
	done; \
	echo ">> fuzzed $$n targets"

## lint: gofmt -l must print nothing; go vet must pass
lint:
	@out="$$(gofmt -l $(GO_FILES))"; \
	if [ -n "$$out" ]; then echo "gofmt needed on:"; echo "$$out"; exit 1; fi
	$(GO) vet ./...

fmt:
	gofmt -w $(GO_FILES)

## dist: cross-compile the ocb-generated sources in build/ (pure Go,
## CGO_ENABLED=0) into dist/otelcol-personalize_<version>_<os>_<arch>.tar.gz,
## write dist/SHA256SUMS and check both (sums, contents, each binary's target).
dist: $(BIN)
	rm -rf dist
	@mkdir -p dist/.stage
	@set -e; for platform in $(DIST_PLATFORMS); do \
	  os=$${platform%/*}; arch=$${platform#*/}; \
	  name=$(DIST_NAME)_$(VERSION)_$${os}_$${arch}; stage=$(CURDIR)/dist/.stage/$$name; \
	  echo ">> building $$name"; mkdir -p "$$stage"; \
	  (cd $(DIST_DIR) && CGO_ENABLED=0 GOOS=$$os GOARCH=$$arch $(GO) build -trimpath -ldflags='-s -w' -o "$$stage/$(DIST_NAME)" .); \
	  $(GO) version -m "$$stage/$(DIST_NAME)" | grep -E "^[[:space:]]+build[[:space:]]+GOOS=$$os$$" >/dev/null \
	    || { echo "$$name: the binary is not built for $$os" >&2; exit 1; }; \
	  $(GO) version -m "$$stage/$(DIST_NAME)" | grep -E "^[[:space:]]+build[[:space:]]+GOARCH=$$arch$$" >/dev/null \
	    || { echo "$$name: the binary is not built for $$arch" >&2; exit 1; }; \
	  cp -R $(DIST_FILES) "$$stage/"; \
	  tar -C dist/.stage -czf "dist/$$name.tar.gz" "$$name"; \
	  for f in $(DIST_NAME) README.md NOTICE config/otlp.yaml config/demo.yaml; do \
	    tar -tzf "dist/$$name.tar.gz" | grep -x "$$name/$$f" >/dev/null || { echo "$$name.tar.gz lacks $$f" >&2; exit 1; }; \
	  done; \
	done
	rm -rf dist/.stage
	cd dist && sha256sum $(DIST_NAME)_$(VERSION)_*.tar.gz > SHA256SUMS && sha256sum -c SHA256SUMS
	@echo ">> dist/: $$(ls dist | tr '\n' ' ')"

clean:
	rm -rf bin build dist bench.txt bench-s3.txt

distclean: clean
	rm -rf .tools
