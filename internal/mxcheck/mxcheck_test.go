package mxcheck

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/miekg/dns"

	"github.com/workid/workid/internal/mxcheck/mxchecktest"
)

// zone is the test DNS server's data: what each name answers.
type zone struct {
	mu      sync.Mutex
	queries map[string]int
}

func (z *zone) ServeDNS(w dns.ResponseWriter, req *dns.Msg) {
	q := req.Question[0]
	z.mu.Lock()
	z.queries[q.Name]++
	z.mu.Unlock()
	m := new(dns.Msg)
	m.SetReply(req)
	m.Authoritative = true
	rr := func(s string) dns.RR {
		r, err := dns.NewRR(s)
		if err != nil {
			panic(err)
		}
		return r
	}
	switch q.Name {
	case "acme-widgets.com.":
		if q.Qtype == dns.TypeMX {
			m.Answer = append(m.Answer, rr("acme-widgets.com. 300 IN MX 10 mail.acme-widgets.com."))
		}
	case "implicit-mx.com.":
		if q.Qtype == dns.TypeA {
			m.Answer = append(m.Answer, rr("implicit-mx.com. 300 IN A 192.0.2.10"))
		}
	case "nullmx.com.":
		if q.Qtype == dns.TypeMX {
			m.Answer = append(m.Answer, rr("nullmx.com. 300 IN MX 0 ."))
		}
	case "broken.com.":
		m.Rcode = dns.RcodeServerFailure
	case "slow.com.":
		time.Sleep(3 * time.Second)
		return
	default:
		m.Rcode = dns.RcodeNameError
	}
	_ = w.WriteMsg(m)
}

// startDNS runs a real DNS server (UDP and TCP) on loopback.
func startDNS(t *testing.T) (string, *zone) {
	t.Helper()
	z := &zone{queries: map[string]int{}}
	return mxchecktest.Serve(t, z), z
}

func TestAcceptsMail(t *testing.T) {
	addr, _ := startDNS(t)
	c := New(addr, 500*time.Millisecond)
	tests := []struct {
		domain  string
		want    bool
		wantErr bool
	}{
		{"acme-widgets.com", true, false},
		{"implicit-mx.com", true, false}, // no MX, an A record: RFC 5321's implicit MX
		{"no-such-company.com", false, false},
		{"nullmx.com", false, false}, // RFC 7505: accepts no mail
		{"broken.com", false, true},  // SERVFAIL: unknown, not negative
		{"slow.com", false, true},    // no answer within the timeout
	}
	for _, tt := range tests {
		t.Run(tt.domain, func(t *testing.T) {
			got, err := c.AcceptsMail(t.Context(), tt.domain)
			if (err != nil) != tt.wantErr || got != tt.want {
				t.Fatalf("AcceptsMail(%s) = %v, %v; want %v, error %v", tt.domain, got, err, tt.want, tt.wantErr)
			}
			if err != nil && !errors.Is(err, ErrLookup) {
				t.Errorf("AcceptsMail(%s) error %v is not ErrLookup", tt.domain, err)
			}
		})
	}
}

func TestAcceptsMailCaches(t *testing.T) {
	addr, z := startDNS(t)
	c := New(addr, time.Second)
	now := time.Date(2026, 11, 26, 12, 0, 0, 0, time.UTC)
	c.Now = func() time.Time { return now }
	ctx := context.Background()

	for range 3 {
		if ok, err := c.AcceptsMail(ctx, "acme-widgets.com"); !ok || err != nil {
			t.Fatalf("AcceptsMail = %v, %v", ok, err)
		}
	}
	if n := z.count("acme-widgets.com."); n != 1 {
		t.Errorf("3 checks asked the server %d times, want 1 (cached)", n)
	}
	now = now.Add(positiveTTL + time.Second)
	if _, err := c.AcceptsMail(ctx, "acme-widgets.com"); err != nil {
		t.Fatal(err)
	}
	if n := z.count("acme-widgets.com."); n != 2 {
		t.Errorf("after the cache expired the server was asked %d times, want 2", n)
	}
	// Failures are not cached: the next sign-up asks again.
	for range 2 {
		_, _ = c.AcceptsMail(ctx, "broken.com")
	}
	if n := z.count("broken.com."); n < 2 {
		t.Errorf("two failed checks asked %d times, want a fresh question each time", n)
	}
}

func (z *zone) count(name string) int {
	z.mu.Lock()
	defer z.mu.Unlock()
	return z.queries[name]
}
