// Package lab runs a throwaway Samba AD domain controller on a loopback address,
// extended with the Exchange UM and Lync schema and seeded with a realistic
// forest. It is umctl's test directory and `umctl lab` for users.
package lab

import (
	"bufio"
	"bytes"
	"context"
	"crypto/sha256"
	_ "embed"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/go-ldap/ldap/v3"
	"github.com/go-ldap/ldif"

	"github.com/umctl/umctl/internal/ad"
)

//go:embed schema.ldif
var schemaLDIF string

// Fixed names of the lab forest.
const (
	Realm   = "LAB.UMCTL.TEST"
	Domain  = "lab.umctl.test"
	BaseDN  = "DC=lab,DC=umctl,DC=test"
	NetBIOS = "LAB"
	Host    = "umlabdc"
	BindDN  = "CN=Administrator,CN=Users," + BaseDN

	layoutVersion = "2"
	sambaBin      = "/usr/sbin/samba"
	marker        = ".umctl-lab"
)

// Packages are the Debian packages the lab needs.
var Packages = []string{"samba", "samba-ad-dc", "samba-ad-provision", "samba-dsdb-modules", "samba-vfs-modules", "winbind"}

// DefaultDir is UMCTL_LAB_DIR, else /tmp/umctl-lab.
func DefaultDir() string {
	if d := os.Getenv("UMCTL_LAB_DIR"); d != "" {
		return d
	}
	return "/tmp/umctl-lab"
}

// Lab is one lab directory.
type Lab struct {
	Dir     string
	Address string
	Log     io.Writer // progress lines
}

type state struct {
	Address     string `json:"address"`
	Fingerprint string `json:"fingerprint"`
}

// Open resolves dir and the address: an explicit address wins, then the one the
// lab was provisioned with, then 127.0.0.1.
func Open(dir, address string, log io.Writer) (*Lab, error) {
	if err := supported(); err != nil {
		return nil, err
	}
	if dir == "" {
		dir = DefaultDir()
	}
	abs, err := filepath.Abs(dir)
	if err != nil {
		return nil, err
	}
	if abs == "/" {
		return nil, errors.New("--dir: refusing to use / as the lab directory")
	}
	if log == nil {
		log = io.Discard
	}
	l := &Lab{Dir: abs, Address: address, Log: log}
	if l.Address == "" {
		l.Address = l.readState().Address
	}
	if l.Address == "" {
		l.Address = "127.0.0.1"
	}
	if ip := net.ParseIP(l.Address); ip == nil || ip.To4() == nil || !ip.IsLoopback() {
		return nil, fmt.Errorf("--address %q: expected a loopback address 127.x.y.z (the lab never listens elsewhere)", l.Address)
	}
	return l, nil
}

func (l *Lab) path(p ...string) string { return filepath.Join(append([]string{l.Dir}, p...)...) }
func (l *Lab) logf(format string, a ...any) {
	fmt.Fprintf(l.Log, "lab: "+format+"\n", a...)
}

func (l *Lab) readState() state {
	var s state
	b, err := os.ReadFile(l.path("lab.json"))
	if err == nil {
		_ = json.Unmarshal(b, &s)
	}
	return s
}

func (l *Lab) fingerprint() string {
	h := sha256.New()
	fmt.Fprintf(h, "%s|%s|%s\n", layoutVersion, l.Address, Realm)
	h.Write([]byte(schemaLDIF))
	h.Write([]byte(SeedLDIF(BaseDN, Domain)))
	return hex.EncodeToString(h.Sum(nil))[:16]
}

// Env is what a client needs to use the lab.
type Env struct {
	Server   string `json:"server"`
	BindDN   string `json:"bindDN"`
	Password string `json:"-"`
	CAFile   string `json:"caFile"`
	Krb5Conf string `json:"krb5Config"` // krb5.conf naming the lab's KDC
}

