#!/usr/bin/env bash
# Relay benchmark, all on 127.0.0.1 and bounded (sipp -m, -timeout):
#  1. the same sipp UAC sweep (INVITE/200/ACK/BYE, SECS seconds per rate) against
#     sipp directly (the limit), Kamailio t_relay (bench/kamailio.cfg) and
#     `umctl relay` with hold 0; for each, the highest rate with < 0.1 % failed
#     calls (below the first failing rate), the ratio umctl / Kamailio, and
#     each proxy's CPU time per call;
#  2. the same over TLS (TLS_RATES): Debian's sipp has no TLS, so bench/tlsload
#     (Go) is the caller and the answering UAS; Kamailio with its tls module
#     (bench/kamailio-tls.cfg) and `umctl relay` take TLS from it and forward
#     over TLS to the UAS (umctl verifies the UAS against the bench's own CA);
#  3. held-call capacity: `umctl relay` with a HOLD-second hold at HOLD_RATE cps:
#     peak calls held at once, RSS, and RSS per held call.
# PARTS="sweep tls hold" (default all three). The default hold, 2,500 cps x 40 s, holds
# 100,000 calls at once (the capacity target) at a rate the relay can then forward.
# With 2 or more CPUs the load generator (both sipp) runs on CPU 0 and the proxy
# under test on CPU 1 (taskset), so the proxies do not fight sipp for a core and
# the knee is the proxy's own; PIN=0 lets the scheduler place everything.
# Needs sip-tester, kamailio and kamailio-tls-modules (apt-get install sip-tester kamailio kamailio-tls-modules).
set -euo pipefail
cd "$(dirname "$0")/.."
RATES=${RATES:-"2000 2500 3000 3500 4000 4500 5000 5500 6000 7000 8000 9000"}
SECS=${SECS:-10}
HOLD_RATE=${HOLD_RATE:-2500}
HOLD=${HOLD:-40}
HOLD_SECS=$((HOLD + 5))
TLS_RATES=${TLS_RATES:-"1000 1500 2000 2500 3000 3500 4000 4500 5000 5500 6000 7000 8000 9000 10000"}
PARTS=${PARTS:-"sweep tls hold"}
PIN=${PIN:-1}
gen=() sut=()
if [ "$PIN" = 1 ] && [ "$(nproc)" -ge 2 ] && command -v taskset >/dev/null; then gen=(taskset -c 0) sut=(taskset -c 1); fi
tck=$(getconf CLK_TCK)
UMCTL=./bin/umctl
[ -x "$UMCTL" ] || go build -o "$UMCTL" ./cmd/umctl
for t in sipp kamailio; do command -v $t >/dev/null || { echo "bench/relay.sh: $t is missing (apt-get install sip-tester kamailio kamailio-tls-modules)" >&2; exit 2; }; done
work=$(mktemp -d)
pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; wait 2>/dev/null || true; rm -rf "$work"; }
trap cleanup EXIT

