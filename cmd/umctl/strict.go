package main

import (
	"strings"

	"github.com/spf13/cobra"

	"github.com/umctl/umctl/internal/cli"
)

// strictCommands makes every command group fail on an unknown subcommand
// (exit 2, with cobra's suggestions) instead of printing its help and exiting 0,
// at every level: cobra checks subcommand names only at the root, and returns
// before checking arguments when a command has no Run of its own. A group named
// alone still prints its help and exits 0. It also makes 'umctl help NOSUCH' an
// error. Call it once the whole tree is built.
func strictCommands(root *cobra.Command) {
	root.SetHelpCommand(newHelpCmd(root))
	root.InitDefaultHelpCmd()
	root.InitDefaultCompletionCmd()
	walkTree(root, func(c *cobra.Command) {
		if c.HasSubCommands() && !c.Runnable() {
			c.Args = unknownSubcommand
			c.RunE = func(cmd *cobra.Command, _ []string) error { return cmd.Help() }
		}
	})
}

// walkTree calls fn for c and every command below it.
func walkTree(c *cobra.Command, fn func(*cobra.Command)) {
	fn(c)
	for _, sub := range c.Commands() {
		walkTree(sub, fn)
	}
}

// unknownSubcommand is the Args of a command group: any argument is a
// subcommand that does not exist.
func unknownSubcommand(cmd *cobra.Command, args []string) error {
	if len(args) == 0 {
		return nil
	}
	return unknown("command", cmd, args[0])
}

func unknown(what string, cmd *cobra.Command, arg string) error {
	return cli.FlagErrorf("unknown %s %q for %q%s", what, arg, cmd.CommandPath(), suggestions(cmd, arg))
}

// suggestions is cobra's "Did you mean this?" block for a mistyped subcommand.
func suggestions(cmd *cobra.Command, arg string) string {
	if cmd.SuggestionsMinimumDistance <= 0 {
		cmd.SuggestionsMinimumDistance = 2
	}
	s := cmd.SuggestionsFor(arg)
	if len(s) == 0 {
		return ""
	}
	return "\n\nDid you mean this?\n\t" + strings.Join(s, "\n\t")
}

// newHelpCmd is cobra's help command, except that an unknown topic is a usage
// error (exit 2) with suggestions instead of the root usage and exit 0.
func newHelpCmd(root *cobra.Command) *cobra.Command {
	return &cobra.Command{
		Use:   "help [command]",
		Short: "Help about any command",
		Args:  cobra.ArbitraryArgs, // checked by RunE, with suggestions
		Long:  "Help provides help for any command or topic. Type " + root.Name() + " help [path to command] for full details.",
		ValidArgsFunction: func(c *cobra.Command, args []string, toComplete string) ([]cobra.Completion, cobra.ShellCompDirective) {
			cmd, _, err := root.Find(args)
			if err != nil {
				return nil, cobra.ShellCompDirectiveNoFileComp
			}
			var out []cobra.Completion
			for _, sub := range cmd.Commands() {
				if (sub.IsAvailableCommand() || sub.IsAdditionalHelpTopicCommand()) && strings.HasPrefix(sub.Name(), toComplete) {
					out = append(out, cobra.CompletionWithDesc(sub.Name(), sub.Short))
				}
			}
			return out, cobra.ShellCompDirectiveNoFileComp
		},
		RunE: func(c *cobra.Command, args []string) error {
			cmd, rest, err := root.Find(args)
			if err != nil {
				return cli.FlagErrorf("unknown help topic %q: %v", strings.Join(args, " "), err)
			}
			if len(rest) > 0 {
				return unknown("help topic", cmd, rest[0])
			}
			cmd.InitDefaultHelpFlag()
			cmd.InitDefaultVersionFlag()
			return cmd.Help()
		},
	}
}
