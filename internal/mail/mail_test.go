package mail

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/workid/workid/internal/brand"
)

func testTemplates(t *testing.T, brandFile string) *Templates {
	t.Helper()
	b, err := brand.Load(brandFile)
	if err != nil {
		t.Fatal(err)
	}
	tpl, err := LoadTemplates(b, "http://ui.test/")
	if err != nil {
		t.Fatal(err)
	}
	return tpl
}

// Every kind composes, with a subject, a plain-text part and an HTML part
// that carry the link; what the data holds is escaped in the HTML.
func TestCompose(t *testing.T) {
	tpl := testTemplates(t, "../../config/brand.json")
	d := Data{
		To: "ann@acme-widgets.com", Link: "http://ui.test/verify?flow=f&token=t",
		ValidUntil: time.Date(2027, 3, 4, 0, 0, 0, 0, time.UTC), NewAddress: "n***@newco.com",
		ChangedAt: time.Date(2026, 12, 1, 9, 30, 0, 0, time.UTC),
	}
	want := map[Kind][]string{
		Verification: {"Please verify your work email address", "press"},
		Expiry:       {"has expired", "expired after one year"},
		Reminder:     {"expires soon", "4 March 2027"},
		Recovery:     {"Reset your WorkID password", "set a new password"},
		EmailChanged: {"address was changed", "n***@newco.com", "1 December 2026 at 09:30 UTC", "support@workid.example"},
	}
	for _, k := range Kinds {
		m, err := tpl.Compose(k, d)
		if err != nil {
			t.Fatalf("Compose(%s): %v", k, err)
		}
		if m.To != d.To || m.Subject == "" || strings.Contains(m.Subject, "\n") {
			t.Errorf("Compose(%s): to %q subject %q, want the recipient and a one-line subject", k, m.To, m.Subject)
		}
		all := m.Subject + "\n" + m.Text
		for _, w := range want[k] {
			if !strings.Contains(all, w) {
				t.Errorf("Compose(%s): subject and text lack %q:\n%s", k, w, all)
			}
		}
		if !strings.Contains(m.Text, d.Link) || !strings.Contains(m.HTML, `href="http://ui.test/verify?flow=f&amp;token=t"`) {
			t.Errorf("Compose(%s): the link is missing from a part:\n%s\n%s", k, m.Text, m.HTML)
		}
	}
	hostile := d
	hostile.To, hostile.NewAddress = `<script>alert(1)</script>@x.com`, `<img src=x onerror=alert(1)>`
	for _, k := range Kinds {
		m, err := tpl.Compose(k, hostile)
		if err != nil {
			t.Fatal(err)
		}
		if strings.Contains(m.HTML, "<script>") || strings.Contains(m.HTML, "<img src=x") {
			t.Errorf("Compose(%s): the HTML part prints the data unescaped:\n%s", k, m.HTML)
		}
	}
}

