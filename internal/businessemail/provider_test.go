package businessemail

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// The hosts real domains name in their MX records, and whose they are.
// Organisations that host their mail at Google, Microsoft, Yahoo, Yandex,
// Zoho, Apple, Proton or Fastmail must come out OK.
func TestProviderOf(t *testing.T) {
	p := newTestPolicy(t, OperatorFiles{})
	tests := []struct {
		host    string
		want    Reason
		matched string
	}{
		// Disposable providers' own servers, by the lists.
		{"mx.mailinator.com", Disposable, "mailinator.com"},
		{"MX1.Mailinator.COM.", Disposable, "mailinator.com"},
		{"mx.guerrillamail.com", Disposable, "guerrillamail.com"},
		// Free-mail providers' consumer inbound hosts.
		{"gmail-smtp-in.l.google.com", FreeMail, "gmail.com"},
		{"alt4.gmail-smtp-in.l.google.com.", FreeMail, "gmail.com"},
		{"outlook-com.olc.protection.outlook.com", FreeMail, "outlook.com"},
		{"hotmail-com.olc.protection.outlook.com", FreeMail, "outlook.com"},
		{"mta6.am0.yahoodns.net", FreeMail, "yahoo.com"},
		{"mx-aol.mail.gm0.yahoodns.net", FreeMail, "aol.com"},
		// Google Workspace, old and new.
		{"smtp.google.com", OK, ""},
		{"aspmx.l.google.com", OK, ""},
		{"alt1.aspmx.l.google.com", OK, ""},
		{"aspmx2.googlemail.com", OK, ""}, // googlemail.com is on the free list: the host is not a mailbox
		{"aspmx3.googlemail.com", OK, ""},
		// Microsoft 365.
		{"contoso-com.mail.protection.outlook.com", OK, ""},
		{"contoso-com.mail.eo.outlook.com", OK, ""},
		{"contoso-com.o-v1.mx.microsoft", OK, ""},
		// Other providers' business hosting.
		{"mx-biz.mail.am0.yahoodns.net", OK, ""},
		{"mx1.biz.mail.yahoo.com", OK, ""},
		{"mx.yandex.net", OK, ""},
		{"mx.yandex.ru", OK, ""},
		{"mx.zoho.com", OK, ""},
		{"mx2.zoho.eu", OK, ""},
		{"mx01.mail.icloud.com", OK, ""},
		{"mail.protonmail.ch", OK, ""},
		{"in1-smtp.messagingengine.com", OK, ""},
		{"emx.mail.ru", OK, ""},
		{"mxs.mail.ru", OK, ""},
		{"mx00.emig.gmx.net", OK, ""},
		{"mx1.forwardemail.net", OK, ""},
		{"mx1.improvmx.com", OK, ""},
		{"route1.mx.cloudflare.net", OK, ""},
		// An organisation's own server; and what is no host at all.
		{"mail.acme-widgets.com", OK, ""},
		{"", OK, ""},
		{".", OK, ""},
		{"localhost", OK, ""},
		{"mx.example.com", OK, ""},
		{"mx\x00.mailinator.com", OK, ""},
	}
	for _, tt := range tests {
		if r, m := p.ProviderOf(tt.host); r != tt.want || m != tt.matched {
			t.Errorf("ProviderOf(%q) = %s, %q, want %s, %q", tt.host, r.Code(), m, tt.want.Code(), tt.matched)
		}
	}
}

