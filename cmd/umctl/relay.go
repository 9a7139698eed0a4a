package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"slices"
	"strings"
	"syscall"
	"time"

	"github.com/spf13/cobra"

	"github.com/umctl/umctl/internal/cli"
	"github.com/umctl/umctl/internal/presence"
	"github.com/umctl/umctl/internal/routing"
	"github.com/umctl/umctl/internal/sip"
)

func newRelayCmd(a *app) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "relay",
		Short: "SIP relay that holds calls for offline users before Exchange UM answers them (single number reach)",
		Long: `Where the mobile phone is the primary number, the operator rings the mobile and
the Lync number at once. A signed-out user's Lync leg goes to Exchange UM in under
a second, UM answers, and the operator cancels the mobile leg. The relay sits on
that path: for users who are offline (or in a mobile call) it holds the call
(default 20 s) before forwarding it to Exchange UM, so the mobile can be answered
first. A CANCEL during the hold forwards nothing; when the caller gave up (no
"Reason: SIP;cause=200"), a missed-call notification goes out.`,
	}
	var path string
	run := &cobra.Command{
		Use:   "run --config relay.yaml",
		Short: "Run the relay (SIGHUP reloads the policy, SIGTERM forwards held calls and stops)",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			cfg, err := sip.LoadConfig(path)
			if err != nil {
				return cli.WithCode(cli.ExitUsage, err)
			}
			return a.runRelay(cmd.Context(), path, cfg)
		},
	}
	check := &cobra.Command{
		Use:   "check-config --config relay.yaml",
		Short: "Validate a relay config and print the effective settings (defaults filled in)",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			cfg, err := sip.LoadConfig(path)
			if err != nil {
				return cli.WithCode(cli.ExitUsage, err)
			}
			if a.output == "json" {
				return cli.WriteJSON(a.io.Out, cfg)
			}
			return cli.WriteYAMLAnnotated(a.io.Out, cfg, sip.ExplainPresence)
		},
	}
	pres := &cobra.Command{
		Use:   "presence [USER...] --config relay.yaml",
		Short: "Print what the running relay believes about users' presence (state, source, age)",
		Long: `Asks the running relay (its admin endpoint on metrics:, loopback) what it
currently believes: state, the source that said so, and how old that is. USER
is a SIP URI or a number (resolved to its user as calls are); none lists every
watched user. Needs presence.sources with lync or graph (or a combination).`,
		Args: cobra.ArbitraryArgs,
		ValidArgsFunction: func(cmd *cobra.Command, _ []string, _ string) ([]string, cobra.ShellCompDirective) {
			// The running relay's watched users; nothing when it is not running.
			cfg, err := sip.LoadConfig(path)
			if err != nil || cfg.Metrics == "" {
				return nil, cobra.ShellCompDirectiveNoFileComp
			}
			ctx, cancel := context.WithTimeout(cmd.Context(), time.Second)
			defer cancel()
			entries, _ := sip.QueryPresence(ctx, cfg.Metrics, nil)
			var keys []string
			for _, e := range entries {
				keys = append(keys, e.User)
			}
			return keys, cobra.ShellCompDirectiveNoFileComp
		},
		RunE: func(cmd *cobra.Command, users []string) error {
			cfg, err := sip.LoadConfig(path)
			if err != nil {
				return cli.WithCode(cli.ExitUsage, err)
			}
			if cfg.Metrics == "" {
				return cli.WithCode(cli.ExitUsage, fmt.Errorf("metrics: not set in %s: `relay presence` asks the running relay on its metrics: address (e.g. 127.0.0.1:9470)", path))
			}
			entries, err := sip.QueryPresence(cmd.Context(), cfg.Metrics, users)
			if err != nil {
				return err
			}
			t := cli.Table{Headers: []string{"user", "state", "source", "age", "key"}}
			for _, e := range entries {
				age := ""
				if e.AgeSeconds != nil {
					age = (time.Duration(*e.AgeSeconds) * time.Second).String()
				}
				t.Rows = append(t.Rows, []string{e.User, string(e.State), e.Source, age, e.Key})
			}
			return cli.Print(a.io, a.output, entries, t)
		},
	}
	for _, c := range []*cobra.Command{run, check, pres} {
		c.Flags().StringVar(&path, "config", "relay.yaml", "the relay configuration file")
	}
	cmd.AddCommand(run, check, pres)
	return cmd
}

