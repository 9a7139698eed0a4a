#!/usr/bin/env bash
# Builds and vets umctl for every release target, so that a change which breaks
# Windows or macOS fails here and not on a user's machine. No cgo: every target
# cross-compiles from Linux.
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$PATH:/usr/local/go/bin" CGO_ENABLED=0
TARGETS=${UMCTL_TARGETS:-"linux/amd64 linux/arm64 windows/amd64 darwin/arm64 darwin/amd64"}
for t in $TARGETS; do
	GOOS=${t%/*} GOARCH=${t#*/} go build ./... || { echo "cross.sh: build for $t failed" >&2; exit 1; }
	GOOS=${t%/*} GOARCH=${t#*/} go vet ./... || { echo "cross.sh: go vet for $t failed" >&2; exit 1; }
done
echo "cross.sh: built and vetted $TARGETS"
