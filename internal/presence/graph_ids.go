package presence

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"regexp"
	"strings"
	"time"

	"go.yaml.in/yaml/v3"

	"github.com/umctl/umctl/internal/routing"
)

var objectID = regexp.MustCompile(`^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$`)

// EntraID reads an Entra object id as msDS-ExternalDirectoryObjectId holds it
// (User_<id>) or bare; "" when it is not one.
func EntraID(v string) string {
	v = strings.TrimSpace(v)
	if len(v) > 5 && strings.EqualFold(v[:5], "user_") {
		v = v[5:]
	}
	if !objectID.MatchString(v) {
		return ""
	}
	return strings.ToLower(v)
}

// ParseIDsFile reads presence.graph.ids_file: a YAML map of SIP URI or number to Entra object id.
func ParseIDsFile(data []byte) (map[string]string, error) {
	raw := map[string]string{}
	if err := yaml.Unmarshal(data, &raw); err != nil {
		return nil, fmt.Errorf("expected a map of SIP URI or number to Entra object id: %v", err)
	}
	out := make(map[string]string, len(raw))
	for k, v := range raw {
		key, id := routing.NormalizeURI(k), EntraID(v)
		if key == "" {
			return nil, fmt.Errorf("key %q: expected a SIP URI (sip:alice@contoso.com) or a number (+4790000001)", k)
		}
		if id == "" {
			return nil, fmt.Errorf("%s: %q: expected an Entra object id such as 0b4f7a9e-52d3-4c55-8c6a-1f2e3d4c5b6a", k, v)
		}
		out[key] = id
	}
	return out, nil
}

// LoadIDsFile reads and parses the ids file.
func LoadIDsFile(path string) (map[string]string, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("presence.graph.ids_file: %w", err)
	}
	m, err := ParseIDsFile(data)
	if err != nil {
		return nil, fmt.Errorf("presence.graph.ids_file %s: %w", path, err)
	}
	return m, nil
}

// RefreshIDs loads SIP address → attribute value (the directory's
// id_attribute) now and every interval; failed loads keep the last map.
func RefreshIDs(ctx context.Context, load func(context.Context) (map[string]string, error), every time.Duration, log *slog.Logger) (func() map[string]string, error) {
	keep := func(k, v string) (string, string, bool) {
		key, id := routing.NormalizeURI(k), EntraID(v)
		return key, id, key != "" && id != ""
	}
	return routing.RefreshMap(ctx, load, keep, every, log, "presence: Graph id refresh from the directory failed; keeping the previous ids")
}
