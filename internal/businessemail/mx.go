package businessemail

import "context"

// CompanyDomainKey is the metadata_public field that records the company
// domain of an identity's business address: the registrable domain of an
// address the rule allowed. It is recorded when the address is set,
// before it is verified: whoever reads it (the ID token's company claim)
// must pair it with a current verification.
const CompanyDomainKey = "company_domain"

// MailChecker tells whether a domain can receive mail (internal/mxcheck).
type MailChecker interface {
	AcceptsMail(ctx context.Context, domain string) (bool, error)
}

// MailServerChecker is a MailChecker that also names a domain's MX hosts
// (mxcheck.Checker does). With one, DecideWithMX refuses a domain whose
// mail servers are a listed provider's.
type MailServerChecker interface {
	MailChecker
	MailServers(ctx context.Context, domain string) ([]string, error)
}

// DecideWithMX applies the rule to raw (Decide), then, for an address the
// lists allow, the MX check when mx is not nil: a domain without a mail
// server is refused, and so is one whose mail servers are a listed
// provider's (see mailServersProvider). A DNS failure does not stop
// sign-ups: the address stays allowed and the failure is returned in
// mxErr for the caller to report.
func (p *Policy) DecideWithMX(ctx context.Context, mx MailChecker, raw string) (d Decision, mxErr error) {
	d = p.Decide(raw)
	if d.Reason != OK || mx == nil {
		return d, nil
	}
	accepts, err := mx.AcceptsMail(ctx, d.Address.Domain)
	switch {
	case err != nil:
		return d, err
	case !accepts:
		d.Reason = NoMailServer
		return d, nil
	}
	servers, ok := mx.(MailServerChecker)
	if !ok {
		return d, nil
	}
	hosts, err := servers.MailServers(ctx, d.Address.Domain)
	if err != nil {
		return d, err
	}
	if r, matched, host := p.mailServersProvider(hosts); r != OK {
		d.Reason, d.Matched, d.MailServer = r, matched, host
	}
	return d, nil
}

// mailServersProvider tells whether a domain with these MX hosts is a
// listed provider's: a disposable provider's when any host is one (no
// organisation routes mail through a throwaway service), a free-mail
// provider's only when every host is one of its consumer inbound hosts
// (an organisation may keep a backup MX at a provider, and its business
// hosting uses other hosts: ProviderOf knows which). It returns the
// reason, the provider and the host that decided, or OK.
func (p *Policy) mailServersProvider(hosts []string) (Reason, string, string) {
	allFree := len(hosts) > 0
	var free, freeHost string
	for _, h := range hosts {
		r, m := p.ProviderOf(h)
		switch {
		case r == Disposable:
			return r, m, h
		case r != FreeMail:
			allFree = false
		case free == "":
			free, freeHost = m, h
		}
	}
	if !allFree {
		return OK, "", ""
	}
	return FreeMail, free, freeHost
}
