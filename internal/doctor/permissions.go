package doctor

import (
	"context"
	"errors"
	"fmt"

	"github.com/umctl/umctl/internal/ad"
)

// permissions: the read permissions ExchUCUtil grants the RTC groups, missing.
type permissions struct{}

func (permissions) ID() string { return "permissions" }
func (permissions) Title() string {
	return "ACEs that ucutil (ExchUCUtil) grants the RTC groups on the UM containers, missing"
}

func (permissions) Run(ctx context.Context, env *Env) ([]Finding, error) {
	trustees, err := env.Dir.RTCTrustees(ctx)
	if errors.Is(err, ad.ErrNotFound) {
		return []Finding{{Severity: Error, Object: "RTC groups", Problem: err.Error()}}, nil
	}
	if err != nil {
		return nil, err
	}
	perms, err := env.Dir.Permissions(ctx, trustees, false)
	if err != nil {
		return nil, err
	}
	var out []Finding
	for _, p := range perms {
		if p.Present {
			continue
		}
		out = append(out, Finding{Severity: Error, Object: ad.FirstRDNValue(p.Object), DN: p.Object,
			Problem: fmt.Sprintf("%s lacks %s (%s): Lync cannot read the UM dial plans and auto attendants without it", p.Trustee, p.Rights, p.Inherit),
			Fix:     Command("ucutil")})
	}
	return out, nil
}
