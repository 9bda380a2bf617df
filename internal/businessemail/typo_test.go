package businessemail

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestProviderTypo(t *testing.T) {
	p := newTestPolicy(t, OperatorFiles{})
	tests := []struct {
		in      string
		want    Reason
		matched string
	}{
		// Digits and hyphens around a provider's label, under any ending.
		{"ann@001gmail.com", ProviderTypo, "gmail.com"},
		{"ann@023gmail.com", ProviderTypo, "gmail.com"},
		{"ann@gmail-1.de", ProviderTypo, "gmail.com"},
		{"ann@48yahoo.com", ProviderTypo, "yahoo.com"},
		{"ann@1hotmail.co.uk", ProviderTypo, "hotmail.com"},
		{"ann@mail.1hotmail.co.uk", ProviderTypo, "hotmail.com"},
		{"ann@outlook2.fr", ProviderTypo, "outlook.com"},
		{"ann@live-7.com", ProviderTypo, "live.com"},
		{"ann@aol1.co.uk", ProviderTypo, "aol.com"},
		{"ann@msn2.com", ProviderTypo, "msn.com"},
		{"ann@24gmx.de", ProviderTypo, "gmx.net"},
		{"ann@icloud1.com", ProviderTypo, "icloud.com"},
		{"ann@yandex1.ru", ProviderTypo, "yandex.ru"},
		{"ann@1mail.ru", ProviderTypo, "mail.ru"},
		{"ann@mail-2.ru", ProviderTypo, "mail.ru"},
		{"ann@qq2.com", ProviderTypo, "qq.com"},
		{"ann@5qq.com", ProviderTypo, "qq.com"},
		{"ann@1163.com", ProviderTypo, "163.com"},
		{"ann@16399.com", ProviderTypo, "163.com"},
		{"ann@126-1.com", ProviderTypo, "126.com"},
		{"ann@protonmail1.ch", ProviderTypo, "protonmail.com"},
		{"ann@zoho1.com", ProviderTypo, "zoho.com"},
		{"ann@googlemail2.com", ProviderTypo, "googlemail.com"},
		{"ANN@023GMAIL.COM.", ProviderTypo, "gmail.com"},
		// Regional providers, under their own ending only.
		{"ann@01orange.fr", ProviderTypo, "orange.fr"},
		{"ann@orange-2.fr", ProviderTypo, "orange.fr"},
		{"ann@1966libero.it", ProviderTypo, "libero.it"},
		{"ann@11sfr.fr", ProviderTypo, "sfr.fr"},
		{"ann@wanadoo1.fr", ProviderTypo, "wanadoo.fr"},
		{"ann@2laposte.net", ProviderTypo, "laposte.net"},
		{"ann@virgilio1.it", ProviderTypo, "virgilio.it"},
		{"ann@1t-online.de", ProviderTypo, "t-online.de"},

		// One edit, the first letter unchanged, under any ending.
		{"ann@gamil.com", ProviderTypo, "gmail.com"},
		{"ann@gmial.de", ProviderTypo, "gmail.com"},
		{"ann@gmaill.com", ProviderTypo, "gmail.com"},
		{"ann@gnail.fr", ProviderTypo, "gmail.com"},
		{"ann@gmai.co", ProviderTypo, "gmail.com"},
		{"ann@yahho.com", ProviderTypo, "yahoo.com"},
		{"ann@yaho.co.uk", ProviderTypo, "yahoo.com"},
		{"ann@hotmmail.fr", ProviderTypo, "hotmail.com"},
		{"ann@hotmial.fr", ProviderTypo, "hotmail.com"},
		{"ann@outloock.com", ProviderTypo, "outlook.com"},
		{"ann@outlok.com", ProviderTypo, "outlook.com"},
		{"ann@iclod.com", ProviderTypo, "icloud.com"},
		{"ann@yandx.ru", ProviderTypo, "yandex.ru"},
		{"ann@protonmial.com", ProviderTypo, "protonmail.com"},
		{"ann@gogglemail.com", ProviderTypo, "googlemail.com"},
		// ... also after the digits are stripped.
		{"ann@4gamil.com", ProviderTypo, "gmail.com"},
		{"ann@31gmal.com", ProviderTypo, "gmail.com"},
		{"ann@hotmial-2.de", ProviderTypo, "hotmail.com"},

		// Listed domains keep their list's reason.
		{"ann@gmail.com", FreeMail, "gmail.com"},
		{"ann@hotmail.co.uk", FreeMail, "hotmail.co.uk"},

		// Near misses that stay allowed: a business whose name contains
		// a provider's, a changed first letter, two edits, edits of short
		// labels, a label restricted to one ending under another.
		{"ann@gmailer-logistics.com", OK, ""},
		{"ann@hotmail-consulting.de", OK, ""},
		{"ann@outlook-ventures.io", OK, ""},
		{"ann@yahooligans-games.com", OK, ""},
		{"ann@gmail4u.com", OK, ""},
		{"ann@my-gmail.com", OK, ""},
		{"ann@email.de", FreeMail, "email.de"}, // not a gmail typo (first letter); a provider the lists carry
		{"ann@tmail-systems.com", OK, ""},
		{"ann@wahoo.com", OK, ""},
		{"ann@gmaiil4.com", ProviderTypo, "gmail.com"},
		{"ann@gmaiill.com", OK, ""},
		{"ann@ive.com", OK, ""},
		{"ann@lve.com", OK, ""},
		{"ann@aoll.com", Disposable, "aoll.com"}, // not an aol typo (no edit rule for short names); a disposable list carries it
		{"ann@gmxx.de", OK, ""},
		{"ann@zohoo.com", OK, ""},
		{"ann@qq2.de", OK, ""},
		{"ann@qq.com.cn", OK, ""},
		{"ann@1mail.com", OK, ""},
		{"ann@mails.ru", OK, ""},
		{"ann@163.net", OK, ""},
		{"ann@163163.com", OK, ""}, // more digits than a slip adds
		{"ann@4399.com", OK, ""},
		{"ann@gmail.acme-widgets.com", OK, ""},
		{"ann@gmail.xyz", OK, ""},   // the label itself under another ending is no typo
		{"ann@orange1.com", OK, ""}, // a regional provider's label elsewhere
		{"ann@grange.fr", OK, ""},   // one edit of a regional label is another word
		{"ann@oranges.fr", OK, ""},
		{"ann@orange-bleue.fr", OK, ""},
		{"ann@libero-edizioni.it", OK, ""},

		// Real organisations the shape rule would hit, or nearly.
		{"ann@gvmail.br", OK, ""},  // Fundação Getulio Vargas
		{"ann@gail.co.in", OK, ""}, // GAIL India
		{"ann@1live.de", OK, ""},   // WDR's 1LIVE
		{"ann@live365.com", OK, ""},
		{"ann@gm.com", OK, ""},
		{"ann@uq.edu.au", OK, ""},
		{"ann@mq.edu.au", OK, ""},
		{"ann@uol.de", OK, ""},
		{"ann@gmu.edu", OK, ""},
		{"ann@cloud.gov", OK, ""},
		{"ann@mail.gov", OK, ""},
		{"ann@mail.mil", OK, ""},
		{"ann@yale.edu", OK, ""},
		{"ann@ou.edu", OK, ""},
		{"ann@aal.com", OK, ""},
		{"ann@mss.com", OK, ""},
		{"ann@outlookindia.com", OK, ""},
		{"ann@hotmart.com", OK, ""},
		{"ann@yahoo-finance-partners.com", OK, ""},
	}
	for _, tt := range tests {
		d := p.Decide(tt.in)
		if d.Reason != tt.want || d.Matched != tt.matched {
			t.Errorf("Decide(%q) = %s, %q, want %s, %q", tt.in, d.Reason.Code(), d.Matched, tt.want.Code(), tt.matched)
		}
	}
}