// Some disposable lists carry services that host organisations' mail
// (mailchecker lists yandex.net, forwardemail.net, improvmx.com): a
// domain whose MX is theirs is not a disposable provider's. The service's
// own domain stays refused by Decide.
func TestProviderOfMailHostsOnADisposableList(t *testing.T) {
	l := &Lists{kinds: newKindTable(8), disposable: 1}
	for _, d := range []string{"yandex.net", "forwardemail.net", "improvmx.com", "mailinator.com"} {
		l.kinds.add(d, 1) // source 0, a disposable list
	}
	p, err := NewPolicy(l, OperatorFiles{})
	if err != nil {
		t.Fatal(err)
	}
	for _, host := range []string{"mx.yandex.net", "mx1.forwardemail.net", "mx2.improvmx.com"} {
		if r, m := p.ProviderOf(host); r != OK {
			t.Errorf("ProviderOf(%s) = %s, %q, want ok", host, r.Code(), m)
		}
	}
	if r, m := p.ProviderOf("mx.mailinator.com"); r != Disposable || m != "mailinator.com" {
		t.Errorf("ProviderOf(mx.mailinator.com) = %s, %q, want disposable", r.Code(), m)
	}
	if d := p.Decide("ann@yandex.net"); d.Reason != Disposable {
		t.Errorf("Decide(ann@yandex.net) = %s, want disposable (the list still decides the address)", d.Reason.Code())
	}
}

// The table only recognises hosts: a provider the lists no longer carry,
// or one the operator allows, is nobody's to refuse; and an allowed host
// is no provider's.
func TestProviderOfListsAndOperatorDecide(t *testing.T) {
	empty := &Lists{kinds: newKindTable(1)}
	p, err := NewPolicy(empty, OperatorFiles{})
	if err != nil {
		t.Fatal(err)
	}
	if r, m := p.ProviderOf("gmail-smtp-in.l.google.com"); r != OK {
		t.Errorf("with gmail.com on no list, ProviderOf(gmail-smtp-in.l.google.com) = %s, %q, want ok", r.Code(), m)
	}

	allow := filepath.Join(t.TempDir(), "allow.txt")
	if err := os.WriteFile(allow, []byte("gmail.com\nmailinator.com\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	p = newTestPolicy(t, OperatorFiles{Allow: allow})
	for _, host := range []string{"gmail-smtp-in.l.google.com", "mx.mailinator.com"} {
		if r, m := p.ProviderOf(host); r != OK {
			t.Errorf("with %s allowed, ProviderOf(%s) = %s, %q, want ok", allow, host, r.Code(), m)
		}
	}
	if r, _ := p.ProviderOf("outlook-com.olc.protection.outlook.com"); r != FreeMail {
		t.Errorf("an allow file naming others changed ProviderOf(outlook-com.olc...) to %s", r.Code())
	}
}

// Every consumer host is reviewed: it says why, names a provider the
// installed lists carry, and is not a host organisations are told to use.
func TestConsumerMailServers(t *testing.T) {
	p := newTestPolicy(t, OperatorFiles{})
	business := []string{"google.com", "googlemail.com", "mail.protection.outlook.com", "mail.eo.outlook.com", "mx.microsoft", "mx.yandex.net", "zoho.com", "mail.icloud.com", "protonmail.ch", "messagingengine.com", "mx-biz.mail.am0.yahoodns.net", "emx.mail.ru"}
	for _, s := range consumerMailServers {
		if strings.TrimSpace(s.why) == "" {
			t.Errorf("consumer host %s has no reason", s.host)
		}
		if ascii, _, r := toASCII(s.host); r != OK || ascii != s.host {
			t.Errorf("consumer host %q is not a lower-case ASCII domain", s.host)
		}
		if p.lists.match(s.provider, s.provider, KindFree) == "" {
			t.Errorf("consumer host %s names %s, which no free-mail list carries", s.host, s.provider)
		}
		for _, b := range business {
			if s.host == b || strings.HasSuffix(b, "."+s.host) {
				t.Errorf("consumer host %s covers %s, which organisations use", s.host, b)
			}
		}
	}
	for d := range mailHosts {
		if ascii, _, r := toASCII(d); r != OK || ascii != d {
			t.Errorf("mail host %q is not a lower-case ASCII domain", d)
		}
		if isICANNSuffix(d) {
			t.Errorf("mail host %q is a whole public suffix", d)
		}
	}
}