func (a *app) runRelay(parent context.Context, path string, cfg *sip.Config) error {
	var handler slog.Handler = slog.NewJSONHandler(a.io.ErrOut, nil)
	if a.io.IsStderrTTY() {
		handler = slog.NewTextHandler(a.io.ErrOut, nil)
	}
	log := slog.New(handler)
	slog.SetDefault(log) // sipgo logs through the default logger: keep one format
	notifiers := sip.Notifiers{sip.LogNotifier{Log: log}}
	if cfg.Notify.Webhook != "" {
		notifiers = append(notifiers, sip.Webhook{URL: cfg.Notify.Webhook, Log: log})
	}
	if cfg.Notify.UMInfo && !strings.Contains(strings.Join(cfg.NextHops, " "), "tls://") {
		log.Warn("notify.um_info: Exchange UM accepts notification sessions over (mutual) TLS only; no next hop is tls://")
	}
	r, err := sip.New(cfg, log, notifiers)
	if err != nil {
		return err
	}
	defer r.Close()
	if cfg.Directory.Enabled {
		// Read the directory with umctl's own connection settings; no prompts in a service.
		a.io.NoInput = true
		load := func(ctx context.Context) (map[string]string, error) {
			d, err := a.connect(ctx)
			if err != nil {
				return nil, err
			}
			defer d.Close()
			return d.LineIndex(ctx)
		}
		res, err := routing.NewRefreshingResolver(parent, load, time.Duration(cfg.Directory.Refresh), log)
		if err != nil {
			return fmt.Errorf("directory: the number lookup in Active Directory failed: %w", err)
		}
		r.UseDirectory(res)
	}
	if cfg.Metrics != "" {
		ln, err := net.Listen("tcp", cfg.Metrics)
		if err != nil {
			return fmt.Errorf("metrics: %w", err)
		}
		srv := &http.Server{Handler: r.Metrics.Handler(), ReadHeaderTimeout: 5 * time.Second}
		go func() { _ = srv.Serve(ln) }()
		defer srv.Close()
	}
	ctx, stop := context.WithCancel(context.Background())
	defer stop()
	if cfg.Presence.Cached() {
		var ids func() map[string]string
		if cfg.Directory.Enabled && slices.Contains(cfg.Presence.Sources, "graph") {
			load := func(ctx context.Context) (map[string]string, error) {
				d, err := a.connect(ctx)
				if err != nil {
					return nil, err
				}
				defer d.Close()
				return d.AttributeIndex(ctx, cfg.Presence.Graph.IDAttribute)
			}
			if ids, err = presence.RefreshIDs(ctx, load, time.Duration(cfg.Directory.Refresh), log); err != nil {
				return fmt.Errorf("presence.graph.id_attribute: reading %s from Active Directory failed: %w", cfg.Presence.Graph.IDAttribute, err)
			}
		}
		if _, err := sip.StartPresence(ctx, r, log, ids); err != nil {
			return fmt.Errorf("presence: %w", err)
		}
	}
	sigs := make(chan os.Signal, 4)
	signal.Notify(sigs, syscall.SIGHUP, syscall.SIGTERM, os.Interrupt)
	defer signal.Stop(sigs)
	go func() {
		for {
			select {
			case s := <-sigs:
				if s == syscall.SIGHUP {
					next, err := sip.LoadConfig(path)
					if err == nil {
						err = r.Reload(next)
					}
					if err != nil {
						log.Error("reload failed; keeping the running config", "error", err)
					} else {
						log.Info("reloaded", "config", path)
					}
					continue
				}
				log.Info("stopping: forwarding held calls now", "signal", s.String(), "held", r.Held())
				r.Drain()
				deadline := time.Now().Add(10 * time.Second)
				for r.Held() > 0 && time.Now().Before(deadline) {
					time.Sleep(50 * time.Millisecond)
				}
				time.Sleep(500 * time.Millisecond) // let the last forwards and responses through
				stop()
				return
			case <-parent.Done():
				stop()
				return
			}
		}
	}()
	log.Info("relay listening", "listen", cfg.Listen, "next_hops", cfg.NextHops, "mode", cfg.Mode, "hold", time.Duration(cfg.Hold).String(), "presence", cfg.Presence.Sources)
	err = r.Serve(ctx, cfg.TLS, nil)
	if errors.Is(err, context.Canceled) {
		return nil
	}
	return err
}
