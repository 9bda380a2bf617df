package mail

import (
	"strings"
	"time"
)

// Entry is one mail sent.
type Entry struct {
	Kind Kind      `json:"kind"`
	To   string    `json:"to"`
	At   time.Time `json:"at"`
}

// CourierEntry is the log entry of one message Kratos's courier handed
// over, by its template type; ok is false for a type WorkID does not
// count.
func CourierEntry(templateType, to string, at time.Time) (e Entry, ok bool) {
	switch templateType {
	case TemplateVerification:
		return Entry{Kind: Verification, To: to, At: at}, true
	case TemplateRecovery:
		return Entry{Kind: Recovery, To: to, At: at}, true
	}
	return Entry{}, false
}

// CourierPage is how many of a recipient's courier messages are read a
// request, and CourierPages how many requests at most: past that many in
// a day, the recipient is over every limit.
const (
	CourierPage  = 100
	CourierPages = 20
)

// ClockSkew is how far in the future another replica's clock may put a
// mail before it is taken for garbage.
const ClockSkew = 5 * time.Minute

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
// job's expiry or reminder, and one more. Email-change notices are
// limited per account in WorkID's database (hooks.Mailer's Notices).
var limits = map[Kind]limit{
	Verification: {perDay: 8},
	Expiry:       {perDay: 8},
	Reminder:     {perDay: 8},
	Recovery:     {gap: time.Minute, perDay: 5},
}

// counter is the kind whose count a kind shares.
func counter(k Kind) Kind {
	if k == Expiry || k == Reminder {
		return Verification
	}
	return k
}

// Allows reports whether one more mail of kind to to fits its limit,
// given the mails of the last day. A kind limits does not list
// (EmailChanged, limited per account elsewhere) is never allowed here.
func Allows(log []Entry, kind Kind, to string, now time.Time) bool {
	l := limits[kind]
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
