#!/usr/bin/env bash
# Benchmark: provision N EUM proxy addresses (default 5000) on N seeded users with
# `umctl eum add --from-csv`, and the same changes as LDIF with `ldapmodify`, each
# against the same freshly reset lab DC, alternating for ROUNDS rounds; then the
# umctl re-run on unchanged state (must write nothing). Prints times and ratios.
# Needs root (the lab). Loopback only: a dedicated lab on 127.0.0.5.
set -euo pipefail
cd "$(dirname "$0")/.."
N=${N:-5000}
ROUNDS=${ROUNDS:-2}
DIR=${BENCH_LAB_DIR:-/tmp/umctl-bench-lab}
ADDR=${BENCH_LAB_ADDRESS:-127.0.0.5}
UMCTL=./bin/umctl
[ -x "$UMCTL" ] || go build -o "$UMCTL" ./cmd/umctl
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

eval "$("$UMCTL" lab up --dir "$DIR" --address "$ADDR" 2>/dev/null)"
BASE=DC=lab,DC=umctl,DC=test
PC=TelExtnDP.lab.umctl.test
awk -v n="$N" -v base="$BASE" 'BEGIN {
	printf "dn: OU=Bench,%s\nchangetype: add\nobjectClass: organizationalUnit\n\n", base
	for (i = 1; i <= n; i++) printf "dn: CN=bench%05d,OU=Bench,%s\nchangetype: add\nobjectClass: user\nsAMAccountName: b%05d\nuserPrincipalName: bench%05d@lab.umctl.test\nmsRTCSIP-PrimaryUserAddress: sip:bench%05d@lab.umctl.test\n\n", i, base, i, i, i
}' >"$work/users.ldif"
awk -v n="$N" 'BEGIN { print "user,dial_plan,extension"; for (i = 1; i <= n; i++) printf "b%05d,TelExtnDP,%05d\n", i, 40000 + i }' >"$work/eum.csv"
awk -v n="$N" -v base="$BASE" -v pc="$PC" 'BEGIN {
	for (i = 1; i <= n; i++) printf "dn: CN=bench%05d,OU=Bench,%s\nchangetype: modify\nadd: proxyAddresses\nproxyAddresses: EUM:%05d;phone-context=%s\n-\n\n", i, base, 40000 + i, pc
}' >"$work/eum.ldif"

ldap() { LDAPTLS_CACERT="$UMCTL_CA_FILE" "$@" -H "$UMCTL_SERVER" -x -D "$UMCTL_BIND_DN" -y "$work/pw"; }
( umask 077; printf "%s" "$UMCTL_BIND_PASSWORD" >"$work/pw" )
usn() { ldap ldapsearch -LLL -b "" -s base highestCommittedUSN | sed -n 's/^highestCommittedUSN: //p'; }
fresh() { # reset to the seed, then add the N users (not timed)
	"$UMCTL" lab reset --dir "$DIR" >/dev/null 2>&1
	ldap ldapmodify -f "$work/users.ldif" >/dev/null 2>&1
}
now() { date +%s.%N; }
secs() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", b - a }'; }
count() { ldap ldapsearch -LLL -b "OU=Bench,$BASE" "(proxyAddresses=eum:*;phone-context=$PC)" dn | grep -c '^dn:'; }

declare -a L U R
for r in $(seq 1 "$ROUNDS"); do
	fresh
	t0=$(now); ldap ldapmodify -f "$work/eum.ldif" >/dev/null; t1=$(now)
	L+=("$(secs "$t0" "$t1")"); [ "$(count)" = "$N" ] || { echo "ldapmodify wrote $(count) of $N" >&2; exit 1; }
	fresh
	t0=$(now); "$UMCTL" eum add --from-csv "$work/eum.csv" >/dev/null 2>"$work/umctl.err"; t1=$(now)
	U+=("$(secs "$t0" "$t1")"); [ "$(count)" = "$N" ] || { echo "umctl wrote $(count) of $N" >&2; cat "$work/umctl.err" >&2; exit 1; }
	before=$(usn)
	t0=$(now); "$UMCTL" eum add --from-csv "$work/eum.csv" >/dev/null 2>&1; t1=$(now)
	R+=("$(secs "$t0" "$t1")"); [ "$(usn)" = "$before" ] || { echo "the re-run wrote (highestCommittedUSN $before -> $(usn))" >&2; exit 1; }
	echo "round $r: ldapmodify ${L[-1]} s, umctl ${U[-1]} s (ratio $(awk -v u="${U[-1]}" -v l="${L[-1]}" 'BEGIN{printf "%.3f", u/l}')), umctl re-run ${R[-1]} s, 0 writes" >&2
done
best() { printf '%s\n' "$@" | sort -n | head -1; }
bl=$(best "${L[@]}"); bu=$(best "${U[@]}"); br=$(best "${R[@]}")
echo "N=$N rounds=$ROUNDS (best of each)"
echo "ldapmodify:      $bl s"
echo "umctl eum add:   $bu s"
echo "ratio umctl/ldapmodify: $(awk -v u="$bu" -v l="$bl" 'BEGIN{printf "%.3f", u/l}') (target <= 1.1)"
echo "umctl re-run on unchanged state: $br s, 0 writes (highestCommittedUSN unchanged)"
"$UMCTL" lab down --dir "$DIR" >/dev/null 2>&1
