package ad_test

import (
	"context"
	"strings"
	"testing"

	"github.com/umctl/umctl/internal/labtest"
)

// The lab's two UM servers (EX1 serves three dial plans, EX2 one) with their FQDNs.
func TestUMServers(t *testing.T) {
	d := labtest.Dial(t)
	servers, err := d.UMServers(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if len(servers) != 2 || servers[0].Name != "EX1" || servers[1].Name != "EX2" || len(servers[0].DialPlans) != 3 || len(servers[1].DialPlans) != 1 ||
		!strings.HasPrefix(servers[0].FQDN, "ex1.") || !strings.HasPrefix(servers[1].FQDN, "ex2.") {
		t.Fatalf("%+v", servers)
	}
}
