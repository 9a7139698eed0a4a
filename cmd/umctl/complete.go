package main

import (
	"context"
	"slices"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/umctl/umctl/internal/ad"
)

// completionTimeout bounds a TAB that asks the directory, TLS handshake
// included (README, 'Install').
const completionTimeout = 3 * time.Second

// completeWith turns a lister of "value\tdescription" strings into a completion
// function: it never prompts, completes no file names, and returns after
// completionTimeout at the latest whatever the DC does (a DC that accepts TCP
// and never finishes TLS included): every connection setting is capped to it,
// and the lister's answer is not waited for beyond it.
func (a *app) completeWith(list func(ctx context.Context, d *ad.Dir, toComplete string) ([]string, error)) cobra.CompletionFunc {
	return func(cmd *cobra.Command, _ []string, toComplete string) ([]string, cobra.ShellCompDirective) {
		a.io.NoInput = true
		a.timeoutCap = completionTimeout
		ctx, cancel := context.WithTimeout(cmd.Context(), completionTimeout)
		defer cancel()
		done := make(chan []string, 1)
		go func() {
			done <- a.listFromDir(ctx, list, toComplete)
		}()
		select {
		case all := <-done:
			var out []string
			for _, c := range all {
				if strings.HasPrefix(strings.ToLower(c), strings.ToLower(toComplete)) {
					out = append(out, c)
				}
			}
			return out, cobra.ShellCompDirectiveNoFileComp
		case <-ctx.Done():
			return nil, cobra.ShellCompDirectiveNoFileComp
		}
	}
}

// listFromDir connects and lists; any failure is no completions.
func (a *app) listFromDir(ctx context.Context, list func(ctx context.Context, d *ad.Dir, toComplete string) ([]string, error), toComplete string) []string {
	d, err := a.connect(ctx)
	if err != nil {
		return nil
	}
	defer d.Close()
	all, err := list(ctx, d, toComplete)
	if err != nil {
		return nil
	}
	return all
}

// onlyArgs completes the first n positional arguments with fn, then nothing,
// and never an argument already given (IDENTITY... takes each once).
func onlyArgs(n int, fn cobra.CompletionFunc) cobra.CompletionFunc {
	return func(cmd *cobra.Command, args []string, toComplete string) ([]string, cobra.ShellCompDirective) {
		if n > 0 && len(args) >= n {
			return nil, cobra.ShellCompDirectiveNoFileComp
		}
		all, dir := fn(cmd, args, toComplete)
		return slices.DeleteFunc(all, func(c string) bool {
			v, _, _ := strings.Cut(c, "\t")
			return slices.Contains(args, v)
		}), dir
	}
}

// completeContacts completes Exchange UM contacts by SIP address.
func (a *app) completeContacts(cmd *cobra.Command, args []string, toComplete string) ([]string, cobra.ShellCompDirective) {
	return a.completeWith(func(ctx context.Context, d *ad.Dir, _ string) ([]string, error) {
		cs, err := d.Contacts(ctx, ad.ContactFilter{})
		var out []string
		for _, c := range cs {
			out = append(out, cobra.CompletionWithDesc(c.SIPAddress, strings.TrimSpace(c.DisplayNumber+" "+c.DisplayName)))
		}
		return out, err
	})(cmd, args, toComplete)
}

// completeUsers completes users by sAMAccountName (withEUM: those with EUM
// addresses), at most 200 per TAB.
func (a *app) completeUsers(withEUM bool) cobra.CompletionFunc {
	return a.completeWith(func(ctx context.Context, d *ad.Dir, toComplete string) ([]string, error) {
		us, err := d.UserNames(ctx, toComplete, withEUM, 200)
		var out []string
		for _, u := range us {
			out = append(out, cobra.CompletionWithDesc(u.Account, u.DisplayName))
		}
		return out, err
	})
}

// completeHuntGroups completes hunt group names (of every gateway).
func (a *app) completeHuntGroups(cmd *cobra.Command, args []string, toComplete string) ([]string, cobra.ShellCompDirective) {
	return a.completeWith(func(ctx context.Context, d *ad.Dir, _ string) ([]string, error) {
		gws, err := d.Gateways(ctx)
		var out []string
		for _, g := range gws {
			for _, h := range g.HuntGroups {
				out = append(out, cobra.CompletionWithDesc(h.Name, "gateway "+g.Name+", pilot "+h.Pilot))
			}
		}
		return out, err
	})(cmd, args, toComplete)
}
