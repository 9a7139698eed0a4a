package lab

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/go-ldap/ldap/v3"

	"github.com/umctl/umctl/internal/ad"
)

// Scale users: `umctl lab seed --users N` adds N users under ScaleOU, each with
// a UPN, a SIP address, a line URI and EUM proxy addresses, spread round-robin
// over the three seeded dial plans. Their numbers never collide with the seed
// users', the access numbers, or the extensions the tests and benchmarks use.
const (
	ScaleOU       = "OU=Scale Users"
	MaxScaleUsers = 120000 // TelExtnDP extensions 50001 … 90000 stay 5 digits
	scalePrefix   = "scale"
)

// ScaleUser returns scale user i (1 ≤ i ≤ MaxScaleUsers).
//
//	i%3 == 1  SipDP:     EUM:<sip name> (primary), and eum:<4-digit ext> while 2000+k ≤ 9999
//	i%3 == 2  E164DP:    EUM:+4723<6 digits>
//	i%3 == 0  TelExtnDP: EUM:<50000+k>
//
// where k = (i+2)/3 is the user's rank within its dial plan (1, 2, 3, …).
func ScaleUser(i int, domain string) SeedUser {
	sam := fmt.Sprintf("%s%06d", scalePrefix, i)
	k := (i + 2) / 3
	u := SeedUser{CN: sam, Sam: sam, SIP: "sip:" + sam + "@" + domain,
		Phone: fmt.Sprintf("+4791%07d", i), Line: fmt.Sprintf("tel:+4791%07d", i)}
	pc := func(dp string) string { return ";phone-context=" + dp + "." + domain }
	switch i % 3 {
	case 1:
		u.EUM = []string{"EUM:" + sam + "@" + domain + pc(SipDialPlan)}
		if ext := 2000 + k; ext <= 9999 {
			u.EUM = append(u.EUM, fmt.Sprintf("eum:%d", ext)+pc(SipDialPlan))
		}
	case 2:
		u.EUM = []string{fmt.Sprintf("EUM:+4723%06d", k) + pc(E164DialPlan)}
	default:
		u.EUM = []string{fmt.Sprintf("EUM:%d", 50000+k) + pc(TelExtDialPlan)}
	}
	return u
}

// ScaleUserDN is the DN of scale user i.
func ScaleUserDN(i int, base string) string {
	return "CN=" + ScaleUser(i, "").CN + "," + ScaleOU + "," + base
}

// scaleUserAdd is the add request that creates scale user i.
func scaleUserAdd(i int, base, domain string) *ldap.AddRequest {
	u := ScaleUser(i, domain)
	r := ldap.NewAddRequest(ScaleUserDN(i, base), nil)
	r.Attribute("objectClass", []string{"user"})
	r.Attribute("sAMAccountName", []string{u.Sam})
	r.Attribute("userPrincipalName", []string{u.Sam + "@" + domain})
	r.Attribute("givenName", []string{"Scale"})
	r.Attribute("sn", []string{fmt.Sprintf("User %06d", i)})
	r.Attribute("displayName", []string{fmt.Sprintf("Scale User %06d", i)})
	r.Attribute("mail", []string{u.Sam + "@" + domain})
	r.Attribute("telephoneNumber", []string{u.Phone})
	r.Attribute("msRTCSIP-PrimaryUserAddress", []string{u.SIP})
	r.Attribute("msRTCSIP-Line", []string{u.Line})
	r.Attribute("msRTCSIP-UserEnabled", []string{"TRUE"})
	r.Attribute("msRTCSIP-OptionFlags", []string{"385"})
	r.Attribute("msRTCSIP-PrimaryHomeServer", []string{"CN=Lc Services,CN=Microsoft,CN=1:1,CN=Pools,CN=RTC Service,CN=Services,CN=Configuration," + base})
	r.Attribute("proxyAddresses", append([]string{"SMTP:" + u.Sam + "@" + domain, u.SIP}, u.EUM...))
	r.Attribute("msExchUMEnabledFlags", []string{"831"})
	return r
}

// SeedResult says what Seed did.
type SeedResult struct {
	Added   int     `json:"added"`
	Present int     `json:"present"` // already there from an earlier seed
	Seconds float64 `json:"seconds"`
}

// Seed makes sure scale users 1..n exist in the running lab: it adds the missing
// ones over LDAPS and leaves the others (and any beyond n) as they are, so a
// re-seed with the same n writes nothing. One connection: Samba serialises
// writes, and measured on 2 cores one connection added users faster than 2, 4
// or 8, and faster than ldbadd into the stopped DC's database.
func (l *Lab) Seed(ctx context.Context, n int) (SeedResult, error) {
	if n < 1 || n > MaxScaleUsers {
		return SeedResult{}, fmt.Errorf("--users %d: expected 1 to %d", n, MaxScaleUsers)
	}
	unlock, err := l.lock()
	if err != nil {
		return SeedResult{}, err
	}
	defer unlock()
	env, err := l.Env()
	if err != nil {
		return SeedResult{}, err
	}
	if l.pid() == 0 {
		return SeedResult{}, fmt.Errorf("the lab in %s is not running: run `umctl lab up --dir %s` first", l.Dir, l.Dir)
	}
	d, err := ad.Dial(ctx, env.Settings())
	if err != nil {
		return SeedResult{}, err
	}
	defer d.Close()
	have, err := scaleUsersPresent(ctx, d)
	if err != nil {
		return SeedResult{}, err
	}
	return l.addScaleUsers(ctx, d.Conn(), n, have)
}

