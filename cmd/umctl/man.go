package main

import (
	"os"
	"strings"

	"github.com/spf13/cobra"
	"github.com/spf13/cobra/doc"
	"github.com/spf13/pflag"

	"github.com/umctl/umctl/internal/cli"
)

// newManCmd writes the man pages (section 1) of every command into a
// directory, with cobra's generator. `make man` runs it into man/, which is
// committed; TestManPagesUpToDate checks that it is current.
func newManCmd(a *app) *cobra.Command {
	return &cobra.Command{
		Use:    "man DIR",
		Short:  "Write the man pages of every command into DIR (umctl.1, umctl-contact-new.1, …)",
		Hidden: true,
		Args:   cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := os.MkdirAll(args[0], 0o755); err != nil {
				return err
			}
			return writeManPages(cmd.Root(), args[0])
		},
	}
}

// writeManPages generates the pages. The help topics (exit codes, environment)
// become sections of umctl.1, as EXIT STATUS and ENVIRONMENT are in man pages.
// The date is the month (SOURCE_DATE_EPOCH, else now); nothing else varies.
func writeManPages(root *cobra.Command, dir string) error {
	root.DisableAutoGenTag = true
	root.Long += "\n\nENVIRONMENT\n\n" + environmentHelp + "\nEXIT STATUS\n\n" + cli.ExitCodesHelp
	walkTree(root, func(c *cobra.Command) {
		c.Short, c.Long = manText(c.Short), manText(c.Long)
		c.LocalFlags().VisitAll(func(f *pflag.Flag) { f.Usage = manText(f.Usage) })
	})
	root.PersistentFlags().VisitAll(func(f *pflag.Flag) { f.Usage = manText(f.Usage) })
	return doc.GenManTree(root, &doc.GenManHeader{Title: "UMCTL", Section: "1", Source: "umctl", Manual: "umctl manual"}, dir)
}

// manText turns help text into the Markdown the generator expects, so that it
// reads as in --help: indented lines (examples, tables) stay as they are, in
// preformatted blocks, and elsewhere characters Markdown would take as markup
// (*, _, <…>, `) are escaped.
func manText(s string) string {
	var out []string
	inBlock := false
	for _, line := range strings.Split(s, "\n") {
		indented := strings.HasPrefix(line, "  ") || strings.HasPrefix(line, "\t")
		switch {
		case indented && !inBlock:
			if len(out) > 0 && out[len(out)-1] != "" {
				out = append(out, "")
			}
			inBlock = true
			out = append(out, "    "+line)
		case indented || (inBlock && line == ""):
			out = append(out, "    "+line)
		default:
			if inBlock {
				out[len(out)-1] = strings.TrimRight(out[len(out)-1], " ")
				if out[len(out)-1] != "" {
					out = append(out, "")
				}
				inBlock = false
			}
			out = append(out, markdownEscaper.Replace(line))
		}
	}
	return strings.Join(out, "\n")
}

var markdownEscaper = strings.NewReplacer(`\`, `\\`, "*", `\*`, "_", `\_`, "<", `\<`, ">", `\>`, "`", "\\`", "[", `\[`, "]", `\]`)
