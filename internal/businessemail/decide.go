package businessemail

import (
	"fmt"
	"log/slog"
	"sync/atomic"
)

// Decision is the rule's verdict on one address.
type Decision struct {
	Reason  Reason
	Address Address
	// Matched is the listed domain that decided a refusal (or an operator
	// allowance), or the provider a look-alike imitates.
	Matched string
}

// Allowed reports whether the address may be used.
func (d Decision) Allowed() bool { return d.Reason.Allowed() }

// Message is the text shown on the email field for a refusal.
func (d Decision) Message() string {
	domain := d.Address.Domain
	if d.Matched != "" && d.Reason != LookAlike {
		domain = d.Matched
	}
	return d.Reason.Message(domain, d.Matched)
}

// Policy is the business-email rule with its lists. Decide may be called
// from any number of goroutines, also while Watch reloads operator files.
type Policy struct {
	lists    *Lists
	operator atomic.Pointer[operatorLists]
	files    OperatorFiles
}

// NewPolicy returns a policy over lists and the operator's files, which
// are read now: a file that cannot be read or parsed is an error.
func NewPolicy(lists *Lists, files OperatorFiles) (*Policy, error) {
	p := &Policy{lists: lists, files: files}
	op, err := readOperatorLists(files, nil)
	if err != nil {
		return nil, err
	}
	p.operator.Store(op)
	return p, nil
}

// Decide applies the rule to raw, an address as the user typed it. It does
// no I/O and, for a typical address, does not allocate.
func (p *Policy) Decide(raw string) Decision {
	a, r := Normalize(raw)
	if r != OK {
		return Decision{Reason: r, Address: a}
	}
	op := p.operator.Load()
	if m := op.allow.match(a); m != "" {
		return Decision{Reason: OperatorAllowed, Address: a, Matched: m}
	}
	if m := op.deny.match(a); m != "" {
		return Decision{Reason: OperatorDenied, Address: a, Matched: m}
	}
	// A label drawn only with letters that imitate Latin ones is a
	// homograph whatever it imitates; name the provider when it is listed.
	if a.Skeleton != "" {
		m := a.Skeleton
		if reg, r := registrable(a.Skeleton); r == OK {
			if listed := p.lists.match(Address{Domain: a.Skeleton, Registrable: reg}, KindFree|KindDisposable); listed != "" {
				m = listed
			}
		}
		return Decision{Reason: LookAlike, Address: a, Matched: m}
	}
	if m := p.lists.match(a, KindDisposable); m != "" {
		return Decision{Reason: Disposable, Address: a, Matched: m}
	}
	if m := p.lists.match(a, KindFree); m != "" {
		return Decision{Reason: FreeMail, Address: a, Matched: m}
	}
	return Decision{Reason: OK, Address: a}
}

// LoadPolicy reads the lists from listsDir and the operator's files, and
// logs what it loaded.
func LoadPolicy(listsDir string, files OperatorFiles, log *slog.Logger) (*Policy, error) {
	lists, err := LoadLists(listsDir)
	if err != nil {
		return nil, err
	}
	for _, src := range lists.Sources {
		log.Info("domain list loaded", "list", src.Package, "version", src.Version, "license", src.License, "domains", src.Count)
	}
	log.Info("domain lists ready", "domains", lists.Len(), "took", lists.LoadTime.String())
	p, err := NewPolicy(lists, files)
	if err != nil {
		return nil, fmt.Errorf("operator domain lists: %w", err)
	}
	return p, nil
}