// Exports are shell lines setting exactly the variables umctl reads.
func (e Env) Exports() string {
	q := func(s string) string { return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'" }
	return fmt.Sprintf("export UMCTL_SERVER=%s\nexport UMCTL_BIND_DN=%s\nexport UMCTL_BIND_PASSWORD=%s\nexport UMCTL_CA_FILE=%s\nexport KRB5_CONFIG=%s\n",
		q(e.Server), q(e.BindDN), q(e.Password), q(e.CAFile), q(e.Krb5Conf))
}

// Settings are the connection settings for the lab.
func (e Env) Settings() ad.Settings {
	return ad.Settings{URL: e.Server, BindDN: e.BindDN, Password: e.Password, CAFile: e.CAFile, Timeout: 10 * time.Second}
}

// Env reads the lab's connection settings; the lab must have been provisioned.
func (l *Lab) Env() (Env, error) {
	pw, err := os.ReadFile(l.path("admin-password"))
	if err != nil {
		return Env{}, fmt.Errorf("no lab in %s (run `umctl lab up` first): %w", l.Dir, err)
	}
	return Env{Server: "ldaps://" + l.Address, BindDN: BindDN, Password: strings.TrimSpace(string(pw)), CAFile: l.path("tls", "ca.pem"), Krb5Conf: l.path("krb5.conf")}, nil
}

// MissingPackages lists the Debian packages that are not installed.
func MissingPackages() []string {
	var missing []string
	for _, p := range Packages {
		out, err := exec.Command("dpkg-query", "-W", "-f=${Status}", p).Output()
		if err != nil || !strings.Contains(string(out), "install ok installed") {
			missing = append(missing, p)
		}
	}
	return missing
}

// Install installs the missing packages with apt-get (root only), without
// letting the package scripts start Samba's system services.
func (l *Lab) Install(ctx context.Context) error {
	missing := MissingPackages()
	if len(missing) == 0 {
		return nil
	}
	if os.Geteuid() != 0 {
		return fmt.Errorf("installing %s needs root", strings.Join(missing, " "))
	}
	l.logf("installing %s", strings.Join(missing, " "))
	const policy = "/usr/sbin/policy-rc.d"
	if _, err := os.Stat(policy); errors.Is(err, os.ErrNotExist) {
		if err := os.WriteFile(policy, []byte("#!/bin/sh\nexit 101\n"), 0o755); err != nil {
			return err
		}
		defer os.Remove(policy)
	}
	var out bytes.Buffer
	run := func(args ...string) error {
		cmd := exec.CommandContext(ctx, "apt-get", args...)
		cmd.Env = append(os.Environ(), "DEBIAN_FRONTEND=noninteractive")
		cmd.Stdout, cmd.Stderr = &out, &out
		return cmd.Run()
	}
	if err := run("update", "-q"); err != nil {
		return fmt.Errorf("apt-get update: %v\n%s", err, tail(out.String(), 20))
	}
	if err := run(append([]string{"install", "-y", "-q", "--no-install-recommends"}, missing...)...); err != nil {
		return fmt.Errorf("apt-get install: %v\n%s", err, tail(out.String(), 20))
	}
	return nil
}

// lock takes an exclusive lock on the lab directory (one umctl lab at a time),
// after checking that the directory is a lab or empty.
func (l *Lab) lock() (func(), error) {
	if entries, err := os.ReadDir(l.Dir); err == nil && len(entries) > 0 {
		if _, err := os.Stat(l.path(marker)); err != nil {
			return nil, fmt.Errorf("--dir %s exists, is not empty and is not a umctl lab; choose another directory", l.Dir)
		}
	}
	if err := os.MkdirAll(l.Dir, 0o700); err != nil {
		return nil, err
	}
	if err := os.WriteFile(l.path(marker), []byte("umctl lab directory\n"), 0o644); err != nil {
		return nil, err
	}
	f, err := os.OpenFile(l.path(".lock"), os.O_CREATE|os.O_RDWR, 0o600) // close-on-exec: Samba does not inherit it
	if err != nil {
		return nil, err
	}
	if err := lockFile(f); err != nil {
		f.Close()
		return nil, err
	}
	return func() { f.Close() }, nil
}

// Up provisions the lab if needed (or if its schema, seed or address changed),
// starts Samba and waits until LDAPS answers with the lab CA.
func (l *Lab) Up(ctx context.Context, install bool) (Env, error) {
	t0 := time.Now()
	if install {
		if err := l.Install(ctx); err != nil {
			return Env{}, err
		}
	}
	if missing := MissingPackages(); len(missing) > 0 {
		return Env{}, fmt.Errorf("missing Debian packages: %s (run `umctl lab up --install` as root, or apt-get install --no-install-recommends %s)",
			strings.Join(missing, " "), strings.Join(missing, " "))
	}
	if os.Geteuid() != 0 {
		return Env{}, errors.New("the lab needs root: Samba binds ports 389 and 636 and owns its database files")
	}
	unlock, err := l.lock()
	if err != nil {
		return Env{}, err
	}
	defer unlock()
	fp := l.fingerprint()
	st := l.readState()
	if pid := l.pid(); pid > 0 && st.Fingerprint == fp {
		if env, err := l.Env(); err == nil && l.answers(ctx, env) == nil && l.kdcAnswers() {
			l.logf("already running (pid %d) on %s", pid, l.Address)
			return env, nil
		}
		l.logf("pid %d does not answer LDAPS; restarting", pid)
	}
	l.stop()
	if st.Fingerprint != fp {
		if err := l.provision(ctx); err != nil {
			return Env{}, err
		}
		if err := l.writeState(state{Address: l.Address, Fingerprint: fp}); err != nil {
			return Env{}, err
		}
	}
	env, err := l.start(ctx)
	if err != nil {
		return Env{}, err
	}
	l.logf("ready in %.1f s: %s", time.Since(t0).Seconds(), env.Server)
	return env, nil
}

func (l *Lab) writeState(s state) error {
	b, _ := json.MarshalIndent(s, "", "  ")
	return os.WriteFile(l.path("lab.json"), b, 0o644)
}

func (l *Lab) provision(ctx context.Context) error {
	t0 := time.Now()
	entries, _ := os.ReadDir(l.Dir)
	for _, e := range entries { // keep nothing from an older lab
		if e.Name() != marker && e.Name() != ".lock" {
			if err := os.RemoveAll(l.path(e.Name())); err != nil {
				return err
			}
		}
	}
	for _, d := range []string{"log", "run", "lock", "cache"} {
		if err := os.MkdirAll(l.path(d), 0o755); err != nil {
			return err
		}
	}
	l.logf("provisioning %s in %s", Realm, l.Dir)
	// No --adminpass: samba-tool makes a random password and prints it once. It
	// never appears in argv, and the log keeps a redacted copy of the output.
	cmd := exec.CommandContext(ctx, "samba-tool", "domain", "provision", "--targetdir="+l.Dir, "--realm="+Realm, "--domain="+NetBIOS,
		"--server-role=dc", "--dns-backend=NONE", "--backend-store=mdb", "--host-name="+Host, "--host-ip="+l.Address,
		"--option=interfaces="+l.Address+"/8", "--option=bind interfaces only=yes")
	out, err := cmd.CombinedOutput()
	password, redacted := extractPassword(string(out))
	_ = os.WriteFile(l.path("log", "provision.log"), []byte(redacted), 0o600)
	if err != nil {
		return fmt.Errorf("samba-tool domain provision failed: %v\n%s", err, tail(redacted, 20))
	}
	if password == "" {
		return errors.New("samba-tool domain provision did not report the administrator password (see " + l.path("log", "provision.log") + ")")
	}
	if err := os.WriteFile(l.path("admin-password"), []byte(password+"\n"), 0o600); err != nil {
		return err
	}
	if err := os.WriteFile(l.path("etc", "smb.conf"), []byte(l.smbConf()), 0o644); err != nil {
		return err
	}
	if err := makeCerts(l.path("tls"), Host+"."+Domain, l.Address); err != nil {
		return fmt.Errorf("making lab certificates: %w", err)
	}
	l.logf("samba-tool domain provision: %.1f s", time.Since(t0).Seconds())
	env, err := l.start(ctx)
	if err != nil {
		return err
	}
	t1 := time.Now()
	if err := l.load(ctx, env); err != nil {
		l.stop()
		_ = os.Remove(l.path("lab.json")) // re-provision next time
		return err
	}
	l.logf("schema and seed loaded over LDAPS: %.1f s", time.Since(t1).Seconds())
	l.stop()
	if err := os.RemoveAll(l.path("pristine")); err != nil {
		return err
	}
	if err := os.MkdirAll(l.path("pristine"), 0o700); err != nil {
		return err
	}
	if out, err := exec.Command("cp", "-a", l.path("private"), l.path("state"), l.path("pristine")).CombinedOutput(); err != nil {
		return fmt.Errorf("snapshot: %v: %s", err, out)
	}
	l.logf("provisioned in %.1f s", time.Since(t0).Seconds())
	return nil
}

// extractPassword finds samba-tool's "Admin password:" line and returns the
// password and the output with it redacted.
func extractPassword(out string) (string, string) {
	var pw string
	var b strings.Builder
	sc := bufio.NewScanner(strings.NewReader(out))
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		line := sc.Text()
		if i := strings.Index(line, "Admin password:"); i >= 0 {
			pw = strings.TrimSpace(line[i+len("Admin password:"):])
			line = line[:i] + "Admin password: (stored in admin-password)"
		}
		b.WriteString(line + "\n")
	}
	return pw, b.String()
}

