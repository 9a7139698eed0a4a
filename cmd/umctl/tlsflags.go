package main

import (
	"github.com/spf13/cobra"

	"github.com/umctl/umctl/internal/cli"
	"github.com/umctl/umctl/internal/sipprobe"
)

// registerTLSFlags adds --tls-ca, --cert and --key, the SIP TLS settings the
// probes and doctor's sip-options check share; they fill c.
func registerTLSFlags(cmd *cobra.Command, c *sipprobe.Config) {
	f := cmd.Flags()
	f.StringVar(&c.CA, "tls-ca", "", "PEM file of the CAs that verify the server's certificate (default: the system roots)")
	f.StringVar(&c.Cert, "cert", "", "client certificate (PEM) for mutual TLS, as Lync and Exchange UM present")
	f.StringVar(&c.Key, "key", "", "key of --cert (PEM; default: the --cert file)")
	_ = cmd.MarkFlagFilename("tls-ca", "pem", "crt")
	_ = cmd.MarkFlagFilename("cert", "pem", "crt")
	_ = cmd.MarkFlagFilename("key", "pem", "key")
}

// checkTLSFlags validates them (exit 2 naming the flag): the files must load.
func checkTLSFlags(c sipprobe.Config) error {
	if c.Key != "" && c.Cert == "" {
		return cli.FlagErrorf("--key needs --cert")
	}
	if _, err := c.TLSConfig(); err != nil {
		return cli.FlagErrorf("%s", invalidText(err))
	}
	return nil
}