// The operator's allow file wins over the shape rule; deny decides
// before it.
func TestProviderTypoOperatorFiles(t *testing.T) {
	dir := t.TempDir()
	allow := writeFile(t, dir, "allow.txt", "gmial.de\n")
	deny := writeFile(t, dir, "deny.txt", "023gmail.com\n")
	p := newTestPolicy(t, OperatorFiles{Allow: allow, Deny: deny})
	for in, want := range map[string]Reason{
		"ann@gmial.de":     OperatorAllowed,
		"ann@023gmail.com": OperatorDenied,
		"ann@gamil.com":    ProviderTypo,
	} {
		if got := p.Decide(in).Reason; got != want {
			t.Errorf("Decide(%q) = %s, want %s", in, got.Code(), want.Code())
		}
	}
}

func TestProviderTypoMessage(t *testing.T) {
	p := newTestPolicy(t, OperatorFiles{})
	d := p.Decide("ann@gmial.de")
	want := "Did you mean gmail.com? That is a personal address, which cannot hold an account here. Please use your work address, e.g. name@yourcompany.com."
	if got := d.Message(); got != want {
		t.Errorf("Decide(ann@gmial.de).Message() = %q, want %q", got, want)
	}
	if got := d.Domain(); got != "gmial.de" {
		t.Errorf("Decide(ann@gmial.de).Domain() = %q, want the address's own gmial.de", got)
	}
	if got := d.Reason.MessageID(); got != 9100018 {
		t.Errorf("ProviderTypo.MessageID() = %d, want 9100018", got)
	}
	if got := d.Reason.Code(); got != "provider_typo" {
		t.Errorf("ProviderTypo.Code() = %q, want provider_typo", got)
	}
}