// load applies the schema extension and the seed over LDAPS, like a real schema update.
func (l *Lab) load(ctx context.Context, env Env) error {
	d, err := ad.Dial(ctx, env.Settings())
	if err != nil {
		return err
	}
	defer d.Close()
	schema := strings.ReplaceAll(schemaLDIF, "${SCHEMADN}", "CN=Schema,CN=Configuration,"+BaseDN)
	if n, err := ApplyLDIF(d.Conn(), schema); err != nil {
		return fmt.Errorf("schema LDIF, entry %d: %w", n+1, err)
	}
	if n, err := ApplyLDIF(d.Conn(), SeedLDIF(BaseDN, Domain)); err != nil {
		return fmt.Errorf("seed LDIF, entry %d: %w", n+1, err)
	}
	return nil
}

const rootDSEPlaceholder = "CN=umctl-rootdse-placeholder"

// ApplyLDIF sends the change records of an LDIF text in order and returns how
// many succeeded. An empty "dn:" (the root DSE, for schemaUpdateNow) is allowed.
func ApplyLDIF(conn *ldap.Conn, text string) (int, error) {
	text = strings.ReplaceAll("\n"+text, "\ndn:\n", "\ndn: "+rootDSEPlaceholder+"\n")
	parsed, err := ldif.Parse(text)
	if err != nil {
		return 0, err
	}
	for i, e := range parsed.Entries {
		switch {
		case e.Add != nil:
			err = conn.Add(e.Add)
		case e.Modify != nil:
			if e.Modify.DN == rootDSEPlaceholder {
				e.Modify.DN = ""
			}
			err = conn.Modify(e.Modify)
		case e.Del != nil:
			err = conn.Del(e.Del)
		default:
			err = fmt.Errorf("entry %s is not a change record", e.Entry.DN)
		}
		if err != nil {
			return i, err
		}
	}
	return len(parsed.Entries), nil
}

