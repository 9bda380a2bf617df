package businessemail

import (
	_ "embed"
	"fmt"
	"io"
	"strings"

	"golang.org/x/net/publicsuffix"
)

// exceptionsText is WorkID's reviewed decisions on list entries that are
// real organisations' own domains (exceptions.txt), built into the binary.
//
//go:embed exceptions.txt
var exceptionsText string

// exceptions are the reviewed decisions: allowed domains are never refused
// for being on a list; self-only domains refuse their own addresses but
// not the domains registered under them; personal domains are free-mail
// providers that a disposable list mislabels, decided by the free-mail
// lists alone.
type exceptions struct {
	allowed, selfOnly, personal domainSet
}

// readExceptions reads exceptions.txt: "domain rule reason", rule being
// allow, self or free, the reason mandatory (an exception nobody can explain
// is not reviewed).
func readExceptions(r io.Reader) (exceptions, error) {
	b, err := io.ReadAll(r)
	if err != nil {
		return exceptions{}, err
	}
	ex := exceptions{allowed: domainSet{}, selfOnly: domainSet{}, personal: domainSet{}}
	n := 0
	for line := range strings.Lines(string(b)) {
		n++
		line = strings.TrimSpace(line)
		if line == "" || line[0] == '#' {
			continue
		}
		f := strings.Fields(line)
		if len(f) < 3 {
			return exceptions{}, fmt.Errorf("exceptions.txt:%d: want a domain, allow, self or free, and the reason", n)
		}
		domain, _, r := toASCII(f[0])
		if r != OK || domain != f[0] {
			return exceptions{}, fmt.Errorf("exceptions.txt:%d: %q is not a domain in lower-case ASCII", n, f[0])
		}
		set := ex.allowed
		switch f[1] {
		case "allow":
		case "self":
			set = ex.selfOnly
		case "free":
			set = ex.personal
		default:
			return exceptions{}, fmt.Errorf("exceptions.txt:%d: rule %q: want allow, self or free", n, f[1])
		}
		if ex.allowed.has(domain) || ex.selfOnly.has(domain) || ex.personal.has(domain) {
			return exceptions{}, fmt.Errorf("exceptions.txt:%d: %s is listed twice", n, domain)
		}
		set[domain] = struct{}{}
	}
	return ex, nil
}

// allows reports whether d is an allowed domain or under one: d and each
// of its parents is looked up, without allocating (every list entry is
// asked at load).
func (ex exceptions) allows(d string) bool {
	for {
		if ex.allowed.has(d) {
			return true
		}
		_, parent, ok := strings.Cut(d, ".")
		if !ok {
			return false
		}
		d = parent
	}
}

// has reports whether d is in the set.
func (s domainSet) has(d string) bool {
	_, ok := s[d]
	return ok
}

// institutionalSuffix holds the first labels of public suffixes that only
// institutions register under: academic (edu, ac.uk, edu.sg, ...) and
// government (gov, gouv.fr, go.jp, mil, ...). A list entry under one is a
// university's or an agency's own domain (alumni mail included) and is
// never taken as a provider.
var institutionalSuffix = map[string]bool{
	"edu": true, "ac": true, "gov": true, "gob": true, "gouv": true, "govt": true, "mil": true, "go": true,
}

// institutional reports whether domain is under an academic or government
// public suffix ("ncsu.edu", "nus.edu.sg", "ox.ac.uk", "gouv.fr" ...).
func institutional(domain string) bool {
	if !mayBeInstitutional(domain) {
		return false // the common case, without a Public Suffix List lookup
	}
	suffix, icann := publicsuffix.PublicSuffix(domain)
	if !icann {
		return false
	}
	first, _, _ := strings.Cut(suffix, ".")
	// "go" and "ac" alone are top-level domains open to anyone (Go's own,
	// Ascension Island's), not Japan's go.jp or the UK's ac.uk.
	return institutionalSuffix[first] && (first != "go" && first != "ac" || strings.Contains(suffix, "."))
}

// mayBeInstitutional tells, from the labels alone, whether domain can be
// under (or be) an institutional suffix: one of its labels is one.
func mayBeInstitutional(domain string) bool {
	for rest := domain; ; {
		label, after, more := strings.Cut(rest, ".")
		if institutionalSuffix[label] {
			return true
		}
		if !more {
			return false
		}
		rest = after
	}
}
