package cli

import (
	"fmt"
	"io"
	"strings"

	"github.com/go-ldap/ldap/v3"
	"github.com/go-ldap/ldif"

	"github.com/umctl/umctl/internal/ad"
)

// PlanOptions say how a plan is printed.
type PlanOptions struct {
	Format        string // "", table, tsv: human; json; yaml; ldif
	DryRun        bool
	ShowUnchanged bool
	// Compact prints one line per change, without attribute values (bulk plans).
	Compact bool
	// Verbose prints every warning (alike ones are otherwise summarised).
	Verbose bool
}

// PrintPlan writes a plan: a human diff (Terraform-style), JSON/YAML (the
// plan itself, with per-change status after apply), or LDIF change records.
func PrintPlan(s *IOStreams, p *ad.Plan, o PlanOptions) error {
	if p.Changes == nil { // "changes": [] for scripts, not null
		p.Changes = []*ad.Change{}
	}
	switch o.Format {
	case "json":
		return WriteJSON(s.Out, p)
	case "yaml":
		return WriteYAML(s.Out, p)
	case "ldif":
		PrintWarnings(s, p, 0, o.Verbose)
		return writePlanLDIF(s.Out, p)
	}
	w := s.Out
	for _, c := range p.Changes {
		sign := map[ad.Action]string{ad.ActionAdd: "+", ad.ActionModify: "~", ad.ActionDelete: "-", ad.ActionUnchanged: "="}[c.Action]
		if c.Action == ad.ActionUnchanged {
			if o.ShowUnchanged {
				fmt.Fprintf(w, "%s %s %s (unchanged)\n", sign, c.Kind, EscapeTerminal(c.DN))
			}
			continue
		}
		fmt.Fprintf(w, "%s %s %s\n", sign, c.Kind, EscapeTerminal(c.DN))
		if o.Compact {
			continue
		}
		for _, d := range c.Diffs {
			switch {
			case c.Kind == "permission":
				for _, v := range d.New {
					fmt.Fprintf(w, "    + ACE %s\n", EscapeTerminal(v))
				}
			case c.Action == ad.ActionDelete: // what goes: a contact's SIP address and number
				fmt.Fprintf(w, "    %s: %s\n", d.Name, EscapeTerminal(strings.Join(d.Old, ", ")))
			case c.Action == ad.ActionAdd:
				if d.Name != "objectClass" && d.Name != "cn" {
					fmt.Fprintf(w, "    %s: %s\n", d.Name, EscapeTerminal(strings.Join(d.New, ", ")))
				}
			default:
				fmt.Fprintf(w, "    %s: %s -> %s\n", d.Name, quoteVals(d.Old), quoteVals(d.New))
			}
		}
	}
	PrintWarnings(s, p, 0, o.Verbose)
	add, mod, del, same := p.Counts()
	suffix := ""
	if o.DryRun {
		suffix = " (dry run: nothing written)"
	}
	if add+mod+del == 0 {
		fmt.Fprintf(w, "No changes: %d unchanged.%s\n", same, suffix)
		return nil
	}
	fmt.Fprintf(w, "Plan: %d to add, %d to change, %d to delete, %d unchanged.%s\n", add, mod, del, same, suffix)
	return nil
}

func quoteVals(v []string) string {
	if len(v) == 0 {
		return "(none)"
	}
	q := make([]string, len(v))
	for i, s := range v {
		q[i] = fmt.Sprintf("%q", s)
	}
	return EscapeTerminal(strings.Join(q, ", "))
}

// writePlanLDIF renders adds, modifies and deletes as LDIF change records;
// read-modify-write changes (security descriptors) are described in comments.
func writePlanLDIF(w io.Writer, p *ad.Plan) error {
	for _, c := range p.Changes {
		var rec any
		switch c.Action {
		case ad.ActionUnchanged:
			continue
		case ad.ActionAdd:
			req := ldap.NewAddRequest(c.DN, nil)
			for _, d := range c.Diffs {
				req.Attribute(d.Name, d.New)
			}
			rec = req
		case ad.ActionDelete:
			rec = ldap.NewDelRequest(c.DN, nil)
		case ad.ActionModify:
			if c.Kind == "permission" {
				fmt.Fprintf(w, "# dn: %s\n# nTSecurityDescriptor: add these ACEs to the DACL (written with the SD flags control, DACL only):\n", c.DN)
				for _, d := range c.Diffs {
					for _, v := range d.New {
						fmt.Fprintf(w, "#   %s\n", v)
					}
				}
				fmt.Fprintln(w)
				continue
			}
			req := ldap.NewModifyRequest(c.DN, nil)
			for _, d := range c.Diffs {
				if len(d.Old) > 0 {
					req.Delete(d.Name, d.Old)
				}
				if len(d.New) > 0 {
					req.Add(d.Name, d.New)
				}
			}
			rec = req
		}
		if err := ldif.Dump(w, 0, rec); err != nil { // ends the record with its blank line
			return err
		}
	}
	return nil
}
