package ad

import (
	"context"
	"errors"
	"fmt"
	"os"
	"strconv"
	"strings"
	"sync"

	"github.com/go-ldap/ldap/v3"
)

// Every change to the directory is observe → plan → apply: commands compute a
// Plan from what they read, print it, and (unless --dry-run) apply it.

// Action is what a Change does to its object.
type Action string

// Actions of a Change.
const (
	ActionAdd       Action = "add"
	ActionModify    Action = "modify"
	ActionDelete    Action = "delete"
	ActionUnchanged Action = "unchanged"
)

// Status is what became of a Change when the plan was applied.
type Status string

// Statuses of an applied Change ("" = not applied yet).
const (
	StatusDone    Status = "done"
	StatusFailed  Status = "failed"
	StatusSkipped Status = "skipped"
)

// ErrConflict means the directory changed between plan and apply: a modify
// carried the old values and the server no longer had them. Nothing was overwritten.
var ErrConflict = errors.New("conflict")

// AttrDiff is one attribute's old and new values.
type AttrDiff struct {
	Name string   `json:"attribute"`
	Old  []string `json:"old,omitempty"`
	New  []string `json:"new,omitempty"`
}

// Change is one object's planned change.
type Change struct {
	Action Action     `json:"action"`
	Kind   string     `json:"kind"`
	DN     string     `json:"dn"`
	Diffs  []AttrDiff `json:"changes,omitempty"`
	Status Status     `json:"status,omitempty"` // after apply
	Error  string     `json:"error,omitempty"`

	req   any                                     // *ldap.AddRequest, *ldap.ModifyRequest or *ldap.DelRequest
	undo  any                                     // what reverses req (see ApplySettled): *ldap.DelRequest or *ldap.ModifyRequest
	apply func(ctx context.Context, d *Dir) error // read-modify-write changes (security descriptors)
	via   *Dir                                    // the DC of another domain that takes it (route.go), or nil
}

// Plan is an ordered list of changes (parents before children).
type Plan struct {
	Changes  []*Change `json:"changes"`
	Warnings []string  `json:"warnings,omitempty"`
	// Independent says the changes touch distinct objects in no particular
	// order (bulk work), so Apply may send them over several connections.
	Independent bool `json:"-"`
	// Claims are the unique values the changes give objects, re-checked by
	// ApplySettled after they are written.
	Claims []*Claim `json:"-"`

	warnFormats []string // the format of each warning Warnf made
}

// Pending counts the changes that would write.
func (p *Plan) Pending() int {
	n := 0
	for _, c := range p.Changes {
		if c.Action != ActionUnchanged {
			n++
		}
	}
	return n
}

// Counts returns how many adds, modifies, deletes and unchanged objects the plan has.
func (p *Plan) Counts() (add, mod, del, same int) {
	for _, c := range p.Changes {
		switch c.Action {
		case ActionAdd:
			add++
		case ActionModify:
			mod++
		case ActionDelete:
			del++
		default:
			same++
		}
	}
	return
}

// Warnf adds a warning to the plan.
func (p *Plan) Warnf(format string, a ...any) {
	p.Warnings = append(p.Warnings, fmt.Sprintf(format, a...))
	p.warnFormats = append(p.warnFormats, format)
}

// WarningFormat is the format warning i was made with, "" when unknown (a
// plan read back from JSON): warnings of one format are alike, one per
// object, and a printer may summarise them.
func (p *Plan) WarningFormat(i int) string {
	if i < 0 || i >= len(p.warnFormats) || len(p.warnFormats) != len(p.Warnings) {
		return ""
	}
	return p.warnFormats[i]
}

// Unchanged records an object that is already as wanted.
func (p *Plan) Unchanged(kind, dn string) {
	p.Changes = append(p.Changes, &Change{Action: ActionUnchanged, Kind: kind, DN: dn})
}

// Attr is one attribute of a desired object; an empty Vals means "must not be set".
type Attr struct {
	Name string
	Vals []string
}

