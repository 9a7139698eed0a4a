package sipprobe

import (
	"context"
	"fmt"
	"strconv"
	"strings"

	"github.com/emiago/sipgo/sip"
)

// MWI is the message-waiting state to send, as Exchange UM does (RFC 3842).
type MWI struct {
	New, Old int
	Account  string // Message-Account (default: the target URI)
}

// ParseMessages parses NEW/OLD (e.g. 2/5): counts of new and old voice messages.
func ParseMessages(s string) (newN, old int, err error) {
	a, b, ok := strings.Cut(strings.TrimSpace(s), "/")
	if !ok {
		return 0, 0, fmt.Errorf("%w: %q: want NEW/OLD, e.g. 2/5 (two new, five old)", ErrInvalid, s)
	}
	newN, err1 := strconv.Atoi(strings.TrimSpace(a))
	old, err2 := strconv.Atoi(strings.TrimSpace(b))
	if err1 != nil || err2 != nil || newN < 0 || old < 0 {
		return 0, 0, fmt.Errorf("%w: %q: want NEW/OLD with counts of 0 or more, e.g. 2/5", ErrInvalid, s)
	}
	return newN, old, nil
}

// Body is the application/simple-message-summary body.
func (m MWI) Body(account string) string {
	waiting := "no"
	if m.New > 0 {
		waiting = "yes"
	}
	return fmt.Sprintf("Messages-Waiting: %s\r\nMessage-Account: %s\r\nVoice-Message: %d/%d\r\n", waiting, account, m.New, m.Old)
}

// SendMWI sends the unsolicited NOTIFY Event: message-summary that Exchange
// UM sends toward Lync or a PBX trunk, and returns the answer.
func SendMWI(ctx context.Context, t Target, m MWI, c Config) (*Answer, error) {
	account := m.Account
	if account == "" {
		u := t.URI
		u.UriParams, u.Headers = nil, nil
		account = u.String()
	}
	ans, _, err := exchange(ctx, t, c, func(local string) *sip.Request {
		req := t.request(sip.NOTIFY)
		setFrom(req, c, local)
		req.AppendHeader(sip.NewHeader("Event", "message-summary"))
		req.AppendHeader(sip.NewHeader("Subscription-State", "active"))
		req.AppendHeader(sip.NewHeader("Content-Type", "application/simple-message-summary"))
		req.AppendHeader(&sip.ContactHeader{Address: sip.Uri{Scheme: "sip", User: "umctl", Host: local}})
		req.SetBody([]byte(m.Body(account)))
		return req
	})
	return ans, err
}
