#!/usr/bin/env bash
# The umctl demo: bring up the lab domain controller (installing Samba if
# needed), point umctl at it, and run the commands an administrator would.
set -euo pipefail
cd "$(dirname "$0")/.."
[ "$(id -u)" = 0 ] || { echo "demo.sh: the lab domain controller needs root: run 'sudo make demo'" >&2; exit 2; }
UMCTL=./bin/umctl
step() { printf '\n\033[1m$ %s\033[0m\n' "$*"; }

step 'eval "$(umctl lab up --install)"'
env_lines=$("$UMCTL" lab up --install) # a failure stops the demo here (set -e)
eval "$env_lines"

step "umctl pool list"
"$UMCTL" pool list -o table
step "umctl dialplan list"
"$UMCTL" dialplan list -o table
step "umctl dialplan get SipDP"
"$UMCTL" dialplan get SipDP -o table
step "umctl dialplan list -o json | head -20"
"$UMCTL" dialplan list -o json | head -20

# The ExchUCUtil replacement: start from the seeded state so the demo shows a first run.
"$UMCTL" lab reset >/dev/null
step "umctl ucutil --dry-run        # what ExchUCUtil.ps1 would do, as a plan"
"$UMCTL" ucutil --dry-run
step "umctl ucutil                  # apply it"
"$UMCTL" ucutil
step "umctl ucutil                  # a second run writes nothing"
"$UMCTL" ucutil
step "umctl gateway list"
"$UMCTL" gateway list -o table
step "umctl huntgroup list"
"$UMCTL" huntgroup list -o table
step "umctl permission list"
"$UMCTL" permission list -o table

step "umctl contact new … (a subscriber access contact for SipDP)"
"$UMCTL" contact new --sip-address sip:ova@lab.umctl.test --registrar-pool pool01.lab.umctl.test \
	--ou OU=ExUmContacts,DC=lab,DC=umctl,DC=test --display-number +4790000100 --dial-plan SipDP
step "umctl contact get"
"$UMCTL" contact get -o table

step "umctl eum check              # the lab seeds one defect of each kind"
"$UMCTL" eum check -o table || true
step "umctl eum find 30021 --dial-plan TelExtnDP"
"$UMCTL" eum find 30021 --dial-plan TelExtnDP -o table || true

cat <<EOT

The lab keeps running. To continue by hand:
  eval "\$($UMCTL lab env)"     # points umctl (and ldapsearch with LDAPTLS_CACERT=\$UMCTL_CA_FILE) at it
  $UMCTL lab reset              # back to the seeded state
  $UMCTL lab down               # stop it
EOT
