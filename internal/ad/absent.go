package ad

import (
	"errors"
	"strings"
)

// absent makes a removal of something that is not there a no-op: the
// directory is already as asked, so the plan stays empty (a second run of a
// remove reports unchanged, exit 0) and says on stderr what it did not find,
// as a typo would show. Any other error is returned.
func absent(p *Plan, err error) error {
	if !errors.Is(err, ErrNotFound) {
		return err
	}
	p.Warnf("%s: nothing to remove", strings.TrimPrefix(err.Error(), ErrNotFound.Error()+": "))
	return nil
}
