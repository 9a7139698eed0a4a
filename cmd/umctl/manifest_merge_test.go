package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/umctl/umctl/internal/cli"
)

// TestManifestUCUtilInTwoFiles: ucutil given in two -f files is refused with
// both places named (exit 2, before connecting); the last file's silently won,
// so one file's outcallsGateway was dropped without a word.
func TestManifestUCUtilInTwoFiles(t *testing.T) {
	isolate(t)
	dir := t.TempDir()
	a, b := filepath.Join(dir, "a.yaml"), filepath.Join(dir, "b.yaml")
	for path, text := range map[string]string{
		a: "apiVersion: umctl/v1\nucutil: {enabled: true, outcallsGateway: \"1:1\"}\n",
		b: "apiVersion: umctl/v1\n\nucutil: {enabled: true, outcallsGateway: \"1:2\"}\n",
	} {
		if err := os.WriteFile(path, []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	code, out, errOut := umctl(t, "plan", "-f", a, "-f", b)
	if code != cli.ExitUsage || out != "" || !strings.Contains(errOut, b+":3: ucutil: is also given at "+a+":2; give it in one file") {
		t.Fatalf("exit %d, stdout %q, stderr %q", code, out, errOut)
	}
}
