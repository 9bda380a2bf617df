package mail

import (
	"strings"
	"testing"
	"time"
)

// Every kind composes, with a subject, a plain-text part and an HTML part
// that carry the link; what the data holds is escaped in the HTML.
func TestCompose(t *testing.T) {
	tpl, err := LoadTemplates()
	if err != nil {
		t.Fatal(err)
	}
	d := Data{
		Product: "WorkID", To: "ann@acme-widgets.com", Link: "http://ui.test/verify?flow=f&token=t",
		ValidUntil: time.Date(2027, 3, 4, 0, 0, 0, 0, time.UTC), NewAddress: "n***@newco.com",
		ChangedAt: time.Date(2026, 12, 1, 9, 30, 0, 0, time.UTC), Support: "help@acme-widgets.com",
	}
	want := map[Kind][]string{
		Verification: {"Please verify your work email address", "press"},
		Expiry:       {"has expired", "expired after one year"},
		Reminder:     {"expires soon", "4 March 2027"},
		Recovery:     {"Reset your WorkID password", "set a new password"},
		EmailChanged: {"address was changed", "n***@newco.com", "1 December 2026 at 09:30 UTC", "help@acme-widgets.com"},
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
	hostile.To = `<script>alert(1)</script>@x.com`
	m, err := tpl.Compose(Verification, hostile)
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(m.HTML, "<script>") {
		t.Errorf("the HTML part prints the recipient unescaped:\n%s", m.HTML)
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
