package businessemail

import (
	"strings"
	"testing"
	"unicode/utf8"
)

// FuzzNormalize checks, for any input, that Normalize never panics and that
// an accepted address is in normal form: ASCII lower-case domain within
// RFC 5321's lengths, and normalising it again changes nothing.
func FuzzNormalize(f *testing.F) {
	for _, c := range decideCases {
		f.Add(c.in)
	}
	f.Fuzz(func(t *testing.T, in string) {
		a, r := Normalize(in)
		if r != OK {
			return
		}
		if a.Domain != strings.ToLower(a.Domain) || !isLDH(a.Domain) {
			t.Fatalf("Normalize(%q).Domain = %q, want lower-case ASCII", in, a.Domain)
		}
		if len(a.Domain) > maxDomain || len(a.Local) > maxLocal || len(a.String()) > maxAddress {
			t.Fatalf("Normalize(%q) = %q, over RFC 5321's lengths", in, a)
		}
		if !utf8.ValidString(a.Local) || a.Registrable == "" || !strings.HasSuffix(a.Domain, a.Registrable) {
			t.Fatalf("Normalize(%q) = %+v, inconsistent", in, a)
		}
		again, r2 := Normalize(a.String())
		if r2 != OK || again != a {
			t.Fatalf("Normalize(Normalize(%q)) = %+v, %s; want %+v unchanged", in, again, r2.Code(), a)
		}
	})
}
