package mail

import (
	"context"
	"testing"
	"time"
)

func TestLimits(t *testing.T) {
	now := time.Date(2026, 12, 1, 12, 0, 0, 0, time.UTC)
	log := func(kind Kind, to string, ago ...time.Duration) []Entry {
		var out []Entry
		for _, a := range ago {
			out = append(out, Entry{Kind: kind, To: to, At: now.Add(-a)})
		}
		return out
	}
	h := time.Hour
	tests := []struct {
		name string
		kind Kind
		log  []Entry
		want bool
	}{
		{"first verification", Verification, nil, true},
		{"eighth verification of the day", Verification, log(Verification, "ann@acme-widgets.com", h, 2*h, 3*h, 4*h, 5*h, 6*h, 7*h), true},
		{"ninth verification of the day", Verification, log(Verification, "ann@acme-widgets.com", h, 2*h, 3*h, 4*h, 5*h, 6*h, 7*h, 8*h), false},
		{"other recipients do not count", Verification, log(Verification, "bob@acme-widgets.com", h, 2*h, 3*h, 4*h, 5*h, 6*h, 7*h, 8*h), true},
		{"recovery a minute after another", Recovery, log(Recovery, "ann@acme-widgets.com", 30*time.Second), false},
		{"recovery an hour after another", Recovery, log(Recovery, "ann@acme-widgets.com", h), true},
		{"expiry after seven verifications", Expiry, log(Verification, "ann@acme-widgets.com", h, 2*h, 3*h, 4*h, 5*h, 6*h, 7*h), true},
		{"verification after seven, one an expiry", Verification, append(log(Verification, "ann@acme-widgets.com", h, 2*h, 3*h, 4*h, 5*h, 6*h, 7*h), log(Expiry, "ann@acme-widgets.com", 8*h)...), false},
		{"case does not evade", Recovery, log(Recovery, "ANN@acme-widgets.com", time.Second), false},
	}
	for _, tt := range tests {
		if got := Allows(tt.log, tt.kind, "ann@acme-widgets.com", now); got != tt.want {
			t.Errorf("%s: allows = %v, want %v", tt.name, got, tt.want)
		}
	}
}

// A flood of one kind cannot push the other out of sight: the log pages
// on until a day back or until the limit is decided.
func TestCourierLog(t *testing.T) {
	now := time.Date(2026, 12, 1, 12, 0, 0, 0, time.UTC)
	pages := map[string][]CourierMessage{"": nil, "2": nil, "3": nil}
	for i := range CourierPage {
		pages[""] = append(pages[""], CourierMessage{TemplateRecovery, now.Add(-time.Duration(i) * time.Second)})
	}
	for i := range 8 {
		pages["2"] = append(pages["2"], CourierMessage{TemplateVerification, now.Add(-time.Hour - time.Duration(i)*time.Minute)})
	}
	pages["3"] = []CourierMessage{{TemplateVerification, now.Add(-25 * time.Hour)}}
	next := map[string]string{"": "2", "2": "3", "3": ""}
	read := 0
	page := func(_ context.Context, token string) ([]CourierMessage, string, error) {
		read++
		return pages[token], next[token], nil
	}
	log, err := CourierLog(context.Background(), page, Verification, "ann@acme-widgets.com", now)
	if err != nil {
		t.Fatal(err)
	}
	if Allows(log, Verification, "ann@acme-widgets.com", now) {
		t.Errorf("8 verification mails behind %d recoveries: one more allowed, want the limit reached", CourierPage)
	}
	if read != 2 {
		t.Errorf("read %d pages, want 2 (the limit was decided on the second)", read)
	}
	// A day back ends the count: the 25-hour-old mail is not in it.
	pages["2"] = pages["2"][:3]
	read = 0
	log, err = CourierLog(context.Background(), page, Verification, "ann@acme-widgets.com", now)
	if err != nil || read != 3 || !Allows(log, Verification, "ann@acme-widgets.com", now) {
		t.Errorf("CourierLog = %d entries, %v after %d pages; want 3 verifications counted, more allowed, 3 pages", len(log), err, read)
	}
	endless := func(_ context.Context, _ string) ([]CourierMessage, string, error) {
		return []CourierMessage{{TemplateRecovery, now}}, "more", nil
	}
	if _, err := CourierLog(context.Background(), endless, Verification, "ann@acme-widgets.com", now); err == nil {
		t.Error("CourierLog over endless pages = nil error, want it to stop and say so")
	}
}
