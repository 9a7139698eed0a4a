package main

import (
	"fmt"

	"github.com/spf13/cobra"

	"github.com/umctl/umctl/internal/build"
	"github.com/umctl/umctl/internal/cli"
)

func newVersionCmd(a *app) *cobra.Command {
	return &cobra.Command{
		Use:   "version",
		Short: "Print the version of umctl",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			info := build.Get()
			switch a.output {
			case "json":
				return cli.WriteJSON(a.io.Out, info)
			case "yaml":
				return cli.WriteYAML(a.io.Out, info)
			}
			_, err := fmt.Fprintln(a.io.Out, info.String())
			return err
		},
	}
}
