package businessemail

import (
	"bufio"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// organisationSets are public lists of real organisations' domains, kept in
// testdata/organisations with their sources (SOURCES.md there): no person
// at one of them may ever be refused.
var organisationSets = []string{"fortune1000.txt", "universities.txt", "gov-federal.txt"}

// Every organisation of the published sets, and the ones the lists once
// refused, is allowed. The worst error the rule can make is to refuse a
// real company's, university's or agency's people.
func TestOrganisationsAreAllowed(t *testing.T) {
	p := newTestPolicy(t, OperatorFiles{})
	total := 0
	for _, name := range organisationSets {
		domains := readOrganisations(t, name)
		total += len(domains)
		refused := 0
		for _, d := range domains {
			if dec := p.Decide("ann@" + d); !dec.Allowed() {
				refused++
				if refused <= 20 {
					t.Errorf("%s: ann@%s = %s (matched %q, lists %v), want allowed", name, d, dec.Reason.Code(), dec.Matched, p.SourceNames(dec.Listed))
				}
			}
		}
		if refused > 20 {
			t.Errorf("%s: %d of %d refused in all", name, refused, len(domains))
		}
	}
	if total < 1000 {
		t.Errorf("the organisation sets hold %d domains, want at least 1,000", total)
	}
	for _, d := range []string{"facebook.com", "support.facebook.com", "cable.comcast.com", "fb.com", "starbucks.com", "comcast.com", "charter.com", "frontier.com",
		"microsoft.com", "google.com", "apple.com", "herzen.spb.ru", "fhvr.berlin.de", "nus.edu.sg", "ox.ac.uk", "whitehouse.gov"} {
		if dec := p.Decide("ann@" + d); !dec.Allowed() {
			t.Errorf("ann@%s = %s (matched %q, lists %v), want allowed", d, dec.Reason.Code(), dec.Matched, p.SourceNames(dec.Listed))
		}
	}
}

func readOrganisations(t *testing.T, name string) []string {
	t.Helper()
	f, err := os.Open(filepath.Join("testdata", "organisations", name))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var out []string
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if line := strings.TrimSpace(sc.Text()); line != "" && !strings.HasPrefix(line, "#") {
			out = append(out, line)
		}
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

// Every reviewed exception parses, has a reason, and is still carried by
// a list: one no list carries any more is removed, so the file only ever
// holds decisions that matter.
func TestExceptionsAreNeeded(t *testing.T) {
	ex, err := readExceptions(strings.NewReader(exceptionsText))
	if err != nil {
		t.Fatal(err)
	}
	raw := &Lists{kinds: newKindTable(400_000)}
	for i, src := range sources {
		f, err := readSource(listsDir, src)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := raw.add(f.prepared(exceptions{}), SourceSet(1)<<i); err != nil {
			t.Fatal(err)
		}
	}
	for _, set := range []domainSet{ex.allowed, ex.selfOnly} {
		for d := range set {
			if raw.kinds.lookup(d) == 0 {
				t.Errorf("exceptions.txt: %s is on no list any more: remove it", d)
			}
		}
	}
	// A personal provider is an exception only while a disposable list
	// mislabels it, and it must stay refused: a free-mail list carries it.
	var disposable, free SourceSet
	for i, src := range sources {
		if src.kind == KindDisposable {
			disposable |= SourceSet(1) << i
		} else {
			free |= SourceSet(1) << i
		}
	}
	for d := range ex.personal {
		got := raw.kinds.lookup(d)
		if got&disposable == 0 {
			t.Errorf("exceptions.txt: no disposable list carries %s any more: remove it", d)
		}
		if got&free == 0 {
			t.Errorf("exceptions.txt: %s is free, but no free-mail list carries it: it would be allowed", d)
		}
	}
	for _, bad := range []string{"acme.com allow", "acme.com maybe a reason", "Acme.com allow reason", "acme.com allow a\nacme.com self b", "zoho.com free a\nzoho.com allow b"} {
		if _, err := readExceptions(strings.NewReader(bad)); err == nil {
			t.Errorf("readExceptions(%q) = nil error, want a refusal", bad)
		}
	}
}

// A host under a wildcard rule of the Public Suffix List is a cloud's
// machine, not its owner's people; an open top-level domain is not
// academic for being called "ac".
func TestSuffixEdges(t *testing.T) {
	p := newTestPolicy(t, OperatorFiles{})
	for in, want := range map[string]Reason{
		"ann@ec2-3-91-1-2.compute-1.amazonaws.com": BadDomain,
		"ann@ruhr-uni-bochum.de":                   OK,
		"ann@mil.lv":                               OK,
	} {
		if got := p.Decide(in); got.Reason != want {
			t.Errorf("Decide(%q) = %s (registrable %q), want %s", in, got.Reason.Code(), got.Address.Registrable, want.Code())
		}
	}
	if institutional("harvard.ac") || institutional("fajar.ac") || !institutional("ox.ac.uk") {
		t.Error("institutional: .ac alone is Ascension Island's open domain; ac.uk is academic")
	}
}
