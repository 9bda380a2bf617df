package selfserviceui

import (
	hydra "github.com/ory/hydra-client-go/v2"
	"net/url"

	"strings"
	"testing"
	"time"

	"github.com/workid/workid/internal/companies"
	"github.com/workid/workid/internal/emailstate"
)

func TestServiceState(t *testing.T) {
	now := time.Date(2026, 12, 1, 12, 0, 0, 0, time.UTC)
	premium := Service{ID: "premium", Name: "Premium support", NeedsVerifiedEmail: true, RequiresSubscription: "support"}
	training := Service{ID: "training", Name: "Training", RequiresSubscription: "training"}
	plain := Service{ID: "docs", Name: "Docs"}
	current := emailstate.State{Status: emailstate.Verified}
	expired := emailstate.State{Status: emailstate.Expired}
	acme := func(subs ...companies.Subscription) *companies.Membership {
		return &companies.Membership{Company: companies.Company{Name: "Acme Widgets", Subscriptions: subs}}
	}
	tests := []struct {
		name    string
		svc     Service
		st      emailstate.State
		m       *companies.Membership
		failed  bool
		enabled bool
		says    string
	}{
		{"open by subscription", premium, current, acme(companies.Subscription{Name: "support", EndsOn: "2027-06-30"}), false, true,
			"Premium support is included in your company's support subscription until 30 June 2027."},
		{"open through its last day", premium, current, acme(companies.Subscription{Name: "support", EndsOn: "2026-12-01"}), false, true, "until 1 December 2026"},
		{"subscription ended", premium, current, acme(companies.Subscription{Name: "support", EndsOn: "2026-11-30"}), false, false,
			"Your company's support subscription ended on 30 November 2026: ask your company admin to renew it."},
		{"no such subscription", premium, current, acme(), false, false, "Your company has no support subscription: ask your company admin."},
		{"no company", training, current, nil, false, false, "your account does not belong to a company"},
		{"database down", training, current, acme(), true, false, "could not check"},
		{"expired address says so first", premium, expired, acme(companies.Subscription{Name: "support", EndsOn: "2027-06-30"}), false, false, "expired after one year"},
		{"expired address, subscription only", training, expired, nil, false, false, "needs your verified work address"},
		{"a service without conditions", plain, expired, nil, true, true, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			v := serviceState(english(t), tt.svc, tt.st, tt.m, tt.failed, now)
			text := v.Reason + v.Note
			if v.Enabled != tt.enabled || !strings.Contains(text, tt.says) || (tt.says == "" && text != "") {
				t.Errorf("serviceState = enabled %v, %q; want enabled %v, saying %q", v.Enabled, text, tt.enabled, tt.says)
			}
		})
	}
}

func TestGateFor(t *testing.T) {
	now := time.Date(2026, 12, 1, 12, 0, 0, 0, time.UTC)
	client := func(meta map[string]any) *hydra.OAuth2Client { return &hydra.OAuth2Client{Metadata: meta} }
	current, expired := emailstate.State{Status: emailstate.Verified}, emailstate.State{Status: emailstate.Expired}
	withSupport := &companies.Membership{Company: companies.Company{Name: "Acme", Subscriptions: []companies.Subscription{{Name: "support", EndsOn: "2027-06-30"}}}}
	ended := &companies.Membership{Company: companies.Company{Name: "Acme", Subscriptions: []companies.Subscription{{Name: "support", EndsOn: "2026-11-30"}}}}
	needsSupport := map[string]any{"requires_subscription": "support"}
	tests := []struct {
		name string
		c    *hydra.OAuth2Client
		st   emailstate.State
		m    *companies.Membership
		want gate
	}{
		{"no conditions", client(nil), expired, nil, gateNone},
		{"verified email needed", client(map[string]any{"requires_verified_email": true}), expired, nil, gateEmail},
		{"subscription open", client(needsSupport), current, withSupport, gateNone},
		{"subscription needs the address first", client(needsSupport), expired, withSupport, gateEmail},
		{"subscription ended", client(needsSupport), current, ended, gateSubscription},
		{"no company", client(needsSupport), current, nil, gateSubscription},
		{"another subscription", client(map[string]any{"requires_subscription": "training"}), current, withSupport, gateSubscription},
		{"a metadata value of the wrong type closes the service", client(map[string]any{"requires_subscription": true}), current, withSupport, gateSubscription},
		{"a list closes it too", client(map[string]any{"requires_subscription": []any{"support"}}), current, withSupport, gateSubscription},
		{"a name no subscription can have closes it", client(map[string]any{"requires_subscription": "Support"}), current, withSupport, gateSubscription},
		{"null is no condition", client(map[string]any{"requires_subscription": nil}), current, nil, gateNone},
	}
	for _, tt := range tests {
		if got := gateFor(tt.c, tt.st, tt.m, now); got != tt.want {
			t.Errorf("%s: gateFor = %d, want %d", tt.name, got, tt.want)
		}
	}
}

func TestCompanyQuery(t *testing.T) {
	long := strings.Repeat("é", 250)
	for raw, want := range map[string]string{
		"q=ann":         "ann",
		"q=a%00nn":      "ann",
		"q=%ff%fe":      "",
		"q=" + long:     strings.Repeat("é", 200),
		"q=+%20bob%20+": "bob",
		"page=-3&q=x":   "x",
	} {
		v, _ := url.ParseQuery(raw)
		_, got, page := companyQuery(v)
		if got != want || page < 1 {
			t.Errorf("companyQuery(%q) = %q, page %d; want %q", raw, got, page, want)
		}
	}
}
