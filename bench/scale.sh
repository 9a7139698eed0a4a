#!/usr/bin/env bash
# Scale benchmark (issue #15), in one run on one lab:
#  1. every single-object command (eum add/remove/list USER/find, contact
#     new --dry-run/get/set/move/remove, gateway get/set, huntgroup new/remove),
#     RUNS times each on the seeded lab (36 users), then RUNS times after
#     `umctl lab reset --users USERS` (default 20,000; seeded the first time,
#     then restored from the lab's snapshot), ALTERNATIONS times over: median
#     times and the ratio large/small (target <= 1.5);
#  2. on the large lab, N (5,000) EUM adds on N users, with `ldapmodify -f`
#     and with `umctl eum add --from-csv`, alternating for ROUNDS rounds from
#     the same state (target umctl/ldapmodify <= 1.05); then the umctl re-run
#     on the unchanged state, whose zero writes are checked with
#     highestCommittedUSN.
# PART=bulk runs part 2 only (the large lab restored once); each round's
# ratio is printed with the load average at its end (`uptime`), as other work
# on the machine moves it, and with the ratio of CPU seconds (the lab's Samba
# plus the client), which that work hardly moves.
# Needs root (the lab). Loopback only: a dedicated lab (BENCH_LAB_DIR on
# BENCH_LAB_ADDRESS, default /tmp/umctl-scale-lab on 127.0.0.6), reset first
# and stopped at the end (KEEP=1 leaves it running). Every umctl run is bounded
# by STEP_TIMEOUT seconds. With the snapshot in place the defaults take about
# 5 minutes on 2 cores; the first run seeds the users first (2-4 minutes).
set -euo pipefail
cd "$(dirname "$0")/.."
USERS=${USERS:-20000}
N=${N:-5000}
ALTERNATIONS=${ALTERNATIONS:-3}
RUNS=${RUNS:-2}
ROUNDS=${ROUNDS:-2}
PART=${PART:-all}
STEP_TIMEOUT=${STEP_TIMEOUT:-300}
DIR=${BENCH_LAB_DIR:-/tmp/umctl-scale-lab}
ADDR=${BENCH_LAB_ADDRESS:-127.0.0.6}
# UMCTL: the binary under test (default: built from this checkout now).
if [ -z "${UMCTL:-}" ]; then UMCTL=./bin/umctl; make -s build >/dev/null; fi
work=$(mktemp -d)
cleanup() { rm -rf "$work"; [ "${KEEP:-0}" = 1 ] || "$UMCTL" lab down --dir "$DIR" >/dev/null 2>&1 || true; }
trap cleanup EXIT
T0=$(date +%s)

"$UMCTL" lab up --dir "$DIR" --address "$ADDR" >/dev/null 2>&1
eval "$("$UMCTL" lab reset --dir "$DIR" 2>/dev/null)"
BASE=DC=lab,DC=umctl,DC=test
DOM=lab.umctl.test
( umask 077; printf "%s" "$UMCTL_BIND_PASSWORD" >"$work/pw" )
ldap() { LDAPTLS_CACERT="$UMCTL_CA_FILE" "$@" -H "$UMCTL_SERVER" -x -D "$UMCTL_BIND_DN" -y "$work/pw"; }
usn() { ldap ldapsearch -LLL -b "" -s base highestCommittedUSN | sed -n 's/^highestCommittedUSN: //p'; }
u() { timeout "$STEP_TIMEOUT" "$UMCTL" "$@" >>"$work/umctl.log" 2>&1 || { echo "umctl $* failed:" >&2; tail -5 "$work/umctl.log" >&2; exit 1; }; }
now() { date +%s%N; }
# timed NAME CMD...: run umctl once, add its wall time (ms) to NAME's samples.
timed() {
	local name=$1 t0; shift
	grep -qxF "$name" "$work/order" 2>/dev/null || echo "$name" >>"$work/order"
	t0=$(now); u "$@"; echo $((($(now) - t0) / 1000000)) >>"$work/$name.$SIZE"
}
median() { sort -n "$1" | awk '{ v[NR] = $1 } END { printf "%.3f", v[int((NR + 1) / 2)] / 1000 }'; }

U=frida.sand # seed user 32: not UM-enabled
C=sip:bench-contact@$DOM
OU="OU=ExUmContacts,$BASE"
newc() { u contact new --sip-address "$C" --registrar-pool pool01.$DOM --ou "$OU" --display-number +4790009901 --dial-plan SipDP --yes; }
# measure: every single-object command RUNS times on the lab as it is now.
measure() {
	u ucutil # gateways and hunt groups for the gateway commands
	newc
	for i in $(seq 1 "$RUNS"); do
		timed "eum add USER" eum add "$U" --dial-plan TelExtnDP --extension 47001
		timed "eum remove USER" eum remove "$U" --dial-plan TelExtnDP --extension 47001 --yes
		timed "eum list USER" eum list ada.lovelace
		timed "eum find EXT" eum find 1001 --dial-plan SipDP
		timed "contact new --dry-run" contact new --dry-run --sip-address "sip:bench-new@$DOM" --registrar-pool pool01.$DOM \
			--ou "$OU" --display-number +4790009902 --dial-plan SipDP
		timed "contact get ID" contact get "$C"
		timed "contact set ID" contact set "$C" --description "bench $i"
		timed "contact move ID" contact move "$C" --target pool02.$DOM
		u contact move "$C" --target pool01.$DOM
		timed "contact remove ID" contact remove "$C" --yes
		newc
		timed "gateway get" gateway get 1:1
		timed "gateway set" gateway set 1:1 --port $((5061 + i % 2))
		timed "huntgroup new" huntgroup new --gateway 1:1 --dial-plan SipDP --name BenchHG --pilot benchhg
		timed "huntgroup remove" huntgroup remove BenchHG --gateway 1:1 --yes
	done
	u contact remove "$C" --yes
	u gateway set 1:1 --port 0
}

