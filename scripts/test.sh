#!/usr/bin/env bash
# Runs every umctl test. The integration tests need a real Samba AD domain
# controller: this script starts the test lab (installing the Debian packages if
# they are missing), runs `go test ./...` with UMCTL_REQUIRE_LAB=1 so that no
# lab test can silently skip, and stops the lab again if it started it.
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$PATH:/usr/local/go/bin"
[ "$(id -u)" = 0 ] || { echo "test.sh: the lab domain controller needs root: run 'sudo make test' (or 'make unit' for unit tests only)" >&2; exit 2; }

export UMCTL_TEST_LAB_DIR=${UMCTL_TEST_LAB_DIR:-/tmp/umctl-test-lab}
export UMCTL_TEST_LAB_ADDRESS=${UMCTL_TEST_LAB_ADDRESS:-127.0.0.2}
export UMCTL_REQUIRE_LAB=1
export UMCTL_REQUIRE_SIPP=1
export UMCTL_REQUIRE_KAMAILIO=1
export UMCTL_REQUIRE_SIPVICIOUS=1
UMCTL=./bin/umctl
[ -x "$UMCTL" ] || go build -o bin/umctl ./cmd/umctl

need=()
command -v ldapsearch >/dev/null || need+=(ldap-utils)
command -v sipp >/dev/null || need+=(sip-tester)
command -v kamailio >/dev/null || need+=(kamailio)
ls /usr/lib/*/kamailio/modules/tls.so >/dev/null 2>&1 || need+=(kamailio-tls-modules)   # the SIP probes' TLS peer
command -v svmap >/dev/null || need+=(sipvicious)
command -v sipsak >/dev/null || need+=(sipsak)
command -v kinit >/dev/null || need+=(krb5-user)
command -v tmux >/dev/null || need+=(tmux)   # the prompts are tested in a real terminal
command -v gcc >/dev/null || need+=(gcc libc6-dev)   # go test -race needs cgo
if [ ${#need[@]} -gt 0 ]; then
	echo "test.sh: installing ${need[*]}" >&2
	DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "${need[@]}" >/dev/null ||
		{ apt-get update -q >/dev/null && DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "${need[@]}" >/dev/null; }
fi

started=0
if ! "$UMCTL" lab status --dir "$UMCTL_TEST_LAB_DIR" >/dev/null 2>&1; then
	started=1
fi
stop_lab() {
	if [ $started = 1 ]; then "$UMCTL" lab down --dir "$UMCTL_TEST_LAB_DIR" || true; fi
}
trap stop_lab EXIT
"$UMCTL" lab up --install --dir "$UMCTL_TEST_LAB_DIR" --address "$UMCTL_TEST_LAB_ADDRESS" >/dev/null

unformatted=$(gofmt -l cmd internal)
[ -z "$unformatted" ] || { echo "gofmt would change: $unformatted" >&2; exit 1; }
go vet ./...
# staticcheck at a pinned version; any finding fails the run.
STATICCHECK_VERSION=v0.8.2
staticcheck=$(go env GOPATH)/bin/staticcheck
if ! "$staticcheck" -version 2>/dev/null | grep -q "${STATICCHECK_VERSION#v}"; then
	go install "honnef.co/go/tools/cmd/staticcheck@$STATICCHECK_VERSION"
fi
"$staticcheck" ./...
./scripts/cross.sh
# The relay (internal/sip) runs under the race detector: it is concurrent
# (sipgo's timers and read loops, the relay's own), and its tests mostly wait
# on the wire and on timers, so -race costs them hardly any time.
go test -count=1 -p 1 $(go list ./... | grep -v '/internal/sip$')
go test -count=1 -race ./internal/sip
