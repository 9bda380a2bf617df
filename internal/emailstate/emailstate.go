// Package emailstate is WorkID's one rule for whether an email address
// counts as verified: verified by Kratos, and verified less than MaxAge
// ago. The dashboard, the re-verification job and the ID token's
// email_verified claim all ask it, so they can never disagree.
package emailstate

import (
	"encoding/json"
	"time"
)

// DefaultMaxAge is how long a verification lasts: one year.
const DefaultMaxAge = 365 * 24 * time.Hour

// Status is an address's verification state.
type Status int

// The states an address can be in.
const (
	// Unverified: never verified (or changed since).
	Unverified Status = iota
	// Verified: verified less than MaxAge ago.
	Verified
	// Expired: verified more than MaxAge ago; a new link is (or will be) sent.
	Expired
)

// String names the status for logs and templates.
func (s Status) String() string {
	switch s {
	case Verified:
		return "verified"
	case Expired:
		return "expired"
	}
	return "unverified"
}

// Address is what the rule needs of a Kratos verifiable address.
type Address struct {
	Value      string
	Verified   bool
	VerifiedAt *time.Time
}

// MetadataKey is the field of an identity's metadata_admin that holds the
// re-verification record.
const MetadataKey = "workid_reverification"

// ReminderKey is the field of metadata_admin where the re-verification
// job records the reminder it sent: {"address", "verified_at", "sent_at"}.
const ReminderKey = "workid_reverification_reminder"

// Reverification is the record the re-verification job keeps on an
// identity (metadata_admin) when it expires an address.
type Reverification struct {
	// Address is the address that expired.
	Address string `json:"address"`
	// VerifiedAt is when it had been verified; ExpiredAt when it was
	// marked unverified.
	VerifiedAt time.Time `json:"verified_at"`
	ExpiredAt  time.Time `json:"expired_at"`
	// SentAt is when the new link was sent; zero until it is.
	SentAt time.Time `json:"sent_at,omitzero"`
}

// RecordFrom reads the re-verification record from an identity's
// metadata_admin (a decoded JSON object), or nil.
func RecordFrom(metadataAdmin any) *Reverification {
	m, ok := metadataAdmin.(map[string]any)
	if !ok || m[MetadataKey] == nil {
		return nil
	}
	b, err := json.Marshal(m[MetadataKey])
	if err != nil {
		return nil
	}
	var r Reverification
	if json.Unmarshal(b, &r) != nil || r.Address == "" {
		return nil
	}
	return &r
}

// State is an address's verification state at a moment.
type State struct {
	Address string
	Status  Status
	// VerifiedAt and ValidUntil are set when the address is or was verified.
	VerifiedAt, ValidUntil time.Time
	// ExpiredAt is set when Status is Expired; NewLinkSentAt once the
	// re-verification job has sent the new link.
	ExpiredAt, NewLinkSentAt time.Time
}

// Of returns the state of a at now, given a verification lasts maxAge and
// the identity's re-verification record (nil if none).
func Of(a Address, record *Reverification, now time.Time, maxAge time.Duration) State {
	st := State{Address: a.Value}
	if a.Verified {
		if a.VerifiedAt == nil {
			// Kratos always sets verified_at; without it, trust the flag.
			st.Status = Verified
			return st
		}
		st.VerifiedAt = *a.VerifiedAt
		st.ValidUntil = a.VerifiedAt.Add(maxAge)
		if now.Before(st.ValidUntil) {
			st.Status = Verified
			return st
		}
		// Past its age, before the job got to it.
		st.Status = Expired
		st.ExpiredAt = st.ValidUntil
		return st
	}
	if record != nil && record.Address == a.Value {
		st.Status = Expired
		st.VerifiedAt = record.VerifiedAt
		st.ValidUntil = record.VerifiedAt.Add(maxAge)
		if !record.ExpiredAt.IsZero() && record.ExpiredAt.Before(st.ValidUntil) {
			// Expired early (`workid admin reverify`): it was valid until then.
			st.ValidUntil = record.ExpiredAt
		}
		st.ExpiredAt = record.ExpiredAt
		st.NewLinkSentAt = record.SentAt
		return st
	}
	st.Status = Unverified
	return st
}

// Current reports whether the address counts as verified now.
func (s State) Current() bool { return s.Status == Verified }