echo "$("$UMCTL" version), $(date -u +%Y-%m-%d), $(nproc) CPUs; USERS=$USERS N=$N ALTERNATIONS=$ALTERNATIONS RUNS=$RUNS ROUNDS=$ROUNDS" >&2
# Small and large alternate, so that a change in the machine's load during the
# run falls on both sizes alike.
[ "$PART" = all ] || [ "$PART" = bulk ] || { echo "PART=$PART: expected all or bulk" >&2; exit 2; }
[ "$PART" = all ] || ALTERNATIONS=0
for a in $(seq 1 "$ALTERNATIONS"); do
	timeout "$STEP_TIMEOUT" "$UMCTL" lab reset --dir "$DIR" >/dev/null 2>&1
	SIZE=small measure
	t0=$(now)
	timeout 900 "$UMCTL" lab reset --dir "$DIR" --users "$USERS" >/dev/null 2>"$work/reset.log" || { cat "$work/reset.log" >&2; exit 1; }
	how=$(grep -o 'added [0-9]* users in [0-9.]* s ([0-9]*/s)' "$work/reset.log" | tail -1 || true)
	echo "alternation $a: lab reset --users $USERS: $((($(now) - t0) / 1000000000)) s (${how:-restored from the snapshot})" >&2
	SIZE=large measure
done

if [ "$PART" = all ]; then
	echo "Medians of $((ALTERNATIONS * RUNS)) runs per command and size, small and large alternating:"
	echo
	echo "| command (one object) | seeded lab | +$USERS users | ratio |"
	echo "|---|---|---|---|"
	while read -r name; do
		s=$(median "$work/$name.small"); l=$(median "$work/$name.large")
		printf '| `%s` | %s s | %s s | %s |\n' "$name" "$s" "$l" "$(awk -v a="$l" -v b="$s" 'BEGIN { printf "%.2f", a / b }')"
	done <"$work/order"
else
	timeout 900 "$UMCTL" lab reset --dir "$DIR" --users "$USERS" >/dev/null 2>"$work/reset.log" || { cat "$work/reset.log" >&2; exit 1; }
fi

# Part 2: N EUM adds from CSV against ldapmodify on the large lab. The users are
# the TelExtnDP scale users (every third: scale000003, scale000006, …), their EUM
# address removed first (not timed); each gets the extension 40000+j.
[ $((USERS / 3)) -ge "$N" ] || { echo "N=$N needs USERS >= $((3 * N))" >&2; exit 2; }
PC=TelExtnDP.$DOM
awk -v n="$N" 'BEGIN { print "user,dial_plan,extension"; for (j = 1; j <= n; j++) printf "scale%06d,TelExtnDP,%05d\n", 3 * j, 40000 + j }' >"$work/eum.csv"
awk -v n="$N" -v base="$BASE" -v pc="$PC" 'BEGIN {
	for (j = 1; j <= n; j++) printf "dn: CN=scale%06d,OU=Scale Users,%s\nchangetype: modify\ndelete: proxyAddresses\nproxyAddresses: EUM:%05d;phone-context=%s\n-\n\n", 3 * j, base, 50000 + j, pc
}' >"$work/unenable.ldif"
for op in add delete; do
	awk -v n="$N" -v base="$BASE" -v pc="$PC" -v op="$op" 'BEGIN {
		for (j = 1; j <= n; j++) printf "dn: CN=scale%06d,OU=Scale Users,%s\nchangetype: modify\n%s: proxyAddresses\nproxyAddresses: EUM:%05d;phone-context=%s\n-\n\n", 3 * j, base, op, 40000 + j, pc
	}' >"$work/eum-$op.ldif"