// Add plans the creation of an object.
func (p *Plan) Add(kind, dn string, attrs []Attr) {
	req := ldap.NewAddRequest(dn, nil)
	c := &Change{Action: ActionAdd, Kind: kind, DN: dn, req: req, undo: ldap.NewDelRequest(dn, nil)}
	for _, a := range attrs {
		if len(a.Vals) == 0 {
			continue
		}
		req.Attribute(a.Name, a.Vals)
		c.Diffs = append(c.Diffs, AttrDiff{Name: a.Name, New: a.Vals})
	}
	p.Changes = append(p.Changes, c)
}

// Update plans a modification of an observed entry towards the wanted
// attributes, or records it unchanged. Each changed attribute is sent as
// "delete the old values, add the new" in one request, so the write fails with
// ErrConflict rather than overwrite a value someone else changed since it was read.
func (p *Plan) Update(kind string, observed *ldap.Entry, want []Attr) {
	req, undo := ldap.NewModifyRequest(observed.DN, nil), ldap.NewModifyRequest(observed.DN, nil)
	c := &Change{Action: ActionModify, Kind: kind, DN: observed.DN, req: req, undo: undo}
	for _, a := range want {
		old := observed.GetAttributeValues(a.Name)
		if sameValues(old, a.Vals) {
			continue
		}
		if namesDeleted(old) {
			req.Replace(a.Name, a.Vals) // a delete cannot match a link to a deleted object
			undo.Replace(a.Name, old)
			c.Diffs = append(c.Diffs, AttrDiff{Name: a.Name, Old: old, New: a.Vals})
			continue
		}
		if len(old) > 0 {
			req.Delete(a.Name, old)
		}
		if len(a.Vals) > 0 {
			req.Add(a.Name, a.Vals)
			undo.Delete(a.Name, a.Vals)
		}
		if len(old) > 0 {
			undo.Add(a.Name, old)
		}
		c.Diffs = append(c.Diffs, AttrDiff{Name: a.Name, Old: old, New: a.Vals})
	}
	if len(c.Diffs) == 0 {
		p.Unchanged(kind, observed.DN)
		return
	}
	p.Changes = append(p.Changes, c)
}

// namesDeleted reports DN values that name a deleted object (its RDN carries
// "\0ADEL:<guid>", as a DN attribute reads after its target was deleted): the
// directory matches no delete of such a value, so Update replaces the attribute.
func namesDeleted(vals []string) bool {
	for _, v := range vals {
		if strings.Contains(strings.ToUpper(v), `\0ADEL:`) {
			return true
		}
	}
	return false
}

// Delete plans the removal of an object.
func (p *Plan) Delete(kind, dn string) {
	p.Changes = append(p.Changes, &Change{Action: ActionDelete, Kind: kind, DN: dn, req: ldap.NewDelRequest(dn, nil)})
}

// Custom plans a change applied by fn (a read-modify-write at apply time).
func (p *Plan) Custom(action Action, kind, dn string, diffs []AttrDiff, fn func(ctx context.Context, d *Dir) error) {
	p.Changes = append(p.Changes, &Change{Action: action, Kind: kind, DN: dn, Diffs: diffs, apply: fn})
}

// sameValues compares value sets: order does not matter, DNs compare as DNs
// (case-insensitively), everything else exactly.
func sameValues(a, b []string) bool {
	if len(a) != len(b) {
		return false
	}
	used := make([]bool, len(b))
	for _, x := range a {
		found := false
		for j, y := range b {
			if !used[j] && valueEqual(x, y) {
				used[j], found = true, true
				break
			}
		}
		if !found {
			return false
		}
	}
	return true
}

func valueEqual(a, b string) bool {
	if a == b {
		return true
	}
	if strings.Contains(a, "=") && strings.Contains(b, "=") {
		da, err1 := ldap.ParseDN(a)
		db, err2 := ldap.ParseDN(b)
		return err1 == nil && err2 == nil && da.EqualFold(db)
	}
	return false
}