func (l *Lab) smbConf() string {
	d := l.Dir
	return fmt.Sprintf(`# written by umctl lab: a loopback-only Samba AD DC for tests and demos
[global]
	netbios name = %s
	workgroup = %s
	realm = %s
	server role = active directory domain controller
	# only what a directory test needs (LDAP and the KDC): no SMB, DNS, NetBIOS, RPC, replication
	server services = ldap, kdc
	# "IP/8" binds to that 127.x address even though it is not configured on lo
	interfaces = %s/8
	bind interfaces only = yes
	disable netbios = yes
	private dir = %s/private
	state directory = %s/state
	cache directory = %s/cache
	lock directory = %s/lock
	pid directory = %s/run
	binddns dir = %s/bind-dns
	ncalrpc dir = %s/run/ncalrpc
	winbindd socket directory = %s/run/winbindd
	ntp signd socket directory = %s/run/ntp_signd
	log file = %s/log/samba.log
	logging = file
	log level = 1
	max log size = 10000
	panic action =
	# simple binds need TLS; SASL (Kerberos) binds need TLS or sign/seal, as on a
	# Windows DC that requires LDAP signing (Samba's default refuses SASL over TLS)
	ldap server require strong auth = allow_sasl_over_tls
	tls enabled = yes
	tls keyfile = %s/tls/key.pem
	tls certfile = %s/tls/cert.pem
	tls cafile = %s/tls/ca.pem
	# lab only: schema extension over LDAP
	dsdb:schema update allowed = true
	dns update command = /bin/true
	spn update command = /bin/true
	samba kcc command = /bin/true
	prefork children = 2
	# lab only: no fsync on database writes (about 2x faster writes)
	ldb:nosync = true
`, strings.ToUpper(Host), NetBIOS, Realm, l.Address, d, d, d, d, d, d, d, d, d, d, d, d, d)
}