done
ldap ldapmodify -f "$work/unenable.ldif" >/dev/null
count() { ldap ldapsearch -LLL -b "OU=Scale Users,$BASE" -E pr=1000/noprompt "(proxyAddresses=eum:4*;phone-context=$PC)" 1.1 | grep -c '^dn:' || true; }
secs() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", (b - a) / 1e9 }'; }
declare -a L M R LC MC
# CPU seconds the lab's Samba processes and this shell's children have used:
# unlike wall time, hardly moved by other work on the machine.
dc_cpu() {
	local p pids; pids=$(ps -e -o pid=,ppid= | awk -v root="$(cat "$DIR/run/samba.pid")" '
		{ parent[$1] = $2 } END { for (p in parent) { q = p; while (q != root && q in parent && q > 1) q = parent[q]; if (q == root) print p } }')
	for p in $pids; do cut -d' ' -f14,15 "/proc/$p/stat" 2>/dev/null; done | awk -v hz="$(getconf CLK_TCK)" '{ t += $1 + $2 } END { printf "%.2f", t / hz }'
}
# children_cpu FILE: the CPU seconds of this shell's finished children, from
# the output of `times` (run in this shell, not in a subshell).
children_cpu() { tail -1 "$1" | awk '{ gsub("[ms]", " "); printf "%.2f", $1 * 60 + $2 + $3 * 60 + $4 }'; }
# cpu_of DC0 DC1: "total dc client" CPU seconds of one run.
cpu_of() { awk -v d0="$1" -v d1="$2" -v o0="$(children_cpu "$work/times0")" -v o1="$(children_cpu "$work/times1")" 'BEGIN { printf "%.2f/%.2f/%.2f", d1 - d0 + o1 - o0, d1 - d0, o1 - o0 }'; }
total() { echo "${1%%/*}"; }
run_ldapmodify() {
	local t0 d0; t0=$(now) d0=$(dc_cpu); times >"$work/times0"
	ldap ldapmodify -f "$work/eum-add.ldif" >/dev/null
	times >"$work/times1"; L+=("$(secs "$t0" "$(now)")") LC+=("$(cpu_of "$d0" "$(dc_cpu)")")
}
run_umctl() {
	local t0 d0; t0=$(now) d0=$(dc_cpu); times >"$work/times0"
	u eum add --from-csv "$work/eum.csv"
	times >"$work/times1"; M+=("$(secs "$t0" "$(now)")") MC+=("$(cpu_of "$d0" "$(dc_cpu)")")
}
undo() { ldap ldapmodify -f "$work/eum-delete.ldif" >/dev/null; [ "$(count)" = 0 ] || { echo "undo left $(count) EUM addresses" >&2; exit 1; }; }
for r in $(seq 1 "$ROUNDS"); do
	first=run_ldapmodify second=run_umctl
	[ $((r % 2)) = 0 ] && first=run_umctl second=run_ldapmodify
	$first; [ "$(count)" = "$N" ] || { echo "$first wrote $(count) of $N" >&2; exit 1; }
	undo
	$second; [ "$(count)" = "$N" ] || { echo "$second wrote $(count) of $N" >&2; exit 1; }
	echo "round $r: umctl/ldapmodify $(awk -v a="${M[-1]}" -v b="${L[-1]}" 'BEGIN { printf "%.2f", a / b }') (ldapmodify ${L[-1]} s, umctl ${M[-1]} s); CPU $(awk -v a="$(total "${MC[-1]}")" -v b="$(total "${LC[-1]}")" 'BEGIN { printf "%.2f", a / b }') (total/DC/client ${LC[-1]} s, ${MC[-1]} s); load average $(uptime | sed 's/.*load average: //')" >&2
	[ "$r" = "$ROUNDS" ] || undo
done
# The state now holds the N addresses: the umctl re-run must write nothing.
for _ in 1 2; do
	before=$(usn); t0=$(now); u eum add --from-csv "$work/eum.csv"; R+=("$(secs "$t0" "$(now)")")
	[ "$(usn)" = "$before" ] || { echo "the re-run wrote (highestCommittedUSN $before -> $(usn))" >&2; exit 1; }
done
best() { printf '%s\n' "$@" | sort -n | head -1; }
bl=$(best "${L[@]}"); bm=$(best "${M[@]}"); br=$(best "${R[@]}")
echo
echo "| $N EUM adds on the $USERS-user lab (best of ${#L[@]}) | time |"
echo "|---|---|"
echo "| \`ldapmodify -f\` ($N modify records) | $bl s |"
pairs=$(for i in "${!L[@]}"; do awk -v a="${M[$i]}" -v b="${L[$i]}" 'BEGIN { printf "%.2f ", a / b }'; done)
echo "| \`umctl eum add --from-csv\` | $bm s (ratio of the bests **$(awk -v a="$bm" -v b="$bl" 'BEGIN { printf "%.2f", a / b }')**; per round: ${pairs% }) |"
echo "| \`umctl\` re-run on the unchanged state | $br s, zero writes (highestCommittedUSN unchanged) |"
med() { printf '%s\n' "$@" | sort -n | awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }
echo "| median umctl/ldapmodify of the rounds | wall $(med $pairs); CPU of the DC and the client $(med $(for i in "${!LC[@]}"; do awk -v a="$(total "${MC[$i]}")" -v b="$(total "${LC[$i]}")" 'BEGIN { printf "%.2f ", a / b }'; done)) |"
echo "ldapmodify: ${L[*]} s; umctl: ${M[*]} s; re-run: ${R[*]} s; CPU total/DC/client ldapmodify ${LC[*]} s, umctl ${MC[*]} s; whole run $(($(date +%s) - T0)) s" >&2
