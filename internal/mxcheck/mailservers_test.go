package mxcheck

import (
	"errors"
	"slices"
	"testing"
	"time"

	"github.com/workid/workid/internal/mxcheck/mxchecktest"
)

func TestMailServers(t *testing.T) {
	z := &mxchecktest.Zone{Failing: []string{"broken.com."}, MX: map[string][]string{
		"acme-widgets.com.": {"20 MX2.Acme-Widgets.com.", "10 mx1.acme-widgets.com."},
		"implicit-mx.com.":  nil, // an A record only
		"nullmx.com.":       {"0 ."},
	}}
	c := New(mxchecktest.Serve(t, z), time.Second)
	tests := []struct {
		domain  string
		want    []string
		wantErr bool
	}{
		// In preference order, lower case, without the final dot.
		{"acme-widgets.com", []string{"mx1.acme-widgets.com", "mx2.acme-widgets.com"}, false},
		{"implicit-mx.com", nil, false},
		{"nullmx.com", nil, false},
		{"no-such-company.com", nil, false},
		{"broken.com", nil, true},
	}
	for _, tt := range tests {
		t.Run(tt.domain, func(t *testing.T) {
			got, err := c.MailServers(t.Context(), tt.domain)
			if (err != nil) != tt.wantErr || !slices.Equal(got, tt.want) {
				t.Fatalf("MailServers(%s) = %q, %v; want %q, error %v", tt.domain, got, err, tt.want, tt.wantErr)
			}
			if err != nil && !errors.Is(err, ErrLookup) {
				t.Errorf("MailServers(%s) error %v is not ErrLookup", tt.domain, err)
			}
		})
	}
}

// Asking AcceptsMail and then MailServers, as the hooks server does, asks
// DNS once; what the caller does with the hosts does not reach the cache.
func TestMailServersSharesTheLookup(t *testing.T) {
	z := &mxchecktest.Zone{Failing: []string{"broken.com."}, MX: map[string][]string{"acme-widgets.com.": {"10 mx1.acme-widgets.com."}}}
	c := New(mxchecktest.Serve(t, z), time.Second)
	if ok, err := c.AcceptsMail(t.Context(), "acme-widgets.com"); !ok || err != nil {
		t.Fatalf("AcceptsMail = %v, %v", ok, err)
	}
	hosts, err := c.MailServers(t.Context(), "acme-widgets.com")
	if err != nil || !slices.Equal(hosts, []string{"mx1.acme-widgets.com"}) {
		t.Fatalf("MailServers = %q, %v", hosts, err)
	}
	hosts[0] = "changed.example"
	again, _ := c.MailServers(t.Context(), "acme-widgets.com")
	if again[0] != "mx1.acme-widgets.com" {
		t.Errorf("MailServers after the caller changed its copy = %q", again)
	}
	if n := z.MXQuestions(); n != 1 {
		t.Errorf("AcceptsMail then MailServers twice asked for MX %d times, want 1", n)
	}
}