func (l *Lab) start(ctx context.Context) (Env, error) {
	env, err := l.Env()
	if err != nil {
		return Env{}, err
	}
	for _, port := range []string{"389", "636"} {
		if c, err := net.DialTimeout("tcp", net.JoinHostPort(l.Address, port), 300*time.Millisecond); err == nil {
			c.Close()
			return Env{}, fmt.Errorf("%s:%s is already in use by another process (another lab? use --address 127.0.0.N)", l.Address, port)
		}
	}
	if err := os.WriteFile(l.path("etc", "smb.conf"), []byte(l.smbConf()), 0o644); err != nil { // a lab made by an older umctl gets the KDC too
		return Env{}, err
	}
	_ = os.Remove(l.path("run", "samba.pid"))
	for _, d := range []string{"run", "log", "lock", "cache"} {
		_ = os.MkdirAll(l.path(d), 0o755)
	}
	t0 := time.Now()
	cmd := exec.Command(sambaBin, "-D", "-M", "prefork", "-s", l.path("etc", "smb.conf"))
	if out, err := cmd.CombinedOutput(); err != nil {
		return Env{}, fmt.Errorf("starting samba: %v: %s", err, out)
	}
	deadline := time.Now().Add(60 * time.Second)
	for time.Now().Before(deadline) {
		if pid := l.pid(); pid > 0 {
			if err := l.answers(ctx, env); err == nil {
				l.logf("samba pid %d answers LDAPS on %s:636 after %.1f s", pid, l.Address, time.Since(t0).Seconds())
				return env, l.prepareKerberos(ctx, env)
			}
		} else if b, err := os.ReadFile(l.path("run", "samba.pid")); err == nil {
			if p, _ := strconv.Atoi(strings.TrimSpace(string(b))); p > 0 && !alive(p) {
				break // it died
			}
		}
		select {
		case <-ctx.Done():
			return Env{}, ctx.Err()
		case <-time.After(100 * time.Millisecond):
		}
	}
	logTail, _ := os.ReadFile(l.path("log", "samba.log"))
	return Env{}, fmt.Errorf("samba did not answer LDAPS on %s:636 within 60 s; end of %s:\n%s", l.Address, l.path("log", "samba.log"), tail(string(logTail), 15))
}

// answers binds as the administrator over LDAPS, verifying the lab CA.
func (l *Lab) answers(ctx context.Context, env Env) error {
	s := env.Settings()
	s.Timeout = 3 * time.Second
	d, err := ad.Dial(ctx, s)
	if err != nil {
		return err
	}
	d.Close()
	return nil
}

// pid is the PID in the pid file if that process is this lab's samba: it runs
// /usr/sbin/samba and holds this lab's sam.ldb open. Samba rewrites its argv,
// so the command line cannot tell; processes are never matched by name.
func (l *Lab) pid() int {
	b, err := os.ReadFile(l.path("run", "samba.pid"))
	if err != nil {
		return 0
	}
	p, _ := strconv.Atoi(strings.TrimSpace(string(b)))
	if p > 0 && l.isOurs(p) {
		return p
	}
	return 0
}

func (l *Lab) isOurs(pid int) bool {
	exe, err := os.Readlink(fmt.Sprintf("/proc/%d/exe", pid))
	if err != nil || strings.TrimSuffix(exe, " (deleted)") != sambaBin {
		return false
	}
	want, err := os.Stat(l.path("private", "sam.ldb"))
	if err != nil {
		return false
	}
	fds, _ := os.ReadDir(fmt.Sprintf("/proc/%d/fd", pid))
	for _, fd := range fds {
		if st, err := os.Stat(fmt.Sprintf("/proc/%d/fd/%s", pid, fd.Name())); err == nil && os.SameFile(st, want) {
			return true
		}
	}
	return false
}