cat >"$work/relay0.yaml" <<EOC
listen: [udp://127.0.0.1:5070]
next_hops: [udp://127.0.0.1:5080]
presence: {source: never-hold}
metrics: 127.0.0.1:9470
EOC
cat >"$work/relay20.yaml" <<EOC
listen: [udp://127.0.0.1:5072]
next_hops: [udp://127.0.0.1:5080]
hold: ${HOLD}s
ringing: false
presence: {source: always-hold}
max_held: 200000
metrics: 127.0.0.1:9471
EOC
# ticks PID... -> CPU clock ticks used so far by these processes and their children
ticks() {
	local p s=0
	for p in "$@" $(pgrep -P "$1" 2>/dev/null); do s=$((s + $(awk '{ print $14 + $15 }' "/proc/$p/stat" 2>/dev/null || echo 0))); done
	echo "$s"
}
declare -A best failing
# judge NAME RATE OK FAILED: a proxy's best rate is the highest with < 0.1 % failed
# (and at least 99 % of the calls made) below its first failing rate.
judge() {
	local name=$1 rate=$2 ok=$3 failed=$4 secs=$5 total=$(($3 + $4))
	if [ "$total" -gt 0 ] && [ $((failed * 1000)) -lt "$total" ] && [ "$ok" -ge $((rate * secs * 99 / 100)) ]; then
		[ -n "${failing[$name]:-}" ] || best[$name]=$rate
	else
		failing[$name]=$rate
	fi
}
ratio() { awk -v u="${best[$1]:-0}" -v k="${best[$2]:-0}" 'BEGIN { if (k > 0) printf "%.2f", u / k; else print "n/a" }'; }
# uas: the answering "Exchange UM" (sipp) on 127.0.0.1:5080.
uas() { "${gen[@]}" sipp -sf bench/uas_answer.xml -i 127.0.0.1 -p 5080 -nostdin -buff_size 4194304 >/dev/null 2>&1 & pids+=($!); }
if [[ " $PARTS " == *" sweep "* ]]; then
[ ${#sut[@]} -gt 0 ] && echo "load generator on CPU 0, proxy under test on CPU 1 (PIN=0 to share all CPUs)"

# point NAME PORT RATE -> "successful failed µs-of-proxy-CPU-per-call". The proxies
# run for the whole sweep (warm, as in service); every point gets a fresh UAS, so
# no run inherits the half-open calls a failing run left there.
point() {
	local name=$1 port=$2 rate=$3 csv="$work/$1-$3.csv" ppid="" t0=0 t1=0 upas
	case $name in kamailio) ppid=$kpid ;; umctl) ppid=$upid ;; esac
	uas; upas=$!
	sleep 0.5
	[ -n "$ppid" ] && t0=$(ticks "$ppid")
	"${gen[@]}" sipp "127.0.0.1:$port" -sn uac -i 127.0.0.1 -p 5060 -m $((rate * SECS)) -r "$rate" -l $((rate * SECS)) \
		-recv_timeout 5000 -timeout $((SECS + 40)) -nostdin -buff_size 4194304 -trace_stat -stf "$csv" >/dev/null 2>&1 || true
	[ -n "$ppid" ] && t1=$(ticks "$ppid")
	# SIGKILL: an overloaded sipp UAS was seen ignoring SIGTERM, which hung the run
	kill -KILL "$upas"; wait "$upas" 2>/dev/null || true
	awk -F';' -v used=$((t1 - t0)) -v tck="$tck" -v n=$((rate * SECS)) \
		'NR == 1 { for (i = 1; i <= NF; i++) h[$i] = i; next } { s = $h["SuccessfulCall(C)"]; f = $h["FailedCall(C)"] } END { print s + 0, f + 0, int(used * 1e6 / tck / n) }' "$csv"
}
"${sut[@]}" kamailio -f bench/kamailio.cfg -DD -E -m 1024 -M 16 >"$work/kam.log" 2>&1 & kpid=$!; pids+=($kpid)
"${sut[@]}" "$UMCTL" relay run --config "$work/relay0.yaml" >/dev/null 2>&1 & upid=$!; pids+=($upid)
sleep 1
# Warm-up, not counted: Kamailio touches its shared memory, Go grows its heap.
for target in kamailio:5062 umctl:5070; do SECS=5 point "${target%%:*}" "${target##*:}" 2000 >/dev/null; done
echo "rate  direct(ok/failed)  kamailio(ok/failed cpu/call)  umctl-relay(ok/failed cpu/call)"
for rate in $RATES; do
	line="$rate"
	for target in direct:5080 kamailio:5062 umctl:5070; do
		name=${target%%:*} port=${target##*:}
		read -r ok failed us < <(point "$name" "$port" "$rate")
		line="$line  $ok/$failed"
		[ "$name" = direct ] || line="$line ${us}µs"
		judge "$name" "$rate" "$ok" "$failed" "$SECS"
		sleep 1
	done
	echo "$line"
done
echo "highest rate with < 0.1 % failed (and every lower rate too): direct ${best[direct]:-0} cps, kamailio ${best[kamailio]:-0} cps, umctl relay ${best[umctl]:-0} cps"
echo "ratio umctl/kamailio: $(ratio umctl kamailio) (target >= 1.3)"
kill "$kpid" "$upid"; wait "$kpid" "$upid" 2>/dev/null || true
fi
if [[ " $PARTS " == *" tls "* ]]; then
go build -o "$work/tlsload" ./bench/tlsload
"$work/tlsload" certs -dir "$work"
cat >"$work/tls.cfg" <<EOC
[server:default]
method = TLSv1.2+
verify_certificate = no
require_certificate = no
private_key = $work/key.pem
certificate = $work/cert.pem
[client:default]
method = TLSv1.2+
verify_certificate = no
require_certificate = no
EOC
cat >"$work/relaytls.yaml" <<EOC
listen: [tls://127.0.0.1:5075]
tls: {cert: $work/cert.pem, key: $work/key.pem, hop_ca: $work/ca.pem}
next_hops: [tls://127.0.0.1:5085]
presence: {source: never-hold}
metrics: 127.0.0.1:9472
EOC
# tpoint NAME PORT RATE -> "successful failed µs-of-proxy-CPU-per-call", as point() over TLS:
# tlsload makes the calls over 4 connections; a fresh TLS UAS per point.
tpoint() {
	local name=$1 port=$2 rate=$3 ppid="" t0=0 t1=0 tuas out
	case $name in kamailio-tls) ppid=$ktpid ;; umctl-tls) ppid=$utpid ;; esac
	"${gen[@]}" "$work/tlsload" uas -listen 127.0.0.1:5085 -cert "$work/cert.pem" -key "$work/key.pem" & tuas=$!
	sleep 0.5
	[ -n "$ppid" ] && t0=$(ticks "$ppid")
	out=$(timeout $((SECS + 40)) "${gen[@]}" "$work/tlsload" uac -target "127.0.0.1:$port" -rate "$rate" -calls $((rate * SECS)) -conns 4 2>/dev/null || echo "0 $((rate * SECS))")
	[ -n "$ppid" ] && t1=$(ticks "$ppid")
	kill -KILL "$tuas"; wait "$tuas" 2>/dev/null || true
	echo "$out $(((t1 - t0) * 1000000 / tck / (rate * SECS)))"
}
"${sut[@]}" kamailio -f bench/kamailio-tls.cfg -DD -E -m 1024 -M 16 -P "$work/kamtls.pid" -A "LISTEN=tls:127.0.0.1:5064" \
	-A 'DST="sip:127.0.0.1:5085;transport=tls"' -A "TLS_CFG=\"$work/tls.cfg\"" >"$work/kamtls.log" 2>&1 & ktpid=$!; pids+=($ktpid)
"${sut[@]}" "$UMCTL" relay run --config "$work/relaytls.yaml" >/dev/null 2>&1 & utpid=$!; pids+=($utpid)
sleep 1.5
for target in kamailio-tls:5064 umctl-tls:5075; do SECS=5 tpoint "${target%%:*}" "${target##*:}" 1000 >/dev/null; done
echo "TLS rate  direct(ok/failed)  kamailio(ok/failed cpu/call)  umctl-relay(ok/failed cpu/call)"
for rate in $TLS_RATES; do
	line="$rate"
	for target in direct-tls:5085 kamailio-tls:5064 umctl-tls:5075; do
		name=${target%%:*} port=${target##*:}
		read -r ok failed us < <(tpoint "$name" "$port" "$rate")
		line="$line  $ok/$failed"
		[ "$name" = direct-tls ] || line="$line ${us}µs"
		judge "$name" "$rate" "$ok" "$failed" "$SECS"
		sleep 1
	done
	echo "$line"
done
echo "TLS: highest rate with < 0.1 % failed (and every lower rate too): direct ${best[direct-tls]:-0} cps, kamailio ${best[kamailio-tls]:-0} cps, umctl relay ${best[umctl-tls]:-0} cps"
echo "TLS ratio umctl/kamailio: $(ratio umctl-tls kamailio-tls) (target >= 1.3)"
kill "$ktpid" "$utpid"; wait "$ktpid" "$utpid" 2>/dev/null || true
fi
[[ " $PARTS " == *" hold "* ]] || exit 0

# Held-call capacity (not pinned: the relay may use every CPU).
gen=()
uas
"$UMCTL" relay run --config "$work/relay20.yaml" 2>/dev/null & rpid=$!; pids+=($rpid)
sleep 1
rss() { awk '/^VmRSS:/ { print $2 }' "/proc/$rpid/status"; }
base=$(rss)
sipp 127.0.0.1:5072 -sn uac -i 127.0.0.1 -p 5061 -m $((HOLD_RATE * HOLD_SECS)) -r "$HOLD_RATE" -l $((HOLD_RATE * HOLD_SECS)) \
	-recv_timeout $(((HOLD + 10) * 1000)) -timeout $((HOLD_SECS + 60)) -nostdin -buff_size 4194304 -trace_stat -stf "$work/hold.csv" >/dev/null 2>&1 & spid=$!
peak=0 peakrss=0
while kill -0 "$spid" 2>/dev/null; do
	held=$(curl -s 127.0.0.1:9471/metrics | awk '/^relay_held_calls / { print $2 }')
	if [ "${held:-0}" -gt "$peak" ]; then peak=$held peakrss=$(rss); fi
	sleep 0.5
done
read -r ok failed < <(awk -F';' 'NR == 1 { for (i = 1; i <= NF; i++) h[$i] = i; next } { s = $h["SuccessfulCall(C)"]; f = $h["FailedCall(C)"] } END { print s + 0, f + 0 }' "$work/hold.csv")
per=$(awk -v p="$peakrss" -v b="$base" -v n="$peak" 'BEGIN { if (n > 0) printf "%.1f", (p - b) / n; else print "n/a" }')
echo "hold $HOLD s at $HOLD_RATE cps: peak $peak calls held at once, RSS $((base / 1024)) MiB idle -> $((peakrss / 1024)) MiB at the peak, $per KiB per held call; $ok answered, $failed failed"
if [ "$peak" -ge 99000 ]; then
	echo "target: 100000 held within 800 MiB: $([ $((peakrss / 1024)) -le 800 ] && echo met || echo missed) ($((peakrss / 1024)) MiB at $peak held)"
else
	echo "extrapolated to 100000 held calls: $(awk -v p="$per" -v b="$base" 'BEGIN { if (p != "n/a") printf "%.0f MiB", (b + p * 100000) / 1024 }') (target: within 800 MiB; small runs overstate it, GC headroom dominates)"
fi
