#!/usr/bin/env bash
# The umctl demo: bring up the lab domain controller (installing Samba if
# needed), point umctl at it, and run the commands an administrator would.
set -euo pipefail
cd "$(dirname "$0")/.."
[ "$(id -u)" = 0 ] || { echo "demo.sh: the lab domain controller needs root: run 'sudo make demo'" >&2; exit 2; }
UMCTL=./bin/umctl
step() { printf '\n\033[1m$ %s\033[0m\n' "$*"; }

step 'eval "$(umctl lab up --install)"'
eval "$("$UMCTL" lab up --install)"

step "umctl pool list"
"$UMCTL" pool list -o table
step "umctl dialplan list"
"$UMCTL" dialplan list -o table
step "umctl dialplan get SipDP"
"$UMCTL" dialplan get SipDP -o table
step "umctl dialplan list -o json | head -20"
"$UMCTL" dialplan list -o json | head -20

cat <<EOT

The lab keeps running. To continue by hand:
  eval "\$($UMCTL lab env)"     # points umctl (and ldapsearch with LDAPTLS_CACERT=\$UMCTL_CA_FILE) at it
  $UMCTL lab reset              # back to the seeded state
  $UMCTL lab down               # stop it
EOT
