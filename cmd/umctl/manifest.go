package main

import (
	"context"
	"errors"
	"fmt"
	"os"

	"github.com/spf13/cobra"

	"github.com/umctl/umctl/internal/ad"
	"github.com/umctl/umctl/internal/cli"
	"github.com/umctl/umctl/internal/manifest"
)

const manifestHelp = `A manifest (YAML or JSON, apiVersion umctl/v1) is the desired state of the UM
integration: sections ucutil, gateways, huntGroups, contacts and eum. Omitted
sections and attributes are not managed: left as they are, never shown in a
plan. Several -f files make one manifest; - reads standard input. Files larger
than 4 MiB, YAML anchors and aliases, unknown keys and wrong types are refused
(exit 2) with every problem listed as file:line: path: reason. 'umctl schema'
prints the JSON Schema.`

func newSchemaCmd(a *app) *cobra.Command {
	return &cobra.Command{
		Use:   "schema",
		Short: "Print the JSON Schema of umctl manifests (plan, apply, export)",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			_, err := a.io.Out.Write(manifest.Schema)
			return err
		},
	}
}

func newExportCmd(a *app) *cobra.Command {
	var sections []string
	cmd := &cobra.Command{
		Use:   "export [--section NAME]... [-o yaml|json]",
		Short: "Write the directory's current state as a manifest that plan reports unchanged",
		Long: `Write the directory's current UM state as a manifest (YAML, or -o json) on
standard output: how an existing deployment is adopted. 'umctl plan -f' of the
result plans nothing. ucutil is exported (enabled: true) only when 'umctl ucutil'
has nothing left to do.

` + manifestHelp,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if a.output != "" && a.output != "yaml" && a.output != "json" {
				return cli.FlagErrorf("invalid value %q for --output: expected yaml or json", a.output)
			}
			if err := manifest.CheckSections(sections); err != nil { // before connecting
				return err
			}
			return a.withDir(cmd, func(ctx context.Context, d *ad.Dir) error {
				m, warnings, err := manifest.Export(ctx, d, sections)
				if err != nil {
					return err
				}
				for _, w := range warnings {
					fmt.Fprintf(a.io.ErrOut, "warning: %s\n", cli.EscapeTerminal(w))
				}
				return manifest.Write(a.io.Out, m, a.output)
			})
		},
	}
	cmd.Flags().StringSliceVar(&sections, "section", nil, "export only these sections: ucutil, gateways, huntGroups, contacts, eum (repeatable)")
	_ = cmd.RegisterFlagCompletionFunc("section", cobra.FixedCompletions(manifest.Sections, cobra.ShellCompDirectiveNoFileComp))
	return cmd
}

// manifestFlags are the flags plan and apply share.
type manifestFlags struct {
	files  []string
	target string
	prune  bool
}

func (f *manifestFlags) register(cmd *cobra.Command) {
	cmd.Flags().StringArrayVarP(&f.files, "filename", "f", nil, "manifest file (YAML or JSON; repeatable; - = standard input)")
	cmd.Flags().StringVar(&f.target, "target", "", "only this entry: ucutil, SECTION or SECTION/NAME (gateways/NAME, huntGroups/NAME, contacts/SIP, eum/USER)")
	cmd.Flags().BoolVar(&f.prune, "prune", false, "also delete contacts and hunt groups marked adminDescription=umctl-managed, and remove EUM addresses umctl added to a listed user, that the manifest no longer lists")
	_ = cmd.MarkFlagRequired("filename")
}

func newPlanCmd(a *app) *cobra.Command {
	var f manifestFlags
	var detailed bool
	cmd := &cobra.Command{
		Use:   "plan -f FILE... [-o json|ldif] [--detailed-exitcode]",
		Short: "Show what apply would change to make the directory match a manifest (read-only)",
		Long: `Compare the directory with a manifest and print the changes apply would make:
a diff, -o json (every object with its action) or -o ldif. It writes nothing.

Exit codes: 0 nothing to do, 3 changes pending, 2 the manifest is invalid
(every problem listed), 4 authentication failed, 5 conflict.
--detailed-exitcode is accepted for Terraform users: these are always the codes.

` + manifestHelp,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return a.withManifestPlan(cmd, f, func(ctx context.Context, d *ad.Dir, p *ad.Plan) error {
				if err := d.CheckLimits(ctx, p); err != nil { // what apply would refuse: not a plan to pass CI with
					return err
				}
				if err := cli.PrintPlan(a.io, p, cli.PlanOptions{Format: a.output, DryRun: true, ShowUnchanged: a.output == "json" || a.output == "yaml", Compact: p.Pending() > 50, Verbose: a.verbose}); err != nil {
					return err
				}
				if p.Pending() > 0 {
					return &cli.SilentError{Code: cli.ExitPartial}
				}
				return nil
			})
		},
	}
	f.register(cmd)
	cmd.Flags().BoolVar(&detailed, "detailed-exitcode", false, "exit 3 when changes are pending (always so; for Terraform habits)")
	return cmd
}

