package cli

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func writeConfig(t *testing.T, body string) {
	dir := t.TempDir()
	t.Setenv("UMCTL_CONFIG_DIR", dir)
	if err := os.WriteFile(filepath.Join(dir, "config.yaml"), []byte(body), 0o600); err != nil {
		t.Fatal(err)
	}
}

func TestLoadConfig(t *testing.T) {
	writeConfig(t, "current-profile: a\nprofiles:\n  a:\n    server: ldaps://dc1\n    timeout: 5s\n  b:\n    bind-dn: x\n")
	c, err := LoadConfig()
	if err != nil {
		t.Fatal(err)
	}
	p, err := c.Profile("")
	if err != nil || p.Server != "ldaps://dc1" || p.Timeout != "5s" {
		t.Fatalf("%+v %v", p, err)
	}
	if p, _ := c.Profile("b"); p.BindDN != "x" {
		t.Fatalf("%+v", p)
	}
	if _, err := c.Profile("zz"); err == nil || !strings.Contains(err.Error(), "have: a, b") {
		t.Fatalf("%v", err)
	}
}

func TestLoadConfigRefuses(t *testing.T) {
	for body, want := range map[string]string{
		"profiles:\n  a:\n    bind-password: x\n": "passwords are never read",
		"profiles:\n  a:\n    sever: x\n":         `(line 3); did you mean "server"?`,
	} {
		writeConfig(t, body)
		if _, err := LoadConfig(); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%q: %v", body, err)
		}
	}
	t.Setenv("UMCTL_CONFIG_DIR", t.TempDir()) // no file: empty config
	if c, err := LoadConfig(); err != nil || len(c.Profiles) != 0 {
		t.Fatal(c, err)
	}
}

func TestConfigDir(t *testing.T) {
	t.Setenv("UMCTL_CONFIG_DIR", "")
	t.Setenv("XDG_CONFIG_HOME", "/x")
	if d := ConfigDir(); d != "/x/umctl" {
		t.Fatal(d)
	}
}
