package ad

import (
	"context"
	"strings"
)

// SIPAddressOwner returns the DN of the user or contact that already uses a SIP
// address (as its SIP address or a proxy address), or "" when none does.
func (d *Dir) SIPAddressOwner(ctx context.Context, sip string) (string, error) {
	sip = withSIPScheme(sip)
	owners, err := d.FindSIPOwners(ctx, []string{sip})
	if err != nil {
		return "", err
	}
	if es := owners[strings.ToLower(sip)]; len(es) > 0 {
		return es[0].DN, nil
	}
	return "", nil
}

// NumberOwner returns the DN of the user or contact whose line URI is number,
// or "" when none.
func (d *Dir) NumberOwner(ctx context.Context, number string) (string, error) {
	owners, err := d.FindLineOwners(ctx, []string{number})
	if err != nil {
		return "", err
	}
	if es := owners[number]; len(es) > 0 {
		return es[0].DN, nil
	}
	return "", nil
}
