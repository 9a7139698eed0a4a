package sip

import "fmt"

func (g *GraphPresence) check() error {
	return fmt.Errorf("presence.sources: graph is not available in this build yet")
}
