package mxcheck

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"net"
	"slices"
	"strings"
	"sync"
	"time"
)

// Cache lifetimes: a domain that receives mail rarely stops; one that does
// not may be fixed soon.
const (
	positiveTTL = time.Hour
	negativeTTL = 5 * time.Minute
	maxEntries  = 10_000
)

// Checker answers AcceptsMail and MailServers with a timeout and a cache.
type Checker struct {
	resolver *net.Resolver
	timeout  time.Duration
	// Now is the clock of the cache; tests replace it.
	Now func() time.Time

	mu    sync.Mutex
	cache map[string]entry
}

type entry struct {
	accepts bool
	// hosts are the domain's MX host names; none when it has no MX (an
	// implicit MX) or only a null MX.
	hosts   []string
	expires time.Time
}

// New returns a checker asking server (host:port), or the system's
// resolver when server is "".
func New(server string, timeout time.Duration) *Checker {
	r := net.DefaultResolver
	if server != "" {
		r = &net.Resolver{
			PreferGo: true,
			Dial: func(ctx context.Context, network, _ string) (net.Conn, error) {
				var d net.Dialer
				return d.DialContext(ctx, network, server)
			},
		}
	}
	return &Checker{resolver: r, timeout: timeout, Now: time.Now, cache: map[string]entry{}}
}

// ErrLookup wraps DNS failures (timeouts, server errors): the domain's
// state is unknown, not negative.
var ErrLookup = errors.New("dns lookup failed")

// AcceptsMail reports whether domain (ASCII) has an MX record, or else an
// A or AAAA record. A null MX ("." , RFC 7505) means it accepts none.
func (c *Checker) AcceptsMail(ctx context.Context, domain string) (bool, error) {
	e, err := c.check(ctx, domain)
	return e.accepts, err
}

// MailServers returns the host names of domain's MX records, most
// preferred first, in lower case and without the final dot. It returns
// none for a domain without MX records (mail goes to its own address) or
// with only a null MX. It shares AcceptsMail's lookup and cache: asking
// both about a domain costs one lookup.
func (c *Checker) MailServers(ctx context.Context, domain string) ([]string, error) {
	e, err := c.check(ctx, domain)
	return slices.Clone(e.hosts), err
}

// check answers from the cache, or asks DNS and caches the answer.
func (c *Checker) check(ctx context.Context, domain string) (entry, error) {
	now := c.Now()
	c.mu.Lock()
	e, ok := c.cache[domain]
	c.mu.Unlock()
	if ok && now.Before(e.expires) {
		return e, nil
	}

	ctx, cancel := context.WithTimeout(ctx, c.timeout)
	defer cancel()
	e, err := c.lookup(ctx, domain)
	if err != nil {
		return entry{}, err
	}
	ttl := positiveTTL
	if !e.accepts {
		ttl = negativeTTL
	}
	e.expires = now.Add(ttl)
	c.mu.Lock()
	if len(c.cache) >= maxEntries {
		// Drop what has expired; if that is not enough (a flood of new
		// domains), forget everything rather than track recency.
		maps.DeleteFunc(c.cache, func(_ string, e entry) bool { return !now.Before(e.expires) })
		if len(c.cache) >= maxEntries {
			clear(c.cache)
		}
	}
	c.cache[domain] = e
	c.mu.Unlock()
	return e, nil
}

func (c *Checker) lookup(ctx context.Context, domain string) (entry, error) {
	fqdn := domain + "."
	mxs, err := c.resolver.LookupMX(ctx, fqdn)
	switch {
	case err == nil && len(mxs) > 0:
		var e entry
		for _, mx := range mxs {
			if mx.Host != "." {
				e.accepts = true
				e.hosts = append(e.hosts, strings.ToLower(strings.TrimSuffix(mx.Host, ".")))
			}
		}
		return e, nil // no hosts but "." is a null MX: "this domain accepts no mail"
	case err != nil && !notFound(err):
		return entry{}, fmt.Errorf("%w: MX %s: %v", ErrLookup, domain, err)
	}
	ips, err := c.resolver.LookupIPAddr(ctx, fqdn)
	switch {
	case err == nil:
		return entry{accepts: len(ips) > 0}, nil
	case notFound(err):
		return entry{}, nil
	default:
		return entry{}, fmt.Errorf("%w: A/AAAA %s: %v", ErrLookup, domain, err)
	}
}

// notFound reports an authoritative "no such domain" or "no such record".
func notFound(err error) bool {
	var dnsErr *net.DNSError
	return errors.As(err, &dnsErr) && dnsErr.IsNotFound
}
