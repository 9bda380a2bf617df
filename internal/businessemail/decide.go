package businessemail

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"os"
	"strings"
	"sync/atomic"
)

// Decision is the rule's verdict on one address.
type Decision struct {
	Reason  Reason
	Address Address
	// Matched is the listed domain that decided (a provider, an operator
	// entry), or the provider a look-alike or misspelling imitates.
	Matched string
	// Listed are the lists that carry Matched (Policy.SourceNames names
	// them), for a refusal by the lists.
	Listed SourceSet
	// MailServer is set when the domain's MX decided: the mail server
	// that is Matched's (see Policy.ProviderOf).
	MailServer string
	// Suggestion is the address's domain with its mistyped ending
	// corrected ("acme-widgets.com" for "acme-widgets.con"), when one
	// correction is clear; only for UnknownSuffix.
	Suggestion string
}

// Allowed reports whether the address may be used.
func (d Decision) Allowed() bool { return d.Reason.Allowed() }

// Domain is the domain a refusal is about: the listed domain that matched
// (mailinator.com for x.mailinator.com), else the address's own.
func (d Decision) Domain() string {
	if d.Matched != "" && d.Reason != LookAlike && d.Reason != ProviderTypo {
		return d.Matched
	}
	return d.Address.Domain
}

// Message is the text shown on the email field for a refusal.
func (d Decision) Message() string {
	if d.Suggestion != "" {
		return SuggestionMessage(d.Address.Domain, d.Suggestion)
	}
	return d.Reason.Message(d.Domain(), d.Matched)
}

// Policy is the business-email rule with its lists. Decide may be called
// from any number of goroutines, also while Reload replaces the operator's
// lists.
type Policy struct {
	lists    *Lists
	operator atomic.Pointer[operatorLists]
	files    OperatorFiles
}

// NewPolicy returns a policy over lists and the operator's files, which
// are read now: a file that cannot be parsed is an error.
func NewPolicy(lists *Lists, files OperatorFiles) (*Policy, error) {
	p := &Policy{lists: lists, files: files}
	op, err := readOperatorLists(files, nil)
	if err != nil {
		return nil, err
	}
	p.operator.Store(op)
	return p, nil
}

// LoadPolicy reads the lists from listsDir and the operator's files, and
// logs what it loaded.
func LoadPolicy(ctx context.Context, listsDir string, files OperatorFiles, log *slog.Logger) (*Policy, error) {
	lists, err := LoadLists(listsDir)
	if err != nil {
		return nil, err
	}
	for _, src := range lists.Sources {
		log.InfoContext(ctx, "domain list loaded", "list", src.Package, "version", src.Version, "license", src.License, "domains", src.Count)
	}
	log.InfoContext(ctx, "domain lists ready", "domains", lists.Len(), "took", lists.LoadTime.String())
	for _, path := range []string{files.Allow, files.Deny} {
		if _, err := os.Stat(path); path != "" && errors.Is(err, fs.ErrNotExist) {
			log.WarnContext(ctx, "operator domain list does not exist (yet): it counts as empty until it does", "path", path)
		}
	}
	p, err := NewPolicy(lists, files)
	if err != nil {
		return nil, fmt.Errorf("operator domain lists: %w", err)
	}
	return p, nil
}

// Decide applies the rule to raw, an address as the user typed it. It does
// no I/O and, for a typical address, allocates at most once.
func (p *Policy) Decide(raw string) Decision {
	a, r := Normalize(raw)
	if r != OK {
		return Decision{Reason: r, Address: a, Suggestion: suggestion(r, a)}
	}
	op := p.operator.Load()
	if m := op.allow.match(a.Domain, a.Registrable); m != "" {
		return Decision{Reason: OperatorAllowed, Address: a, Matched: m}
	}
	if m := op.deny.match(a.Domain, a.Registrable); m != "" {
		return Decision{Reason: OperatorDenied, Address: a, Matched: m}
	}
	// An internationalised domain that reads like a listed (or denied)
	// one once accents and look-alike letters are plain: "gmäil.com".
	if a.Skeleton != "" {
		if reg, r := registrable(a.Skeleton); r == OK {
			// A misspelling written with look-alike letters ("gmäill.com")
			// names the provider meant, not the misspelling a list carries.
			if m := providerTypos.match(reg); m != "" {
				return Decision{Reason: LookAlike, Address: a, Matched: m}
			}
			if m := p.lists.match(a.Skeleton, reg, KindFree|KindDisposable); m != "" {
				return Decision{Reason: LookAlike, Address: a, Matched: m}
			}
			if m := op.deny.match(a.Skeleton, reg); m != "" {
				return Decision{Reason: LookAlike, Address: a, Matched: m}
			}
		}
	}
	// A typo-squat of a big provider says which one the user probably
	// meant, also when a disposable list carries it (023gmail.com): "did
	// you mean gmail.com?" helps more than "disposable".
	if m := providerTypo(a); m != "" {
		_, set := p.lists.matchSources(a.Domain, a.Registrable, KindFree|KindDisposable)
		return Decision{Reason: ProviderTypo, Address: a, Matched: m, Listed: set}
	}
	if m, set := p.lists.matchSources(a.Domain, a.Registrable, KindDisposable); m != "" {
		return Decision{Reason: Disposable, Address: a, Matched: m, Listed: set}
	}
	if m, set := p.lists.matchSources(a.Domain, a.Registrable, KindFree); m != "" {
		return Decision{Reason: FreeMail, Address: a, Matched: m, Listed: set}
	}
	return Decision{Reason: OK, Address: a}
}

// SourceNames names the lists in set, in SOURCES.md's order.
func (p *Policy) SourceNames(set SourceSet) []string { return p.lists.Names(set) }

// SameAddress reports whether a and b are one address once normalised
// (case of the domain, spaces, trailing dot, IDNA). The part before the @
// is compared as typed but for ASCII letter case, as Kratos does, and
// Unicode composition (NFC).
func SameAddress(a, b string) bool {
	na, ra := Normalize(a)
	nb, rb := Normalize(b)
	if ra != OK || rb != OK {
		return strings.TrimSpace(a) == strings.TrimSpace(b)
	}
	return na.Domain == nb.Domain && lowerASCII(na.Local) == lowerASCII(nb.Local)
}
