package emailstate

import (
	"testing"
	"time"
)

func TestOf(t *testing.T) {
	now := time.Date(2026, 11, 26, 12, 0, 0, 0, time.UTC)
	at := func(daysAgo int) *time.Time { v := now.AddDate(0, 0, -daysAgo); return &v }
	rec := &Reverification{Address: "ann@acme.com", VerifiedAt: *at(400), ExpiredAt: *at(35), SentAt: *at(35)}
	tests := []struct {
		name   string
		addr   Address
		record *Reverification
		want   Status
	}{
		{"never verified", Address{Value: "ann@acme.com"}, nil, Unverified},
		{"verified yesterday", Address{Value: "ann@acme.com", Verified: true, VerifiedAt: at(1)}, nil, Verified},
		{"verified 364 days ago", Address{Value: "ann@acme.com", Verified: true, VerifiedAt: at(364)}, nil, Verified},
		{"verified 366 days ago, job not run", Address{Value: "ann@acme.com", Verified: true, VerifiedAt: at(366)}, nil, Expired},
		{"expired by the job", Address{Value: "ann@acme.com"}, rec, Expired},
		{"record for an older address", Address{Value: "ann@new.com"}, rec, Unverified},
		{"verified again after expiry", Address{Value: "ann@acme.com", Verified: true, VerifiedAt: at(2)}, rec, Verified},
	}
	for _, tt := range tests {
		got := Of(tt.addr, tt.record, now, DefaultMaxAge)
		if got.Status != tt.want {
			t.Errorf("%s: Of = %s, want %s", tt.name, got.Status, tt.want)
		}
		if got.Current() != (tt.want == Verified) {
			t.Errorf("%s: Current() = %v", tt.name, got.Current())
		}
	}
	st := Of(Address{Value: "ann@acme.com", Verified: true, VerifiedAt: at(10)}, nil, now, DefaultMaxAge)
	if want := at(10).Add(DefaultMaxAge); !st.ValidUntil.Equal(want) {
		t.Errorf("ValidUntil = %v, want %v", st.ValidUntil, want)
	}
	ex := Of(Address{Value: "ann@acme.com"}, rec, now, DefaultMaxAge)
	if !ex.ExpiredAt.Equal(rec.ExpiredAt) || !ex.NewLinkSentAt.Equal(rec.SentAt) || !ex.ValidUntil.Equal(rec.VerifiedAt.Add(DefaultMaxAge)) {
		t.Errorf("expired state = %+v, want the record's dates and a year after its verification", ex)
	}
	// Expired early by an admin: valid until then, not a year after.
	early := &Reverification{Address: "ann@acme.com", VerifiedAt: *at(30), ExpiredAt: *at(1)}
	if st := Of(Address{Value: "ann@acme.com"}, early, now, DefaultMaxAge); st.Status != Expired || !st.ValidUntil.Equal(early.ExpiredAt) {
		t.Errorf("expired early: %s, valid until %v; want expired, valid until %v", st.Status, st.ValidUntil, early.ExpiredAt)
	}
}

func TestRecordFrom(t *testing.T) {
	meta := map[string]any{MetadataKey: map[string]any{
		"address": "ann@acme.com", "verified_at": "2025-10-01T10:00:00Z", "expired_at": "2026-10-02T00:00:00Z",
	}}
	r := RecordFrom(meta)
	if r == nil || r.Address != "ann@acme.com" || r.ExpiredAt.Year() != 2026 || !r.SentAt.IsZero() {
		t.Errorf("RecordFrom = %+v", r)
	}
	for _, bad := range []any{nil, "x", map[string]any{}, map[string]any{MetadataKey: "junk"}} {
		if RecordFrom(bad) != nil {
			t.Errorf("RecordFrom(%v) != nil", bad)
		}
	}
}
