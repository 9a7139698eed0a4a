//go:build !windows

package lab

import (
	"os"
	"syscall"
)

// supported is nil where the lab can run; the lab needs Samba and /proc (Linux).
func supported() error { return nil }

// lockFile takes an exclusive advisory lock on f, waiting for it.
func lockFile(f *os.File) error { return syscall.Flock(int(f.Fd()), syscall.LOCK_EX) }

// alive reports whether process pid exists.
func alive(pid int) bool { return syscall.Kill(pid, 0) == nil }

// terminate asks process pid to stop.
func terminate(pid int) { _ = syscall.Kill(pid, syscall.SIGTERM) }

// kill stops process pid at once.
func kill(pid int) { _ = syscall.Kill(pid, syscall.SIGKILL) }
