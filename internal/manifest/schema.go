package manifest

import _ "embed"

// Schema is the manifest's JSON Schema (`umctl schema`; schemas/manifest.json
// is a copy a test keeps equal).
//
//go:embed schema.json
var Schema []byte
