# umctl — see README.md. `sudo make demo` and `sudo make test` are the two set-up commands.
GO      ?= go
VERSION ?= $(shell git describe --tags --always --dirty 2>/dev/null || echo dev)
COMMIT  ?= $(shell git rev-parse --short=12 HEAD 2>/dev/null)
DATE    ?= $(shell git log -1 --format=%cI 2>/dev/null)
PKG     := github.com/umctl/umctl/internal/build
LDFLAGS := -X $(PKG).Version=$(VERSION) -X $(PKG).Commit=$(COMMIT) -X $(PKG).Date=$(DATE)

.PHONY: build demo test unit cross dist completions man clean
build:
	$(GO) build -trimpath -ldflags "$(LDFLAGS)" -o bin/umctl ./cmd/umctl

# Bring up the lab domain controller and run the read and provisioning commands against it.
demo: build
	./scripts/demo.sh

# Every test: unit tests and the integration tests against a real Samba AD DC (needs root).
test: build
	./scripts/test.sh

# Unit tests only (no root, no lab): integration tests skip themselves.
unit:
	$(GO) test ./...

# Build and vet for every release target (Linux, Windows, macOS; amd64 and arm64).
cross:
	./scripts/cross.sh

# Release archives for every target, with completions, README and SHA256SUMS, in dist/.
dist:
	./scripts/dist.sh

completions:
	UMCTL_UPDATE_COMPLETIONS=1 $(GO) test ./cmd/umctl -run TestCompletionsUpToDate -count=1

# Man pages of every command (man/umctl*.1, generated with cobra/doc, committed; a test checks them).
man:
	UMCTL_UPDATE_MAN=1 $(GO) test ./cmd/umctl -run TestManPagesUpToDate -count=1

clean:
	rm -rf bin dist
