package cli

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/umctl/umctl/internal/yamlconf"
)

// Profile is one named set of connection settings in config.yaml. It never holds
// a password: bind-password-file names a file that does.
type Profile struct {
	Server                string `yaml:"server,omitempty" json:"server,omitempty"`
	BindDN                string `yaml:"bind-dn,omitempty" json:"bindDN,omitempty"`
	BindPasswordFile      string `yaml:"bind-password-file,omitempty" json:"bindPasswordFile,omitempty"`
	CAFile                string `yaml:"ca-file,omitempty" json:"caFile,omitempty"`
	InsecureSkipTLSVerify bool   `yaml:"insecure-skip-tls-verify,omitempty" json:"insecureSkipTLSVerify,omitempty"`
	Timeout               string `yaml:"timeout,omitempty" json:"timeout,omitempty"`
	Auth                  string `yaml:"auth,omitempty" json:"auth,omitempty"`           // simple, kerberos, negotiate, auto
	Keytab                string `yaml:"keytab,omitempty" json:"keytab,omitempty"`       // a path; never the keys
	Principal             string `yaml:"principal,omitempty" json:"principal,omitempty"` // user@REALM
	GC                    string `yaml:"gc,omitempty" json:"gc,omitempty"`               // global catalog URL
	// DomainServers names a DC (URL) per domain (DNS name) for writes to
	// objects of that domain; other domains' DCs are found in DNS.
	DomainServers map[string]string `yaml:"domain-servers,omitempty" json:"domainServers,omitempty"`
}

// Config is the file $XDG_CONFIG_HOME/umctl/config.yaml.
type Config struct {
	CurrentProfile string             `yaml:"current-profile,omitempty"`
	Profiles       map[string]Profile `yaml:"profiles,omitempty"`
	Path           string             `yaml:"-"`
}

// ConfigDir is UMCTL_CONFIG_DIR, else $XDG_CONFIG_HOME/umctl, else ~/.config/umctl.
func ConfigDir() string {
	if d := os.Getenv("UMCTL_CONFIG_DIR"); d != "" {
		return d
	}
	if d := os.Getenv("XDG_CONFIG_HOME"); d != "" {
		return filepath.Join(d, "umctl")
	}
	home, err := os.UserHomeDir()
	if err != nil {
		return filepath.Join(".config", "umctl")
	}
	return filepath.Join(home, ".config", "umctl")
}

// LoadConfig reads config.yaml; a missing file is an empty configuration.
// Unknown keys are errors, and so is anything that looks like a password.
func LoadConfig() (*Config, error) {
	path := filepath.Join(ConfigDir(), "config.yaml")
	c := &Config{Path: path}
	data, err := os.ReadFile(path)
	if errors.Is(err, os.ErrNotExist) {
		return c, nil
	}
	if err != nil {
		return nil, fmt.Errorf("config: %w", err)
	}
	if err := yamlconf.Decode(path, data, c); err != nil { // invalid input (exit 2), as an unknown profile is
		if strings.Contains(err.Error(), "password") {
			return nil, WithCode(ExitUsage, fmt.Errorf("config %s: passwords are never read from the config file; use bind-password-file, UMCTL_BIND_PASSWORD or the prompt (%v)", path, err))
		}
		return nil, WithCode(ExitUsage, fmt.Errorf("config: %v", err))
	}
	return c, nil
}

// Profile returns the named profile ("" = current-profile, which may be unset).
func (c *Config) Profile(name string) (Profile, error) {
	if name == "" {
		name = c.CurrentProfile
	}
	if name == "" {
		return Profile{}, nil
	}
	p, ok := c.Profiles[name]
	if !ok {
		return Profile{}, FlagErrorf("invalid value %q for --profile: no such profile in %s (have: %s)", name, c.Path, strings.Join(c.ProfileNames(), ", "))
	}
	return p, nil
}

// ProfileNames lists the profiles, sorted.
func (c *Config) ProfileNames() []string {
	names := make([]string, 0, len(c.Profiles))
	for n := range c.Profiles {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}
