package hooks

import (
	"encoding/json"
	"strings"
	"time"

	"github.com/workid/workid/internal/mail"
)

// mailLogKey is the field of metadata_admin that lists the mails sent to
// an account in the last day: the recipients' limits are counted from it,
// so every hooks replica sees the same count.
const mailLogKey = "workid_mail_log"

// mailEntry is one mail sent.
type mailEntry struct {
	Kind mail.Kind `json:"kind"`
	To   string    `json:"to"`
	At   time.Time `json:"at"`
}

// clockSkew is how far in the future another replica's clock may put a
// mail before its entry is taken for garbage.
const clockSkew = 5 * time.Minute

// mailLog reads the mails of the last day from metadata_admin; anything
// unreadable counts as no mail.
func mailLog(metadataAdmin any, now time.Time) []mailEntry {
	m, _ := metadataAdmin.(map[string]any)
	raw, ok := m[mailLogKey]
	if !ok {
		return nil
	}
	b, err := json.Marshal(raw)
	if err != nil {
		return nil
	}
	var all []mailEntry
	if json.Unmarshal(b, &all) != nil {
		return nil
	}
	var out []mailEntry
	for _, e := range all {
		if age := now.Sub(e.At); age < 24*time.Hour && age > -clockSkew {
			out = append(out, e)
		}
	}
	return out
}

// limit is how many mails of one kind one address may receive.
type limit struct {
	// gap is the least time between two; perDay the most in 24 hours.
	gap    time.Duration
	perDay int
}

// limits are per recipient and kind. The expiry and reminder mails are
// verification mails in other words, so the three share one count: the
// mail at registration or at an email change, the five a day "Send me a
// verification link" offers (the UI spaces those a minute apart), the
// job's expiry or reminder, and one more.
var limits = map[mail.Kind]limit{
	mail.Verification: {perDay: 8},
	mail.Expiry:       {perDay: 8},
	mail.Reminder:     {perDay: 8},
	mail.Recovery:     {gap: time.Minute, perDay: 5},
	mail.EmailChanged: {perDay: 10},
}

// counter is the kind whose count a kind shares.
func counter(k mail.Kind) mail.Kind {
	if k == mail.Expiry || k == mail.Reminder {
		return mail.Verification
	}
	return k
}

// allows reports whether one more mail of kind to to fits the limit.
func (l limit) allows(log []mailEntry, kind mail.Kind, to string, now time.Time) bool {
	n := 0
	for _, e := range log {
		if counter(e.Kind) != counter(kind) || !strings.EqualFold(e.To, to) {
			continue
		}
		n++
		if now.Sub(e.At) < l.gap {
			return false
		}
	}
	return n < l.perDay
}
