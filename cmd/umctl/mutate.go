package main

import (
	"context"
	"errors"
	"fmt"

	"github.com/spf13/cobra"

	"github.com/umctl/umctl/internal/ad"
	"github.com/umctl/umctl/internal/cli"
)

// mutateFlags are the flags of every command that changes the directory.
type mutateFlags struct {
	dryRun bool
	yes    bool
}

func (m *mutateFlags) register(cmd *cobra.Command, confirm bool) {
	cmd.Flags().BoolVar(&m.dryRun, "dry-run", false, "print the plan (-o ldif for LDIF change records) and write nothing")
	if confirm {
		cmd.Flags().BoolVarP(&m.yes, "yes", "y", false, "do not ask for confirmation (required when not running interactively)")
	}
}

// planRun says how runPlan treats a plan.
type planRun struct {
	mutateFlags
	confirm       string // non-empty: ask this question on a terminal, or require --yes
	showUnchanged bool
	result        any // printed instead of the plan for -o json/yaml (it embeds the plan)
}

// runPlan prints a plan and, unless --dry-run, applies it: progress on stderr,
// results on stdout (-o json/yaml: the plan with a status per change).
func (a *app) runPlan(ctx context.Context, d *ad.Dir, p *ad.Plan, r planRun) error {
	if r.confirm != "" && !r.yes && !r.dryRun && p.Pending() > 0 && !a.io.CanPrompt() {
		return cli.FlagErrorf("--yes is required when not running interactively")
	}
	if err := d.CheckLimits(ctx, p); err != nil { // before the plan is shown: it cannot be applied
		return err
	}
	human := a.output != "json" && a.output != "yaml"
	print := func() error {
		if r.result != nil && !human {
			return cli.Print(a.io, a.output, r.result, cli.Table{})
		}
		return cli.PrintPlan(a.io, p, cli.PlanOptions{Format: a.output, DryRun: r.dryRun, ShowUnchanged: r.showUnchanged, Compact: p.Pending() > 20, Verbose: a.verbose})
	}
	if r.dryRun || p.Pending() == 0 || human {
		if err := print(); err != nil {
			return err
		}
	}
	if r.dryRun || p.Pending() == 0 {
		return nil
	}
	if a.output == "ldif" {
		return cli.FlagErrorf("-o ldif prints a plan: add --dry-run (umctl does not apply LDIF output)")
	}
	if r.confirm != "" && !r.yes {
		ok, err := a.prompter.Confirm(r.confirm, false)
		if err != nil {
			return err
		}
		if !ok { // a "no" is an answer, not an interruption
			fmt.Fprintln(a.io.ErrOut, "Nothing done.")
			return nil
		}
	}
	warned := len(p.Warnings)
	err, serr := d.ApplySettled(ctx, p, a.progress)
	if serr != nil { // a concurrent run wrote the same unique value first
		if err != nil {
			fmt.Fprintf(a.io.ErrOut, "Error: %v\n", err)
		}
		err = serr
	}
	if !human {
		if perr := print(); perr != nil {
			return perr
		}
	}
	if errors.Is(err, ad.ErrConflict) {
		return cli.WithCode(cli.ExitConflict, err)
	}
	if err != nil {
		return err
	}
	add, mod, del, _ := p.Counts()
	fmt.Fprintf(a.io.ErrOut, "Applied: %d added, %d changed, %d deleted.\n", add, mod, del)
	cli.PrintWarnings(a.io, p, warned, a.verbose)
	return nil
}

// progress reports applied changes on stderr: every change for small plans, a
// line per 10 % for bulk ones (a self-updating line on a terminal); failures always.
func (a *app) progress(done, total int, c *ad.Change) {
	if c.Status == ad.StatusFailed {
		fmt.Fprintf(a.io.ErrOut, "[%d/%d] %s %s %s: FAILED: %s\n", done, total, c.Action, c.Kind, cli.EscapeTerminal(c.DN), c.Error)
		return
	}
	switch {
	case total <= 20:
		fmt.Fprintf(a.io.ErrOut, "[%d/%d] %s %s %s: ok\n", done, total, c.Action, c.Kind, cli.EscapeTerminal(c.DN))
	case a.io.IsStderrTTY():
		fmt.Fprintf(a.io.ErrOut, "\rapplying %d/%d", done, total)
		if done == total {
			fmt.Fprintln(a.io.ErrOut)
		}
	case done%(total/10) == 0 || done == total:
		fmt.Fprintf(a.io.ErrOut, "applied %d/%d\n", done, total)
	}
}