// Every big provider is a listed free-mail provider, so that the message
// names a domain the user may have meant, and no two share a label.
func TestBigProvidersAreListed(t *testing.T) {
	l := loadTestLists(t)
	seen := map[string]bool{}
	for _, bp := range bigProviders {
		if l.kinds.lookup(bp.domain)&l.free == 0 {
			t.Errorf("big provider %s is not on the free-mail list", bp.domain)
		}
		if reg, _ := registrable(bp.domain); !strings.HasPrefix(reg, bp.label+".") {
			t.Errorf("big provider %s: label %q is not its registrable label", bp.domain, bp.label)
		}
		if bp.edits && len(bp.label) < 5 {
			t.Errorf("big provider %s: edits for a label under five letters", bp.domain)
		}
		if seen[bp.label] {
			t.Errorf("big provider label %q twice", bp.label)
		}
		seen[bp.label] = true
	}
	// An exception the rule no longer hits is dead weight.
	bare := newTypoIndex(bigProviders, nil)
	for reg := range typoExceptions {
		if bare.match(reg) == "" {
			t.Errorf("typo exception %s: the rule does not hit it", reg)
		}
	}
}

func TestOneEdit(t *testing.T) {
	tests := []struct {
		a, b string
		want bool
	}{
		{"gamil", "gmail", true},  // swap
		{"gmial", "gmail", true},  // swap
		{"gmaill", "gmail", true}, // added
		{"gmal", "gmail", true},   // dropped
		{"gmeil", "gmail", true},  // changed
		{"gmaik", "gmail", true},  // changed last
		{"ggmail", "gmail", true},
		{"gmail", "gmail", false},
		{"email", "gmail", false}, // first letter
		{"mgail", "gmail", false}, // first letter swapped
		{"gmali", "gmail", true},
		{"gmaiil1", "gmail", false},
		{"gamli", "gmail", false},
		{"g", "gmail", false},
		{"", "gmail", false},
	}
	for _, tt := range tests {
		if got := oneEdit(tt.a, tt.b); got != tt.want {
			t.Errorf("oneEdit(%q, %q) = %v, want %v", tt.a, tt.b, got, tt.want)
		}
	}
}

func writeFile(t *testing.T, dir, name, content string) string {
	t.Helper()
	path := filepath.Join(dir, name)
	if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

// A misspelt provider written with accented or look-alike letters is a
// look-alike of that provider.
func TestProviderTypoInSkeleton(t *testing.T) {
	p := newTestPolicy(t, OperatorFiles{})
	for in, want := range map[string]string{"ann@gmäill.com": "gmail.com", "ann@yahöo.fr": "yahoo.fr", "ann@xn--gmil-6na.com": "gmail.com", "ann@hötmial.com": "hotmail.com"} {
		if d := p.Decide(in); d.Reason != LookAlike || d.Matched != want {
			t.Errorf("Decide(%q) = %s, %q, want look_alike, %q", in, d.Reason.Code(), d.Matched, want)
		}
	}
	if d := p.Decide("ann@münchen.de"); d.Reason != OK {
		t.Errorf("Decide(ann@münchen.de) = %s, want ok", d.Reason.Code())
	}
}
