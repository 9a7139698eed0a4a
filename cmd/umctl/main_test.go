package main

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/umctl/umctl/internal/cli"
	"github.com/umctl/umctl/internal/lab"
	"github.com/umctl/umctl/internal/labtest"
)

// umctl runs the command in-process and returns exit code, stdout, stderr.
func umctl(t *testing.T, args ...string) (int, string, string) {
	t.Helper()
	io, _, out, errOut := cli.Test()
	code := run(args, io)
	return code, out.String(), errOut.String()
}

// isolate clears every UMCTL_* variable and points the config dir at a temp dir.
func isolate(t *testing.T) {
	t.Helper()
	for _, kv := range os.Environ() {
		if k, _, _ := strings.Cut(kv, "="); strings.HasPrefix(k, "UMCTL_") && k != "UMCTL_REQUIRE_LAB" && !strings.HasPrefix(k, "UMCTL_TEST_") {
			t.Setenv(k, "")
			os.Unsetenv(k)
		}
	}
	t.Setenv("UMCTL_CONFIG_DIR", t.TempDir())
	t.Setenv("KRB5CCNAME", "") // auto would pick Kerberos for a cache in the environment
}

// useLab points the environment at the test lab, as `eval "$(umctl lab env)"` does.
func useLab(t *testing.T) lab.Env {
	t.Helper()
	isolate(t)
	e := labtest.Env(t)
	t.Setenv("UMCTL_SERVER", e.Server)
	t.Setenv("UMCTL_BIND_DN", e.BindDN)
	t.Setenv("UMCTL_BIND_PASSWORD", e.Password)
	t.Setenv("UMCTL_CA_FILE", e.CAFile)
	return e
}

func TestUsageErrors(t *testing.T) {
	isolate(t)
	for _, tc := range []struct {
		args []string
		code int
		err  string
	}{
		{[]string{"nosuch"}, cli.ExitUsage, `unknown command "nosuch"`},
		{[]string{"dialplan", "get"}, cli.ExitUsage, "accepts 1 arg(s)"},
		{[]string{"pool", "list", "--bogus"}, cli.ExitUsage, "unknown flag: --bogus"},
		{[]string{"pool", "list", "-o", "xml"}, cli.ExitUsage, `invalid value "xml" for --output: expected one of table, wide, tsv, csv, json, yaml, ldif`},
		{[]string{"pool", "list"}, cli.ExitUsage, "--server is required"},
		{[]string{"pool", "list", "--server", "http://dc1"}, cli.ExitUsage, `--server "http://dc1": expected ldaps://host[:port] or ldap://host[:port]`},
		{[]string{"pool", "list", "--server", "ldaps://dc1"}, cli.ExitUsage, "--bind-dn is required"},
		{[]string{"pool", "list", "--server", "ldaps://dc1", "--bind-dn", "x", "--timeout", "-1s"}, cli.ExitUsage, `invalid timeout "-1s"`},
		{[]string{"pool", "list", "--server", "ldaps://dc1", "--bind-dn", "x"}, cli.ExitAuth, "no bind password"},
		{[]string{"pool", "list", "--server", "ldaps://dc1", "--bind-dn", "x", "--bind-password-file", "/nonexistent"}, cli.ExitAuth, "--bind-password-file"},
		{[]string{"lab", "status", "--address", "10.0.0.1"}, cli.ExitUsage, "expected a loopback address"},
		{[]string{"lab", "seed", "--dir", "/nonexistent-umctl-lab"}, cli.ExitUsage, "--users is required"},
		{[]string{"lab", "seed", "--dir", "/nonexistent-umctl-lab", "--users", "0"}, cli.ExitUsage, "--users 0: expected 1 to 120000"},
		{[]string{"lab", "seed", "--dir", "/nonexistent-umctl-lab", "--users", "120001"}, cli.ExitUsage, "--users 120001: expected 1 to 120000"},
		{[]string{"pool", "list", "--profile", "nope"}, cli.ExitUsage, `invalid value "nope" for --profile`},
		{[]string{"plan"}, cli.ExitUsage, `required flag(s) "filename" not set`},
		{[]string{"apply", "--prune"}, cli.ExitUsage, `required flag(s) "filename" not set`},
	} {
		code, out, errOut := umctl(t, tc.args...)
		if code != tc.code || !strings.Contains(errOut, tc.err) || out != "" {
			t.Errorf("umctl %v: exit %d, stderr %q, stdout %q; want exit %d and %q", tc.args, code, errOut, out, tc.code, tc.err)
		}
	}
}