func newApplyCmd(a *app) *cobra.Command {
	var f manifestFlags
	var m mutateFlags
	cmd := &cobra.Command{
		Use:   "apply -f FILE... [--target SECTION/NAME] [--dry-run]",
		Short: "Make the directory match a manifest: apply exactly what plan shows",
		Long: `Plan as 'umctl plan' does, print the plan, and apply it with progress on
standard error. Interrupted, a re-run converges; applied twice, the second run
writes nothing. --target limits it to one entry. --dry-run prints the plan and
writes nothing (as 'umctl plan' does; -o ldif for LDIF change records).

Contacts and hunt groups apply creates carry the ownership marker
adminDescription=umctl-managed. --prune also deletes marked ones the manifest
no longer lists (never unmarked ones: made by hand, by ucutil, or adopted with
export). EUM addresses are managed per listed user: apply records the ones it
adds in the user's adminDescription ("umctl-managed eum:ADDRESS;CONTEXT ..."),
and --prune removes only recorded ones the manifest no longer lists for that
user; users the manifest does not list are never touched. A plan with
deletions or removals asks first on a terminal and needs --yes otherwise.

` + manifestHelp,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if a.output == "ldif" && !m.dryRun {
				return cli.FlagErrorf("-o ldif prints a plan: use --dry-run, or 'umctl plan -o ldif'")
			}
			return a.withManifestPlan(cmd, f, func(ctx context.Context, d *ad.Dir, p *ad.Plan) error {
				r := planRun{mutateFlags: m}
				r.confirm = pruneQuestion(p)
				return a.runPlan(ctx, d, p, r)
			})
		},
	}
	f.register(cmd)
	m.register(cmd, false)
	cmd.Flags().BoolVarP(&m.yes, "yes", "y", false, "do not ask before deleting (--prune); required when not running interactively")
	return cmd
}

// withManifestPlan reads and checks the manifests, connects, plans, and runs fn
// with the plan. Invalid manifests list every problem on stderr and exit 2
// before anything is written.
func (a *app) withManifestPlan(cmd *cobra.Command, f manifestFlags, fn func(ctx context.Context, d *ad.Dir, p *ad.Plan) error) error {
	m, err := a.readManifests(f.files)
	if err != nil {
		return a.manifestError(err)
	}
	if err := manifest.CheckTarget(m, f.target, f.prune); err != nil { // before connecting: a typo plans nothing
		return err
	}
	return a.withDir(cmd, func(ctx context.Context, d *ad.Dir) error {
		p, err := manifest.Plan(ctx, d, m, manifest.Options{Target: f.target, Prune: f.prune})
		if err != nil {
			return a.manifestError(err)
		}
		return fn(ctx, d, p)
	})
}

// readManifests reads, checks and merges the -f files.
func (a *app) readManifests(files []string) (*manifest.Manifest, error) {
	all := &manifest.Manifest{APIVersion: manifest.APIVersion}
	var ps manifest.Problems
	for _, path := range files {
		m, err := a.readManifest(path)
		if err == nil {
			err = manifest.Check(m, path)
		}
		var more manifest.Problems
		if errors.As(err, &more) {
			ps = append(ps, more...)
			continue
		}
		if err != nil {
			return nil, err
		}
		if errors.As(all.Merge(m), &more) {
			ps = append(ps, more...)
		}
	}
	if len(ps) > 0 {
		return nil, ps
	}
	return all, manifest.Check(all, "")
}

func (a *app) readManifest(path string) (*manifest.Manifest, error) {
	if path == "-" {
		return manifest.Read("<stdin>", a.io.In)
	}
	file, err := os.Open(path)
	if err != nil {
		return nil, cli.FlagErrorf("-f %s: %v", path, err)
	}
	defer file.Close()
	return manifest.Read(path, file)
}

// manifestError prints a manifest's problems, one a line, and exits 2.
func (a *app) manifestError(err error) error {
	var ps manifest.Problems
	if !errors.As(err, &ps) {
		return err
	}
	for _, p := range ps {
		fmt.Fprintf(a.io.ErrOut, "%s\n", cli.EscapeTerminal(p.String()))
	}
	noun := "problems"
	if len(ps) == 1 {
		noun = "problem"
	}
	fmt.Fprintf(a.io.ErrOut, "umctl: the manifest is invalid (%d %s); nothing was written\n", len(ps), noun)
	return &cli.SilentError{Code: cli.ExitUsage}
}

// pruneQuestion is the confirmation a plan with deletions or EUM removals
// needs ("" when it has none).
func pruneQuestion(p *ad.Plan) string {
	_, _, del, _ := p.Counts()
	removals := manifest.EUMRemovals(p)
	switch {
	case del > 0 && removals > 0:
		return fmt.Sprintf("Delete %d objects and remove %d EUM addresses?", del, removals)
	case del > 0:
		return fmt.Sprintf("Delete %d objects?", del)
	case removals > 0:
		return fmt.Sprintf("Remove %d EUM addresses?", removals)
	}
	return ""
}
