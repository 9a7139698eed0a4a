#!/usr/bin/env bash
# Builds the release archives into dist/: one per target, each with the binary,
# README.md, CHANGELOG.md, the man pages and the shell completions (bash, zsh,
# fish, PowerShell), plus SHA256SUMS. tar.gz for Linux and macOS, zip for Windows.
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$PATH:/usr/local/go/bin" CGO_ENABLED=0
command -v zip >/dev/null || { echo "dist.sh: zip is missing (apt-get install zip)" >&2; exit 2; }
VERSION=${VERSION:-$(git describe --tags --always --dirty 2>/dev/null || echo dev)}
COMMIT=$(git rev-parse --short=12 HEAD 2>/dev/null || echo unknown)
DATE=$(git log -1 --format=%cI 2>/dev/null || date -u +%FT%TZ)
PKG=github.com/umctl/umctl/internal/build
LDFLAGS="-s -w -X $PKG.Version=$VERSION -X $PKG.Commit=$COMMIT -X $PKG.Date=$DATE"
TARGETS=${UMCTL_TARGETS:-"linux/amd64 linux/arm64 windows/amd64 darwin/arm64 darwin/amd64"}

rm -rf dist && mkdir -p dist/stage
for t in $TARGETS; do
	os=${t%/*} arch=${t#*/}
	name=umctl_${VERSION}_${os}_${arch}
	dir=dist/stage/$name
	mkdir -p "$dir/completions" "$dir/man"
	exe=umctl
	[ "$os" = windows ] && exe=umctl.exe
	GOOS=$os GOARCH=$arch go build -trimpath -ldflags "$LDFLAGS" -o "$dir/$exe" ./cmd/umctl
	cp README.md CHANGELOG.md "$dir/"
	cp completions/* "$dir/completions/"
	cp man/*.1 "$dir/man/"
	if [ "$os" = windows ]; then
		(cd dist/stage && zip -qr "../$name.zip" "$name")
	else
		tar -C dist/stage -czf "dist/$name.tar.gz" --owner=0 --group=0 "$name"
	fi
done
rm -rf dist/stage
(cd dist && sha256sum -- *.tar.gz *.zip 2>/dev/null > SHA256SUMS)
ls -l dist