// scaleUsersPresent creates the scale OU if needed and returns the numbers of
// the scale users it holds.
func scaleUsersPresent(ctx context.Context, d *ad.Dir) (map[int]bool, error) {
	ou := ldap.NewAddRequest(ScaleOU+","+BaseDN, nil)
	ou.Attribute("objectClass", []string{"organizationalUnit"})
	if err := d.Conn().Add(ou); err != nil && !ldap.IsErrorWithCode(err, ldap.LDAPResultEntryAlreadyExists) {
		return nil, fmt.Errorf("creating %s: %w", ou.DN, err)
	}
	entries, err := d.Search(ctx, ScaleOU+","+BaseDN, ldap.ScopeSingleLevel, "(objectClass=user)", []string{"sAMAccountName"})
	if err != nil {
		return nil, err
	}
	have := make(map[int]bool, len(entries))
	for _, e := range entries {
		sam := e.GetAttributeValue("sAMAccountName")
		if i, err := strconv.Atoi(strings.TrimPrefix(sam, scalePrefix)); err == nil && strings.HasPrefix(sam, scalePrefix) {
			have[i] = true
		}
	}
	return have, nil
}

func (l *Lab) addScaleUsers(ctx context.Context, conn *ldap.Conn, n int, have map[int]bool) (SeedResult, error) {
	t0 := time.Now()
	var res SeedResult
	for i := 1; i <= n; i++ {
		if have[i] {
			res.Present++
			continue
		}
		if err := ctx.Err(); err != nil {
			return res, err
		}
		err := conn.Add(scaleUserAdd(i, BaseDN, Domain))
		switch {
		case err == nil:
			res.Added++
		case ldap.IsErrorWithCode(err, ldap.LDAPResultEntryAlreadyExists):
			res.Present++
		default:
			return res, fmt.Errorf("adding %s: %w", ScaleUserDN(i, BaseDN), err)
		}
		if res.Added > 0 && res.Added%5000 == 0 {
			l.logf("added %d users (%.0f/s)", res.Added, float64(res.Added)/time.Since(t0).Seconds())
		}
	}
	res.Seconds = time.Since(t0).Seconds()
	if res.Added > 0 {
		l.logf("added %d users in %.1f s (%.0f/s); %d were there", res.Added, res.Seconds, float64(res.Added)/res.Seconds, res.Present)
	}
	return res, nil
}

// scaleSnapshot is the directory (under the lab's) of the snapshot that
// ResetScale restores; scaleSnapshotInfo describes it.
const scaleSnapshot = "scale-snapshot"

type scaleSnapshotInfo struct {
	Users int `json:"users"`
}

// ResetScale returns the lab to the seed plus scale users 1..n. The first time
// for a given n it resets, seeds (minutes for tens of thousands of users) and
// keeps a snapshot; later it restores that snapshot in seconds. A re-provision
// (new schema or seed) deletes the snapshot with the rest of the lab.
func (l *Lab) ResetScale(ctx context.Context, n int) (Env, SeedResult, error) {
	if n < 1 || n > MaxScaleUsers {
		return Env{}, SeedResult{}, fmt.Errorf("--users %d: expected 1 to %d", n, MaxScaleUsers)
	}
	t0 := time.Now()
	var info scaleSnapshotInfo
	if b, err := os.ReadFile(l.path(scaleSnapshot, "scale.json")); err == nil && json.Unmarshal(b, &info) == nil && info.Users == n {
		unlock, err := l.lock()
		if err != nil {
			return Env{}, SeedResult{}, err
		}
		defer unlock()
		env, err := l.restore(ctx, scaleSnapshot)
		if err == nil {
			l.logf("reset to the seed and %d scale users (snapshot) in %.1f s", n, time.Since(t0).Seconds())
		}
		return env, SeedResult{Present: n, Seconds: time.Since(t0).Seconds()}, err
	}
	if _, err := l.Reset(ctx); err != nil {
		return Env{}, SeedResult{}, err
	}
	res, err := l.Seed(ctx, n)
	if err != nil {
		return Env{}, res, err
	}
	env, err := l.snapshotScale(ctx, n)
	res.Seconds = time.Since(t0).Seconds()
	return env, res, err
}

// snapshotScale stops Samba, copies the databases to the scale snapshot, and
// starts Samba again.
func (l *Lab) snapshotScale(ctx context.Context, n int) (Env, error) {
	unlock, err := l.lock()
	if err != nil {
		return Env{}, err
	}
	defer unlock()
	l.stop()
	dir := l.path(scaleSnapshot)
	if err := os.RemoveAll(dir); err != nil {
		return Env{}, err
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return Env{}, err
	}
	if out, err := exec.Command("cp", "-a", l.path("private"), l.path("state"), dir).CombinedOutput(); err != nil {
		return Env{}, fmt.Errorf("scale snapshot: %v: %s", err, out)
	}
	b, _ := json.Marshal(scaleSnapshotInfo{Users: n})
	if err := os.WriteFile(filepath.Join(dir, "scale.json"), b, 0o644); err != nil {
		return Env{}, err
	}
	l.logf("kept a snapshot with %d scale users in %s", n, dir)
	return l.start(ctx)
}