func TestConfigRefusesPasswords(t *testing.T) {
	isolate(t)
	dir := os.Getenv("UMCTL_CONFIG_DIR")
	cfg := "profiles:\n  corp:\n    server: ldaps://dc1.contoso.com\n    bind-dn: a@contoso.com\n    password: hunter2\n"
	if err := os.WriteFile(filepath.Join(dir, "config.yaml"), []byte(cfg), 0o600); err != nil {
		t.Fatal(err)
	}
	code, _, errOut := umctl(t, "pool", "list", "--profile", "corp")
	if code != cli.ExitUsage || !strings.Contains(errOut, "passwords are never read from the config file") || strings.Contains(errOut, "hunter2") {
		t.Fatalf("exit %d, stderr %q", code, errOut)
	}
	// A mistyped key is invalid input too (exit 2, as an unknown profile is), not a failure (1).
	if err := os.WriteFile(filepath.Join(dir, "config.yaml"), []byte("profiles:\n  corp:\n    servr: ldaps://dc1.contoso.com\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if code, _, errOut := umctl(t, "pool", "list", "--profile", "corp"); code != cli.ExitUsage || !strings.Contains(errOut, `unknown key "servr"`) {
		t.Fatalf("unknown key: exit %d, stderr %q", code, errOut)
	}
}

func TestVersion(t *testing.T) {
	code, out, _ := umctl(t, "--version")
	code2, out2, _ := umctl(t, "version")
	if code != 0 || code2 != 0 || out != out2 || !strings.HasPrefix(out, "umctl ") {
		t.Fatalf("--version %q, version %q", out, out2)
	}
	_, js, _ := umctl(t, "version", "-o", "json")
	var v map[string]string
	if err := json.Unmarshal([]byte(js), &v); err != nil || v["version"] == "" || v["goVersion"] == "" {
		t.Fatalf("version -o json: %q (%v)", js, err)
	}
}

// TestHelpExitCodes: `umctl help exit-codes` and README's exit-code table list
// the same codes, and those are every code umctl has (internal/cli's Exit*).
func TestHelpExitCodes(t *testing.T) {
	_, out, _ := umctl(t, "help", "exit-codes")
	want := []int{cli.ExitOK, cli.ExitFailure, cli.ExitUsage, cli.ExitPartial, cli.ExitAuth, cli.ExitConflict, cli.ExitInterrupted}
	var help []int
	for _, m := range regexp.MustCompile(`(?m)^  (\d+) `).FindAllStringSubmatch(out, -1) {
		n, _ := strconv.Atoi(m[1])
		help = append(help, n)
	}
	if !slices.Equal(help, want) {
		t.Errorf("help exit-codes lists %v, want %v:\n%s", help, want, out)
	}
	readme, err := os.ReadFile(filepath.Join("..", "..", "README.md"))
	if err != nil {
		t.Fatal(err)
	}
	_, table, _ := strings.Cut(string(readme), "### Exit codes (`umctl help exit-codes`)")
	table, _, _ = strings.Cut(table, "\n#")
	var documented []int
	for _, m := range regexp.MustCompile(`(?m)^\| (\d+) \|`).FindAllStringSubmatch(table, -1) {
		n, _ := strconv.Atoi(m[1])
		documented = append(documented, n)
	}
	if !slices.Equal(documented, want) {
		t.Errorf("README's exit-code table lists %v, want %v", documented, want)
	}
}

// TestCompletionsUpToDate fails when the committed completion scripts differ
// from what the code generates. Regenerate with: go test ./cmd/umctl -run TestCompletionsUpToDate -update
func TestCompletionsUpToDate(t *testing.T) {
	update := os.Getenv("UMCTL_UPDATE_COMPLETIONS") == "1"
	for shell, file := range map[string]string{"bash": "umctl.bash", "zsh": "_umctl", "fish": "umctl.fish", "powershell": "umctl.ps1"} {
		code, out, errOut := umctl(t, "completion", shell)
		if code != 0 {
			t.Fatalf("completion %s: %s", shell, errOut)
		}
		path := filepath.Join("..", "..", "completions", file)
		if update {
			if err := os.WriteFile(path, []byte(out), 0o644); err != nil {
				t.Fatal(err)
			}
			continue
		}
		want, err := os.ReadFile(path)
		if err != nil || !bytes.Equal(want, []byte(out)) {
			t.Errorf("completions/%s is out of date: run `make completions` (%v)", file, err)
		}
	}
}

// TestManPagesUpToDate fails when the committed man pages (man/) differ from
// what the code generates, the .TH line (it holds the month) aside.
// Regenerate with: make man
func TestManPagesUpToDate(t *testing.T) {
	dir := t.TempDir()
	if code, _, errOut := umctl(t, "man", dir); code != 0 {
		t.Fatalf("umctl man: %s", errOut)
	}
	committed := filepath.Join("..", "..", "man")
	if os.Getenv("UMCTL_UPDATE_MAN") == "1" {
		_ = os.RemoveAll(committed)
		if err := os.CopyFS(committed, os.DirFS(dir)); err != nil {
			t.Fatal(err)
		}
		return
	}
	withoutTH := func(b []byte) string {
		var keep []string
		for _, l := range strings.Split(string(b), "\n") {
			if !strings.HasPrefix(l, ".TH ") {
				keep = append(keep, l)
			}
		}
		return strings.Join(keep, "\n")
	}
	gen, _ := filepath.Glob(filepath.Join(dir, "*.1"))
	have, _ := filepath.Glob(filepath.Join(committed, "*.1"))
	if len(gen) < 40 || len(gen) != len(have) {
		t.Fatalf("man/ has %d pages, the code makes %d: run `make man`", len(have), len(gen))
	}
	for _, g := range gen {
		want, err := os.ReadFile(filepath.Join(committed, filepath.Base(g)))
		got, _ := os.ReadFile(g)
		if err != nil || withoutTH(want) != withoutTH(got) {
			t.Errorf("man/%s is out of date: run `make man` (%v)", filepath.Base(g), err)
		}
	}
}
