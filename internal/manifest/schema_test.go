package manifest

import (
	"bytes"
	"encoding/json"
	"os"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/umctl/umctl/internal/ad"
)

// TestSchemaInSync: schemas/manifest.json is the schema umctl prints, and the
// schema has exactly the keys the decoder takes, at every level.
func TestSchemaInSync(t *testing.T) {
	committed, err := os.ReadFile("../../schemas/manifest.json")
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(committed, Schema) {
		t.Fatal("schemas/manifest.json differs from internal/manifest/schema.json: cp internal/manifest/schema.json schemas/manifest.json")
	}
	var s map[string]any
	if err := json.Unmarshal(Schema, &s); err != nil {
		t.Fatal(err)
	}
	compare(t, "", s, reflect.TypeOf(Manifest{}))
	if !slices.Equal(gatewayStatuses, ad.GatewayStatuses) || !slices.Equal(ipFamilies, ad.IPFamilies) {
		t.Errorf("statuses %v / %v, ip families %v / %v", gatewayStatuses, ad.GatewayStatuses, ipFamilies, ad.IPFamilies)
	}
}

func compare(t *testing.T, path string, s map[string]any, typ reflect.Type) {
	for typ.Kind() == reflect.Pointer || typ.Kind() == reflect.Slice {
		typ = typ.Elem()
	}
	if s["type"] == "array" {
		s = s["items"].(map[string]any)
	}
	props, _ := s["properties"].(map[string]any)
	if typ.Kind() != reflect.Struct {
		return
	}
	if s["additionalProperties"] != false {
		t.Errorf("%s: the schema allows unknown keys; the decoder does not", path)
	}
	var keys []string
	for i := 0; i < typ.NumField(); i++ {
		f := typ.Field(i)
		key, _, _ := strings.Cut(f.Tag.Get("yaml"), ",")
		if key == "-" {
			continue
		}
		keys = append(keys, key)
		sub, ok := props[key].(map[string]any)
		if !ok {
			t.Errorf("%s.%s: not in the schema", path, key)
			continue
		}
		compare(t, path+"."+key, sub, f.Type)
	}
	for k := range props {
		if !slices.Contains(keys, k) {
			t.Errorf("%s.%s: in the schema, not in the decoder", path, k)
		}
	}
}
