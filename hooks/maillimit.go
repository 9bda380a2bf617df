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

// limits are per kind and recipient. Verification allows the mail at
// registration or at an email change, the five a day "Send me a
// verification link" offers (the UI spaces those a minute apart) and two
// more; the re-verification job sends one expiry or reminder a
// verification (a second if it had to try again).
var limits = map[mail.Kind]limit{
	mail.Verification: {perDay: 8},
	mail.Recovery:     {gap: time.Minute, perDay: 5},
	mail.Expiry:       {perDay: 2},
	mail.Reminder:     {perDay: 2},
	mail.EmailChanged: {perDay: 10},
}

// allows reports whether one more mail of kind to to fits the limit.
func (l limit) allows(log []mailEntry, kind mail.Kind, to string, now time.Time) bool {
	n := 0
	for _, e := range log {
		if e.Kind != kind || !strings.EqualFold(e.To, to) {
			continue
		}
		n++
		if now.Sub(e.At) < l.gap {
			return false
		}
	}
	return n < l.perDay
}
