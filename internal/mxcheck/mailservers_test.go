package mxcheck

import (
	"errors"
	"slices"
	"sync/atomic"
	"testing"
	"time"

	"github.com/miekg/dns"

	"github.com/workid/workid/internal/mxcheck/mxchecktest"
)

// mailZone answers MX questions with the given records, counting MX
// questions; names it does not hold do not exist, "broken.com" fails.
type mailZone struct {
	mx  map[string][]string // name -> MX records' data ("10 host.")
	mxQ atomic.Int32
}

func (z *mailZone) ServeDNS(w dns.ResponseWriter, req *dns.Msg) {
	q := req.Question[0]
	m := new(dns.Msg)
	m.SetReply(req)
	m.Authoritative = true
	records, ok := z.mx[q.Name]
	switch {
	case q.Name == "broken.com.":
		m.Rcode = dns.RcodeServerFailure
	case !ok:
		m.Rcode = dns.RcodeNameError
	case q.Qtype == dns.TypeMX:
		z.mxQ.Add(1)
		for _, r := range records {
			rr, err := dns.NewRR(q.Name + " 300 IN MX " + r)
			if err != nil {
				panic(err)
			}
			m.Answer = append(m.Answer, rr)
		}
	case q.Qtype == dns.TypeA && len(records) == 0:
		rr, _ := dns.NewRR(q.Name + " 300 IN A 192.0.2.10")
		m.Answer = append(m.Answer, rr)
	}
	_ = w.WriteMsg(m)
}

func TestMailServers(t *testing.T) {
	z := &mailZone{mx: map[string][]string{
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
	z := &mailZone{mx: map[string][]string{"acme-widgets.com.": {"10 mx1.acme-widgets.com."}}}
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
	if n := z.mxQ.Load(); n != 1 {
		t.Errorf("AcceptsMail then MailServers twice asked for MX %d times, want 1", n)
	}
}
