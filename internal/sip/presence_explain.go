package sip

import (
	"strings"

	"go.yaml.in/yaml/v3"
)

// presenceKeys explains the presence keys in `relay check-config`.
var presenceKeys = map[string]string{
	"presence.source":                   "one source; the same as sources: [X]",
	"presence.sources":                  "file, lync, graph (combinable: the latest statement wins), or one of http, always-hold, never-hold",
	"presence.file":                     "YAML map of SIP URI or number to state; its entries never go stale",
	"presence.url":                      "http: GET on this template, {target} replaced",
	"presence.timeout":                  "deadline of a per-call lookup (http); cached sources answer from memory",
	"presence.max_age":                  "a lync or graph state not confirmed for this long counts as unknown",
	"presence.lync.servers":             "the pool, tls://host:5061: mutual TLS with tls.cert/tls.key, verified against tls.hop_ca",
	"presence.lync.subscriber":          "the trusted application's SIP URI: From and To of the batched SUBSCRIBEs",
	"presence.lync.batch":               "users per subscription, 1-1000; only the state category is asked for",
	"presence.lync.mobile_call_tokens":  "activity tokens or custom texts meaning in-mobile-call (on-the-phone always does)",
	"presence.graph.tenant":             "the tenant's domain or id",
	"presence.graph.client_id":          "the app registration's id; it needs the Presence.Read.All application permission",
	"presence.graph.client_secret_file": "the client secret (else UMCTL_GRAPH_CLIENT_SECRET); never in this file",
	"presence.graph.interval":           "one getPresencesByUserId round over every watched user (650 ids a call)",
	"presence.graph.ids_file":           "YAML map of SIP URI or number to Entra object id; wins over id_attribute",
	"presence.graph.id_attribute":       "read from the directory (directory: enabled), User_ prefix stripped",
	"presence.graph.authority_url":      "token endpoint base: {authority_url}/{tenant}/oauth2/v2.0/token",
	"presence.graph.graph_url":          "Graph base URL (national clouds); http:// only for loopback",
	"presence.graph.certificate_file":   "not supported yet",
	"presence.graph.key_file":           "not supported yet",
}

// ExplainPresence adds the explanations of the presence keys as line comments.
func ExplainPresence(doc *yaml.Node) { explain(doc, nil) }

func explain(n *yaml.Node, path []string) {
	if n.Kind == yaml.DocumentNode {
		for _, c := range n.Content {
			explain(c, path)
		}
		return
	}
	if n.Kind != yaml.MappingNode {
		return
	}
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := n.Content[i], n.Content[i+1]
		p := append(append([]string{}, path...), k.Value)
		if c, ok := presenceKeys[strings.Join(p, ".")]; ok {
			k.LineComment = c
		}
		explain(v, p)
	}
}