// Apply sends the pending changes in order and stops at the first failure
// (a re-run converges). progress, if set, is called after each change. An
// Independent plan of more than 100 changes is sent over ApplyConnections
// connections at once (a Samba or AD DC serves each connection in one worker).
func (d *Dir) Apply(ctx context.Context, p *Plan, progress func(done, total int, c *Change)) error {
	var pending []*Change
	for _, c := range p.Changes {
		if c.Action != ActionUnchanged {
			pending = append(pending, c)
		}
	}
	if err := d.routeChanges(ctx, pending); err != nil {
		for _, c := range pending {
			c.Status = StatusSkipped
		}
		return err
	}
	conns := []*Dir{d}
	if p.Independent && len(pending) > 100 {
		for i := 1; i < ApplyConnections; i++ {
			extra, err := Dial(ctx, d.settings)
			if err != nil {
				break // fewer connections still work
			}
			defer extra.Close()
			conns = append(conns, extra)
		}
		// Pipelining: several requests in flight on each connection, so the DC
		// always has the next one queued while a response travels back.
		var piped []*Dir
		for i := 0; i < ApplyPipeline; i++ {
			piped = append(piped, conns...)
		}
		conns = piped
	}
	var (
		mu     sync.Mutex
		done   int
		failed error
		wg     sync.WaitGroup
	)
	next := make(chan *Change)
	order := sameObjectOrder{}
	for _, conn := range conns {
		wg.Add(1)
		go func(conn *Dir) {
			defer wg.Done()
			for c := range next {
				order.wait(c)
				err := c.writer(conn).applyOne(ctx, c) // conn, or the DC of the object's domain
				order.done(c)
				mu.Lock()
				done++
				if err != nil {
					c.Status, c.Error = StatusFailed, err.Error()
					if failed == nil {
						failed = fmt.Errorf("%s %s %s: %w", c.Action, c.Kind, c.DN, classify(err))
					}
				} else {
					c.Status = StatusDone
				}
				if progress != nil {
					progress(done, len(pending), c)
				}
				mu.Unlock()
			}
		}(conn)
	}
	for _, c := range pending {
		mu.Lock()
		stop := failed != nil || ctx.Err() != nil
		mu.Unlock()
		if stop {
			c.Status = StatusSkipped
			continue
		}
		order.add(c)
		next <- c
	}
	close(next)
	wg.Wait()
	if failed == nil && ctx.Err() != nil {
		return ctx.Err()
	}
	return failed
}

// ApplyConnections is how many connections an Independent bulk plan uses, and
// ApplyPipeline how many requests are in flight on each.
var (
	ApplyConnections = envInt("UMCTL_APPLY_CONNECTIONS", 1)
	ApplyPipeline    = envInt("UMCTL_APPLY_PIPELINE", 4)
)

func (d *Dir) applyOne(ctx context.Context, c *Change) error {
	switch r := c.req.(type) {
	case *ldap.AddRequest:
		return d.req().Add(r)
	case *ldap.ModifyRequest:
		return d.req().Modify(r)
	case *ldap.DelRequest:
		return d.req().Del(r)
	}
	return c.apply(ctx, d)
}

// classify maps the LDAP results that mean "someone else changed it" to ErrConflict.
func classify(err error) error {
	switch {
	case ldap.IsErrorWithCode(err, ldap.LDAPResultNoSuchAttribute),
		ldap.IsErrorWithCode(err, ldap.LDAPResultEntryAlreadyExists),
		ldap.IsErrorWithCode(err, ldap.LDAPResultAttributeOrValueExists):
		return fmt.Errorf("%w: the directory changed since it was read (nothing was overwritten; run again): %v", ErrConflict, err)
	case ldap.IsErrorWithCode(err, ldap.LDAPResultInsufficientAccessRights):
		return fmt.Errorf("insufficient access rights: %v", err)
	}
	return err
}

func envInt(name string, def int) int {
	if n, err := strconv.Atoi(os.Getenv(name)); err == nil && n >= 1 && n <= 32 {
		return n
	}
	return def
}
