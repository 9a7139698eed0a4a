//go:build !windows

package lab_test

import (
	"context"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/go-ldap/ldap/v3"

	"github.com/umctl/umctl/internal/ad"
	"github.com/umctl/umctl/internal/lab"
	"github.com/umctl/umctl/internal/labtest"
)

// TestLifecycle runs its own lab (it stops and resets it, which would disturb
// the shared test lab that other packages use at the same time).
func TestLifecycle(t *testing.T) {
	labtest.Env(t) // skip or fail like every lab test when no lab can run
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	address := labtest.LifecycleAddress()
	l, err := lab.Open(labtest.Dir()+"-lifecycle", address, os.Stderr)
	if err != nil {
		t.Fatal(err)
	}
	env, err := l.Up(ctx, false)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = l.Down() })
	if s := l.Status(ctx); s.State != "running" || s.PID == 0 || s.Processes < 2 {
		t.Fatalf("status %+v", s)
	}
	if !strings.HasPrefix(env.Exports(), "export UMCTL_SERVER='ldaps://"+address+"'\n") {
		t.Fatal(env.Exports())
	}

	// A write, then reset: the write is gone, the seed is back.
	d, err := ad.Dial(ctx, env.Settings())
	if err != nil {
		t.Fatal(err)
	}
	dn := "CN=scratch,OU=umctl-test," + lab.BaseDN
	add := ldap.NewAddRequest(dn, nil)
	add.Attribute("objectClass", []string{"contact"})
	if err := d.Conn().Add(add); err != nil {
		t.Fatal(err)
	}
	d.Close()
	if _, err := l.Reset(ctx); err != nil {
		t.Fatal(err)
	}
	d, err = ad.Dial(ctx, env.Settings())
	if err != nil {
		t.Fatal(err)
	}
	if ok, err := d.Exists(ctx, dn); err != nil || ok {
		t.Fatalf("after reset the scratch object exists=%v (%v)", ok, err)
	}
	if plans, err := d.DialPlans(ctx); err != nil || len(plans) != 3 {
		t.Fatalf("after reset: %d plans, %v", len(plans), err)
	}
	d.Close()

	// down stops only what the pid file names *and* is this lab's samba: a
	// foreign PID written into the pid file survives, and a later up starts again.
	pid := l.Status(ctx).PID
	if err := l.Down(); err != nil {
		t.Fatal(err)
	}
	if syscall.Kill(pid, 0) == nil {
		t.Fatalf("samba %d still runs after down", pid)
	}
	sleeper := exec.Command("sleep", "30")
	if err := sleeper.Start(); err != nil {
		t.Fatal(err)
	}
	defer sleeper.Process.Kill()
	if err := os.WriteFile(l.Dir+"/run/samba.pid", []byte(strconv.Itoa(sleeper.Process.Pid)+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := l.Down(); err != nil {
		t.Fatal(err)
	}
	if syscall.Kill(sleeper.Process.Pid, 0) != nil {
		t.Fatal("down killed a process that is not the lab's samba")
	}
	if s := l.Status(ctx); s.State != "stopped" {
		t.Fatalf("status after down: %+v", s)
	}
	t0 := time.Now()
	if _, err := l.Up(ctx, false); err != nil {
		t.Fatal(err)
	}
	t.Logf("restart of a provisioned lab: %v", time.Since(t0).Round(time.Millisecond))
}
