// Command umctl provisions the Active Directory side of Exchange Unified
// Messaging with Lync/Skype for Business, and relays SIP calls to Exchange UM.
package main

import (
	"os"

	"github.com/umctl/umctl/internal/cli"
)

func main() { os.Exit(run(os.Args[1:], cli.System())) }
