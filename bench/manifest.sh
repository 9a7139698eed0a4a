#!/usr/bin/env bash
# Desired-state benchmark (issue #17), in one run on one lab of USERS (20,000)
# scale users, with a manifest of N (5,000) EUM entries and C (200) contacts:
#  1. apply: `umctl apply -f` of the manifest against `ldapmodify -f` of the
#     same changes (the LDIF `umctl plan -o ldif` prints), alternating for
#     ROUNDS rounds from the same state (target umctl/ldapmodify <= 1.1);
#  2. plan with nothing to do (the manifest applied): RUNS runs of
#     `umctl plan -f`, against `ldapsearch` reading the same users and
#     contacts in the same run (target: plan <= 2 s).
# The EUM entries are the TelExtnDP scale users (every third: scale000003, …),
# whose seeded address (5xxxx) is removed first (not timed); each gets 4xxxx.
# The contacts are sip:mbench-NNN@ with +479001NNNN numbers, in ExUmContacts.
# Each timed step prints `uptime`'s load next to it: other work on the host
# moves the figures, the ratios of neighbouring runs less so.
# PIN (with 2 or more CPUs and taskset): 1 (default) runs the lab's Samba on
# CPU 1 and the clients (umctl, ldapmodify, ldapsearch) on CPU 0, as with a DC
# on another host; shared runs both on CPU 1, the worst case, where every CPU
# second the client spends is taken from the DC; 0 lets the scheduler place them.
# Needs root (the lab). Loopback only: a dedicated lab (BENCH_LAB_DIR on
# BENCH_LAB_ADDRESS, default /tmp/umctl-manifest-lab on 127.0.0.8), reset to
# USERS users (seeded the first time, 2-4 minutes; then from its snapshot) and
# stopped at the end (KEEP=1 leaves it running). Every step is bounded by
# STEP_TIMEOUT seconds; the defaults take about 5 minutes on 2 cores.
set -euo pipefail
cd "$(dirname "$0")/.."
USERS=${USERS:-20000}
CPUS=$(nproc) # before any pinning (nproc counts the CPUs this shell may use)
N=${N:-5000}
C=${C:-200}
ROUNDS=${ROUNDS:-3}
RUNS=${RUNS:-5}
STEP_TIMEOUT=${STEP_TIMEOUT:-300}
PIN=${PIN:-1}
DIR=${BENCH_LAB_DIR:-/tmp/umctl-manifest-lab}
ADDR=${BENCH_LAB_ADDRESS:-127.0.0.8}
[ $((USERS / 3)) -ge "$N" ] || { echo "N=$N needs USERS >= $((3 * N))" >&2; exit 2; }
[ "$C" -le 9999 ] || { echo "C=$C: at most 9999 contacts" >&2; exit 2; }
if [ -z "${UMCTL:-}" ]; then UMCTL=./bin/umctl; make -s build >/dev/null; fi
work=$(mktemp -d)
cleanup() {
	rm -rf "$work"
	if [ "${KEEP:-0}" = 1 ]; then unpin; else "$UMCTL" lab down --dir "$DIR" >/dev/null 2>&1 || true; fi
}
unpin() { :; }
trap cleanup EXIT
T0=$(date +%s)

"$UMCTL" lab up --dir "$DIR" --address "$ADDR" >/dev/null 2>&1
timeout 900 "$UMCTL" lab reset --dir "$DIR" --users "$USERS" >/dev/null 2>"$work/reset.log" || { cat "$work/reset.log" >&2; exit 1; }
eval "$("$UMCTL" lab env --dir "$DIR")"
BASE=DC=lab,DC=umctl,DC=test
DOM=lab.umctl.test
PC=TelExtnDP.$DOM
OU="OU=ExUmContacts,$BASE"
( umask 077; printf "%s" "$UMCTL_BIND_PASSWORD" >"$work/pw" )
ldap() { LDAPTLS_CACERT="$UMCTL_CA_FILE" timeout "$STEP_TIMEOUT" "$@" -H "$UMCTL_SERVER" -x -D "$UMCTL_BIND_DN" -y "$work/pw"; }
usn() { ldap ldapsearch -LLL -b "" -s base highestCommittedUSN | sed -n 's/^highestCommittedUSN: //p'; }
now() { date +%s%N; }
secs() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", (b - a) / 1e9 }'; }
load() { uptime | sed 's/.*load average: //'; }
# umctl CMD...: run umctl bounded; exit 3 (changes pending) is a result, not a failure.
umctl() {
	local rc=0
	timeout "$STEP_TIMEOUT" "$UMCTL" "$@" >"$work/out" 2>"$work/err" || rc=$?
	[ "$rc" = 0 ] || [ "$rc" = 3 ] || { echo "umctl $* failed ($rc):" >&2; tail -5 "$work/err" >&2; exit 1; }
}