// A mail is in the account's language, dates included, and carries the
// brand: its name, colour, logo (a PNG, from the UI) and support contact.
func TestComposeInLanguageAndBrand(t *testing.T) {
	dir := t.TempDir()
	png := []byte("\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR")
	if err := os.WriteFile(filepath.Join(dir, "logo.png"), png, 0o644); err != nil {
		t.Fatal(err)
	}
	brandFile := filepath.Join(dir, "brand.json")
	if err := os.WriteFile(brandFile, []byte(`{"product_name":"Acme Account","logo":{"file":"logo.png","alt":"Acme"},
		"primary_color":"#0b5d3b","accent_color":"#0b5d3b","support":"help@acme.example","mail_from_name":"Acme IT"}`), 0o644); err != nil {
		t.Fatal(err)
	}
	tpl := testTemplates(t, brandFile)
	rdFile := filepath.Join(dir, "rd.json")
	if err := os.WriteFile(rdFile, []byte(`{"product_name":"R&D <i>Portal</i>","primary_color":"#0b5d3b","accent_color":"#0b5d3b","support":"help@acme.example"}`), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, k := range Kinds {
		m, err := testTemplates(t, rdFile).Compose(k, Data{To: "ann@acme-widgets.com", Link: "http://ui.test/x", Lang: "fr"})
		if err != nil || strings.Contains(m.HTML, "<i>") || !strings.Contains(m.HTML, "R&amp;D") {
			t.Errorf("Compose(%s) with a product name of markup = %v:\n%s", k, err, m.HTML)
		}
	}
	d := Data{To: "ann@acme-widgets.com", Link: "http://ui.test/verify?flow=f&token=t", Lang: "de",
		ValidUntil: time.Date(2027, 3, 4, 0, 0, 0, 0, time.UTC), NewAddress: "n***@newco.com",
		ChangedAt: time.Date(2026, 12, 1, 9, 30, 0, 0, time.UTC)}
	m, err := tpl.Compose(Reminder, d)
	if err != nil {
		t.Fatal(err)
	}
	text := strings.Join(strings.Fields(m.Text), " ") // as read, wrapped lines joined
	for _, want := range []string{"4. März 2027", "Acme Account", "help@acme.example"} {
		if !strings.Contains(text, want) || !strings.Contains(m.HTML, want) {
			t.Errorf("the German reminder lacks %q:\n%s\n%s", want, m.Text, m.HTML)
		}
	}
	for _, want := range []string{`<html lang="de">`, "background:#0b5d3b", `src="http://ui.test/brand/logo" alt="Acme"`, `href="mailto:help@acme.example"`} {
		if !strings.Contains(m.HTML, want) {
			t.Errorf("the German reminder's HTML lacks %q:\n%s", want, m.HTML)
		}
	}
	if strings.Contains(m.Text+m.HTML, "WorkID") || strings.Contains(m.Text, "<") {
		t.Errorf("the mail names WorkID or has markup in its text part:\n%s", m.Text)
	}
	for _, lang := range []string{"en", "de", "fr", "es", "ja"} {
		d.Lang = lang
		for _, k := range Kinds {
			m, err := tpl.Compose(k, d)
			if err != nil {
				t.Fatalf("Compose(%s, %s): %v", k, lang, err)
			}
			if strings.Contains(m.Subject+m.Text+m.HTML, "mail.") {
				t.Errorf("Compose(%s, %s) shows a text id:\n%s", k, lang, m.Text)
			}
			if lang != "en" && strings.Contains(m.Text, "Hello,") {
				t.Errorf("Compose(%s, %s) is in English:\n%s", k, lang, m.Text)
			}
		}
	}
	d.Lang = "xx"
	if m, _ := tpl.Compose(Verification, d); !strings.Contains(m.Text, "Hello,") {
		t.Errorf("a language WorkID does not ship gives:\n%s\nwant English", m.Text)
	}
}

func TestWrap(t *testing.T) {
	long := strings.Repeat("word ", 40)
	for _, line := range strings.Split(wrap(long), "\n") {
		if len(line) > 72 {
			t.Errorf("wrap made a line of %d columns: %q", len(line), line)
		}
	}
	if got := wrap("日本語の文は空白なしで続きます。"); got != "日本語の文は空白なしで続きます。" {
		t.Errorf("wrap(Japanese) = %q, want it kept", got)
	}
}

func TestMask(t *testing.T) {
	for in, want := range map[string]string{
		"nina@newco.com": "n***@newco.com",
		"émile@x.fr":     "é***@x.fr",
		"@x.com":         "***",
		"no-at-sign":     "***",
	} {
		if got := Mask(in); got != want {
			t.Errorf("Mask(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestNewSMTP(t *testing.T) {
	ok := []string{
		"smtp://127.0.0.1:1025/?disable_starttls=true",
		"smtp://user:p%40ss@smtp.example.com:587/",
		"smtps://smtp.example.com/?skip_ssl_verify=true&local_name=workid.example",
	}
	for _, uri := range ok {
		if _, err := NewSMTP(uri, "no-reply@workid.example", "WorkID"); err != nil {
			t.Errorf("NewSMTP(%q) = %v, want a sender", uri, err)
		}
	}
	bad := []string{"http://smtp.example.com/", "smtp:///", "smtp://host:99999/", "::"}
	for _, uri := range bad {
		if _, err := NewSMTP(uri, "no-reply@workid.example", "WorkID"); err == nil {
			t.Errorf("NewSMTP(%q) = nil, want an error", uri)
		}
	}
	if _, err := NewSMTP(ok[0], "not-an-address", "WorkID"); err == nil {
		t.Error("NewSMTP with sender \"not-an-address\" = nil, want an error")
	}
}

// A link's address signature holds for the address however Kratos or the
// form wrote it (case, spaces), and for no other address or signature.
func TestAddressSignature(t *testing.T) {
	key := []byte("a-link-key-of-32-characters-long")
	sig := LinkSignature(key, "/verify", "flow", "token", "identity", "1764806400")
	asig := AddressSignature(key, sig, "ann@acme-widgets.com")
	for _, to := range []string{"ann@acme-widgets.com", " Ann@Acme-Widgets.com "} {
		if !AddressSigned(key, asig, sig, to) {
			t.Errorf("AddressSigned(%q) = false, want the same address", to)
		}
	}
	if AddressSigned(key, asig, sig, "ann@contoso-engineering.com") {
		t.Error("the signature holds for another address")
	}
	if AddressSigned(key, asig, LinkSignature(key, "/recover", "flow", "token", "identity", "1764806400"), "ann@acme-widgets.com") {
		t.Error("the address signature holds for another link's signature")
	}
	if AddressSigned(nil, asig, sig, "ann@acme-widgets.com") {
		t.Error("no key, yet the signature holds")
	}
}
