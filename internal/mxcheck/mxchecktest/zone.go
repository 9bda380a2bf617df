package mxchecktest

import (
	"slices"
	"sync/atomic"

	"github.com/miekg/dns"
)

// Zone is a DNS zone of mail servers, a dns.Handler for Serve. A name in
// MX (fully qualified: "acme-widgets.com.") answers MX questions with its
// records' data ("10 mx1.acme-widgets.com."); one listed with no records
// has an A record only, so its mail goes to the name itself (the implicit
// MX). A name in Failing answers SERVFAIL; any other name does not exist.
type Zone struct {
	MX      map[string][]string
	Failing []string

	mxQuestions atomic.Int32
}

// ServeDNS implements dns.Handler.
func (z *Zone) ServeDNS(w dns.ResponseWriter, req *dns.Msg) {
	q := req.Question[0]
	m := new(dns.Msg)
	m.SetReply(req)
	m.Authoritative = true
	records, ok := z.MX[q.Name]
	switch {
	case slices.Contains(z.Failing, q.Name):
		m.Rcode = dns.RcodeServerFailure
	case !ok:
		m.Rcode = dns.RcodeNameError
	case q.Qtype == dns.TypeMX:
		z.mxQuestions.Add(1)
		for _, r := range records {
			rr, err := dns.NewRR(q.Name + " 300 IN MX " + r)
			if err != nil {
				panic(err) // a test's zone is wrong
			}
			m.Answer = append(m.Answer, rr)
		}
	case q.Qtype == dns.TypeA && len(records) == 0:
		rr, _ := dns.NewRR(q.Name + " 300 IN A 192.0.2.10")
		m.Answer = append(m.Answer, rr)
	}
	_ = w.WriteMsg(m)
}

// MXQuestions returns how many MX questions the zone has answered.
func (z *Zone) MXQuestions() int { return int(z.mxQuestions.Load()) }