// allPIDs lists every samba process (master and children) of this lab.
func (l *Lab) allPIDs() []int {
	var out []int
	entries, _ := os.ReadDir("/proc")
	for _, e := range entries {
		if p, err := strconv.Atoi(e.Name()); err == nil && l.isOurs(p) {
			out = append(out, p)
		}
	}
	return out
}

// stop ends this lab's samba: SIGTERM to the verified master, then SIGKILL to
// anything of this lab that outlived it.
func (l *Lab) stop() {
	if p := l.pid(); p > 0 {
		terminate(p)
		for i := 0; i < 100 && alive(p); i++ {
			time.Sleep(100 * time.Millisecond)
		}
		if alive(p) {
			kill(p)
		}
		l.logf("samba pid %d stopped", p)
	}
	_ = os.Remove(l.path("run", "samba.pid"))
	for i := 0; i < 30; i++ {
		rest := l.allPIDs()
		if len(rest) == 0 {
			return
		}
		if i == 29 {
			for _, p := range rest {
				kill(p)
			}
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// Down stops the lab's samba, if it runs.
func (l *Lab) Down() error {
	if _, err := os.Stat(l.path(marker)); err != nil {
		l.logf("no lab in %s", l.Dir)
		return nil
	}
	unlock, err := l.lock()
	if err != nil {
		return err
	}
	defer unlock()
	if l.pid() == 0 && len(l.allPIDs()) == 0 {
		l.logf("not running")
		return nil
	}
	l.stop()
	return nil
}

// Reset restores the freshly seeded snapshot and starts the lab.
func (l *Lab) Reset(ctx context.Context) (Env, error) {
	if _, err := os.Stat(l.path("pristine", "private")); err != nil {
		return Env{}, fmt.Errorf("no snapshot in %s; run `umctl lab up` first", l.Dir)
	}
	t0 := time.Now()
	unlock, err := l.lock()
	if err != nil {
		return Env{}, err
	}
	defer unlock()
	env, err := l.restore(ctx, "pristine")
	if err != nil {
		return Env{}, err
	}
	l.logf("reset in %.1f s", time.Since(t0).Seconds())
	return env, nil
}

// restore stops Samba, replaces the databases with the snapshot in DIR/snap,
// and starts Samba again. The caller holds the lock.
func (l *Lab) restore(ctx context.Context, snap string) (Env, error) {
	l.stop()
	for _, d := range []string{"private", "state", "cache", "lock"} {
		if err := os.RemoveAll(l.path(d)); err != nil {
			return Env{}, err
		}
	}
	if out, err := exec.Command("cp", "-a", l.path(snap, "private"), l.path(snap, "state"), l.Dir).CombinedOutput(); err != nil {
		return Env{}, fmt.Errorf("restoring snapshot %s: %v: %s", snap, err, out)
	}
	return l.start(ctx)
}

// Status describes a lab.
type Status struct {
	State     string `json:"state"` // running, stopped, not-answering, absent
	PID       int    `json:"pid,omitempty"`
	Processes int    `json:"processes,omitempty"`
	PSSMiB    int    `json:"pssMiB,omitempty"`
	Server    string `json:"server"`
	Dir       string `json:"dir"`
}

// Status reports whether the lab runs and answers.
func (l *Lab) Status(ctx context.Context) Status {
	s := Status{State: "stopped", Server: "ldaps://" + l.Address, Dir: l.Dir}
	if _, err := os.Stat(l.path("lab.json")); err != nil {
		s.State = "absent"
		return s
	}
	s.PID = l.pid()
	if s.PID == 0 {
		return s
	}
	pids := l.allPIDs()
	s.Processes = len(pids)
	kb := 0
	for _, p := range pids {
		b, _ := os.ReadFile(fmt.Sprintf("/proc/%d/smaps_rollup", p))
		for _, line := range strings.Split(string(b), "\n") {
			if f := strings.Fields(line); len(f) >= 2 && f[0] == "Pss:" {
				n, _ := strconv.Atoi(f[1])
				kb += n
			}
		}
	}
	s.PSSMiB = kb / 1024
	s.State = "not-answering"
	if env, err := l.Env(); err == nil && l.answers(ctx, env) == nil {
		s.State = "running"
	}
	return s
}

func tail(s string, n int) string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}
