package manifest

import (
	"encoding/json"
	"fmt"
	"io"

	"go.yaml.in/yaml/v3"
)

// Write writes m as YAML or JSON.
func Write(w io.Writer, m *Manifest, format string) error {
	switch format {
	case "", "yaml":
		enc := yaml.NewEncoder(w)
		enc.SetIndent(2)
		if err := enc.Encode(m); err != nil {
			return err
		}
		return enc.Close()
	case "json":
		enc := json.NewEncoder(w)
		enc.SetIndent("", "  ")
		return enc.Encode(m)
	}
	return fmt.Errorf("-o %s: expected yaml or json", format)
}