# The manifest, and the state it changes: the N users without their seeded address.
{
	echo "apiVersion: umctl/v1"
	echo "contacts:"
	awk -v c="$C" -v dom="$DOM" -v ou="$OU" 'BEGIN { for (i = 1; i <= c; i++)
		printf "  - {sipAddress: \"sip:mbench-%04d@%s\", registrarPool: pool01.%s, ou: \"%s\", displayNumber: \"+479001%04d\", dialPlan: SipDP, autoAttendant: false}\n", i, dom, dom, ou, i }'
	echo "eum:"
	awk -v n="$N" 'BEGIN { for (j = 1; j <= n; j++) printf "  - {user: scale%06d, addresses: [{dialPlan: TelExtnDP, extension: \"%05d\"}]}\n", 3 * j, 40000 + j }'
} >"$work/um.yaml"
awk -v n="$N" -v base="$BASE" -v pc="$PC" 'BEGIN {
	for (j = 1; j <= n; j++) printf "dn: CN=scale%06d,OU=Scale Users,%s\nchangetype: modify\ndelete: proxyAddresses\nproxyAddresses: EUM:%05d;phone-context=%s\n-\n\n", 3 * j, base, 50000 + j, pc
}' >"$work/unenable.ldif"
ldap ldapmodify -f "$work/unenable.ldif" >/dev/null

# The changes as LDIF, from the plan.
umctl plan -f "$work/um.yaml" -o ldif
cp "$work/out" "$work/changes.ldif"
adds=$(grep -c '^changetype: add' "$work/changes.ldif" || true)
mods=$(grep -c '^changetype: modify' "$work/changes.ldif" || true)
[ "$adds" = "$C" ] && [ "$mods" = "$N" ] || { echo "plan -o ldif: $adds adds, $mods modifies, want $C and $N" >&2; exit 1; }
awk -v n="$N" -v base="$BASE" -v pc="$PC" 'BEGIN {
	for (j = 1; j <= n; j++) printf "dn: CN=scale%06d,OU=Scale Users,%s\nchangetype: modify\ndelete: proxyAddresses\nproxyAddresses: EUM:%05d;phone-context=%s\n-\ndelete: adminDescription\n-\n\n", 3 * j, base, 40000 + j, pc
}' >"$work/undo-eum.ldif"
contacts() { ldap ldapsearch -LLL -o ldif-wrap=no -b "$OU" -E pr=1000/noprompt "(&(objectClass=contact)(msRTCSIP-PrimaryUserAddress=sip:mbench-*))" 1.1; }
count() {
	local e c
	e=$(ldap ldapsearch -LLL -b "OU=Scale Users,$BASE" -E pr=1000/noprompt "(&(proxyAddresses=eum:4*;phone-context=$PC)(adminDescription=umctl-managed eum:4*))" 1.1 | grep -c '^dn:' || true)
	c=$(contacts | grep -c '^dn:' || true)
	echo "$e/$c"
}
check() { [ "$(count)" = "$N/$C" ] || { echo "$1 left $(count) recorded EUM addresses/contacts, want $N/$C" >&2; exit 1; }; }
# undo: the contacts (their DNs are new GUIDs each time) deleted, each user's address and record removed.
undo() {
	contacts | sed -n 's/^dn: \(.*\)/dn: \1\nchangetype: delete\n/p' >"$work/undo.ldif"
	cat "$work/undo-eum.ldif" >>"$work/undo.ldif"
	ldap ldapmodify -f "$work/undo.ldif" >/dev/null
	[ "$(count)" = "0/0" ] || { echo "undo left $(count)" >&2; exit 1; }
}

# sambapids: the lab's Samba processes (the session of its samba.pid).
sambapids() {
	local sid
	sid=$(ps -o sid= -p "$(cat "$DIR/run/samba.pid")" | tr -d ' ')
	ps -eo pid=,sid= | awk -v s="$sid" '$2 == s { print $1 }'
}
# sambacpu: CPU seconds the lab's Samba processes have used: the server's
# share of a run, which other load on the host moves less than the wall time.
sambacpu() {
	for p in $(sambapids); do awk '{ print $14 + $15 }' "/proc/$p/stat" 2>/dev/null || true; done |
		awk -v hz="$(getconf CLK_TCK)" '{ s += $1 } END { printf "%.2f", s / hz }'
}
# Pinning (PIN above): Samba's processes (all threads; workers it forks
# later inherit it), then this shell, whose children are the clients.
placement="unpinned"
if [ "$PIN" != 0 ] && [ "$CPUS" -ge 2 ] && command -v taskset >/dev/null; then
	# a worker that exits meanwhile is no reason to stop; KEEP=1 unpins Samba at the end
	for p in $(sambapids); do taskset -a -p -c 1 "$p" >/dev/null 2>&1 || true; done
	unpin() { for p in $(sambapids 2>/dev/null); do taskset -a -p -c "0-$((CPUS - 1))" "$p" >/dev/null 2>&1 || true; done; }
	if [ "$PIN" = shared ]; then
		taskset -p -c 1 $$ >/dev/null
		placement="Samba and the clients on CPU 1 (PIN=shared)"
	else
		taskset -p -c 0 $$ >/dev/null
		placement="Samba on CPU 1, the clients on CPU 0"
	fi
