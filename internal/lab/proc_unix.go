//go:build !windows

package lab

import (
	"fmt"
	"os"
	"runtime"
	"syscall"
)

// supported is nil where the lab can run: it needs Samba and /proc (Linux).
func supported() error {
	if runtime.GOOS != "linux" {
		return fmt.Errorf("umctl lab needs Linux: it runs a Samba AD domain controller (this is %s; use a Linux machine or VM, and point umctl here at it with --server)", runtime.GOOS)
	}
	return nil
}

// lockFile takes an exclusive advisory lock on f, waiting for it.
func lockFile(f *os.File) error { return syscall.Flock(int(f.Fd()), syscall.LOCK_EX) }

// alive reports whether process pid exists.
func alive(pid int) bool { return syscall.Kill(pid, 0) == nil }

// terminate asks process pid to stop.
func terminate(pid int) { _ = syscall.Kill(pid, syscall.SIGTERM) }

// kill stops process pid at once.
func kill(pid int) { _ = syscall.Kill(pid, syscall.SIGKILL) }
