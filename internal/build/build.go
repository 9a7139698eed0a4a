// Package build reports the version of the umctl binary.
package build

import (
	"runtime"
	"runtime/debug"
)

// Set with -ldflags "-X github.com/umctl/umctl/internal/build.Version=… -X ….Commit=… -X ….Date=…".
var (
	Version = ""
	Commit  = ""
	Date    = ""
)

// Info is the version information printed by `umctl version`.
type Info struct {
	Version   string `json:"version" yaml:"version"`
	Commit    string `json:"commit,omitempty" yaml:"commit,omitempty"`
	Date      string `json:"date,omitempty" yaml:"date,omitempty"`
	GoVersion string `json:"goVersion" yaml:"goVersion"`
	Platform  string `json:"platform" yaml:"platform"`
}

// Get returns the stamped version, falling back to the module build information
// (`go install …@vX` and VCS stamping) when nothing was set with -ldflags.
func Get() Info {
	i := Info{Version: Version, Commit: Commit, Date: Date, GoVersion: runtime.Version(), Platform: runtime.GOOS + "/" + runtime.GOARCH}
	if bi, ok := debug.ReadBuildInfo(); ok {
		if i.Version == "" && bi.Main.Version != "" && bi.Main.Version != "(devel)" {
			i.Version = bi.Main.Version
		}
		for _, s := range bi.Settings {
			switch s.Key {
			case "vcs.revision":
				if i.Commit == "" {
					i.Commit = s.Value
				}
			case "vcs.time":
				if i.Date == "" {
					i.Date = s.Value
				}
			}
		}
	}
	if i.Version == "" {
		i.Version = "dev"
	}
	if len(i.Commit) > 12 {
		i.Commit = i.Commit[:12]
	}
	return i
}

// String is the one-line form shared by `umctl version` and `umctl --version`.
func (i Info) String() string {
	s := "umctl " + i.Version
	if i.Commit != "" || i.Date != "" {
		s += " ("
		if i.Commit != "" {
			s += i.Commit
		}
		if i.Commit != "" && i.Date != "" {
			s += ", "
		}
		s += i.Date + ")"
	}
	return s + " " + i.GoVersion + " " + i.Platform
}