fi
# timed ARRAY CMD...: run CMD, add its wall time to ARRAY (and the Samba and
# client CPU seconds to ARRAY_srv, ARRAY_cli); print them with the load.
timed() {
	local -n into=$1 srv=${1}_srv cli=${1}_cli
	local name=$2 t0 c0 l cpu
	shift 2
	l=$(load); c0=$(sambacpu); t0=$(now)
	cpu=$( { TIMEFORMAT='%U %S'; time "$@" >/dev/null 2>"$work/err"; } 2>&1 ) || { echo "$name failed:" >&2; tail -5 "$work/err" >&2; exit 1; }
	into+=("$(secs "$t0" "$(now)")")
	srv+=("$(awk -v a="$c0" -v b="$(sambacpu)" 'BEGIN { printf "%.2f", b - a }')")
	cli+=("$(echo "$cpu" | awk '{ printf "%.2f", $1 + $2 }')")
	echo "  $name ${into[-1]} s; Samba CPU ${srv[-1]} s, client CPU ${cli[-1]} s (load $l)" >&2
}

echo "$("$UMCTL" version), $(date -u +%Y-%m-%d), $CPUS CPUs, $placement; USERS=$USERS N=$N C=$C ROUNDS=$ROUNDS RUNS=$RUNS" >&2
declare -a L M P S L_srv M_srv P_srv S_srv L_cli M_cli P_cli S_cli
run_ldapmodify() { timed L ldapmodify ldap ldapmodify -f "$work/changes.ldif"; check ldapmodify; }
run_apply() { timed M "umctl apply" timeout "$STEP_TIMEOUT" "$UMCTL" apply -f "$work/um.yaml"; check "umctl apply"; }
for r in $(seq 1 "$ROUNDS"); do
	echo "round $r:" >&2
	first=run_ldapmodify second=run_apply
	[ $((r % 2)) = 0 ] && first=run_apply second=run_ldapmodify
	$first
	undo
	$second
	[ "$r" = "$ROUNDS" ] || undo
done

# Applied: plan has nothing to do (exit 0, nothing written), against
# ldapsearch reading the same N users and C contacts.
search() {
	ldap ldapsearch -LLL -b "OU=Scale Users,$BASE" -E pr=1000/noprompt "(proxyAddresses=eum:4*;phone-context=$PC)" proxyAddresses adminDescription &&
		ldap ldapsearch -LLL -b "$OU" -E pr=1000/noprompt "(objectClass=contact)"
}
for i in $(seq 1 "$RUNS"); do
	before=$(usn)
	timed P "umctl plan" timeout "$STEP_TIMEOUT" "$UMCTL" plan -f "$work/um.yaml" # exit 0: nothing to do
	[ "$(usn)" = "$before" ] || { echo "plan of the applied manifest wrote" >&2; exit 1; }
	timed S ldapsearch search
done

ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", a / b }'; }
median() { printf '%s\n' "$@" | sort -n | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }
pairs=$(for i in "${!L[@]}"; do printf '%s ' "$(ratio "${M[$i]}" "${L[$i]}")"; done)
ml=$(median "${L[@]}"); mm=$(median "${M[@]}"); mp=$(median "${P[@]}"); ms=$(median "${S[@]}")
echo
echo "| manifest of $N EUM entries and $C contacts, $USERS-user lab (medians; $placement) | time |"
echo "|---|---|"
echo "| \`ldapmodify -f\` of \`plan -o ldif\` ($N modifies, $C adds) | $ml s |"
echo "| \`umctl apply -f\` | $mm s (ratio of the medians **$(ratio "$mm" "$ml")**; per round: ${pairs% }, median $(median $pairs)) |"
echo "| \`umctl plan -f\`, nothing to do | $mp s (ldapsearch of the same objects: $ms s, ratio $(ratio "$mp" "$ms")) |"
echo
echo "CPU seconds (medians): ldapmodify: Samba $(median "${L_srv[@]}"), client $(median "${L_cli[@]}"); umctl apply: Samba $(median "${M_srv[@]}"), client $(median "${M_cli[@]}");"
echo "umctl plan: Samba $(median "${P_srv[@]}"), client $(median "${P_cli[@]}"); ldapsearch: Samba $(median "${S_srv[@]}"), client $(median "${S_cli[@]}")."
echo "ldapmodify: ${L[*]} s; apply: ${M[*]} s; plan: ${P[*]} s; ldapsearch: ${S[*]} s; whole run $(($(date +%s) - T0)) s" >&2
