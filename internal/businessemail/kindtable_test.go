package businessemail

import (
	"fmt"
	"strings"
	"testing"
)

// The table answers exactly as the map it was built from, for members,
// near misses and the empty table.
func TestKindTable(t *testing.T) {
	m := map[string]SourceSet{}
	for i := range 5000 {
		k := SourceSet(1 + i%3) // one source, another or both
		m[fmt.Sprintf("d%d.example%d.com", i, i%7)] = k
	}
	m["a.b"] = 1
	tab := newKindTable(len(m))
	for d, k := range m {
		tab.add(d, k&1)
		tab.add(d, k&2) // a second list adds itself
	}
	if tab.count != len(m) {
		t.Errorf("count = %d, want %d", tab.count, len(m))
	}
	for d, k := range m {
		if got := tab.lookup(d); got != k {
			t.Errorf("lookup(%q) = %d, want %d", d, got, k)
		}
	}
	for _, d := range []string{"", "a", "a.bc", "d1.example1.co", "xd1.example1.com", "d1.example1.com.", strings.Repeat("a", 300)} {
		if got := tab.lookup(d); got != 0 {
			t.Errorf("lookup(%q) = %d, want 0 (not listed)", d, got)
		}
	}
	var empty kindTable
	if got := empty.lookup("gmail.com"); got != 0 {
		t.Errorf("empty table: lookup = %d, want 0", got)
	}
	var none *kindTable
	if got := none.lookup("gmail.com"); got != 0 {
		t.Errorf("nil table: lookup = %d, want 0", got)
	}
	// A full table still takes a second kind for a domain it holds.
	full := newKindTable(1)
	full.add("a.b", 1)
	full.add("a.b", 2)
	if got := full.lookup("a.b"); got != 3 {
		t.Errorf("full table: lookup = %d, want both sources", got)
	}
	long := newKindTable(1)
	long.add(strings.Repeat("a", 256), 1)
	if long.count != 0 {
		t.Errorf("a 256-byte entry was kept (count %d); no address can match it", long.count)
	}
}
