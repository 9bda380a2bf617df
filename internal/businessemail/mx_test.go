package businessemail

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/workid/workid/internal/mxcheck"
	"github.com/workid/workid/internal/mxcheck/mxchecktest"
)

// providerZone is what the loopback DNS server answers: domains no list
// knows, whose MX records name providers' servers or their own.
var providerZone = map[string][]string{
	"fresh-throwaway.com.":   {"10 mx.mailinator.com."},
	"backup-throwaway.com.":  {"10 mail.backup-throwaway.com.", "20 mx2.guerrillamail.com."},
	"gmail-alias.com.":       {"5 gmail-smtp-in.l.google.com.", "10 alt1.gmail-smtp-in.l.google.com."},
	"hotmail-alias.com.tw.":  {"5 hotmail-com-tw.olc.protection.outlook.com."},
	"acme-widgets.com.":      {"10 mail.acme-widgets.com."},
	"workspace-legacy.com.":  {"1 aspmx.l.google.com.", "5 alt1.aspmx.l.google.com.", "10 aspmx2.googlemail.com.", "10 aspmx3.googlemail.com."},
	"workspace-new.com.":     {"1 smtp.google.com."},
	"m365-traders.com.":      {"0 m365-traders-com.mail.protection.outlook.com."},
	"m365-dane.com.":         {"0 m365-dane-com.o-v1.mx.microsoft."},
	"backup-at-gmail.com.":   {"10 mail.backup-at-gmail.com.", "20 gmail-smtp-in.l.google.com."},
	"yandex360-company.ru.":  {"10 mx.yandex.net."},
	"allowed-throwaway.com.": {"10 mx.mailinator.com."},
	"allowed-provider.com.":  {"10 mx.mailinator.com."},
}

// serveProviderZone runs a real DNS server on loopback with providerZone;
// "dns-trouble.com" fails and other names do not exist.
func serveProviderZone(t *testing.T) string {
	t.Helper()
	return mxchecktest.Serve(t, &mxchecktest.Zone{MX: providerZone, Failing: []string{"dns-trouble.com."}})
}

// With the MX check on, a domain no list knows is refused as the provider
// whose mail servers it uses: any disposable provider's, or only a
// free-mail provider's consumer servers. Organisations whose mail is at
// Google Workspace, Microsoft 365 or Yandex 360 stay allowed.
func TestDecideWithMXMailServersAtAProvider(t *testing.T) {
	mx := mxcheck.New(serveProviderZone(t), 2*time.Second)
	policy := newTestPolicy(t, OperatorFiles{})
	tests := []struct {
		addr       string
		want       Reason
		matched    string
		mailServer string
	}{
		{"ann@fresh-throwaway.com", Disposable, "mailinator.com", "mx.mailinator.com"},
		{"ann@backup-throwaway.com", Disposable, "guerrillamail.com", "mx2.guerrillamail.com"},
		{"ann@gmail-alias.com", FreeMail, "gmail.com", "gmail-smtp-in.l.google.com"},
		{"ann@hotmail-alias.com.tw", FreeMail, "outlook.com", "hotmail-com-tw.olc.protection.outlook.com"},
		{"ann@acme-widgets.com", OK, "", ""},
		{"ann@workspace-legacy.com", OK, "", ""},
		{"ann@workspace-new.com", OK, "", ""},
		{"ann@m365-traders.com", OK, "", ""},
		{"ann@m365-dane.com", OK, "", ""},
		{"ann@backup-at-gmail.com", OK, "", ""}, // its own server first: not every MX is Gmail's
		{"ann@yandex360-company.ru", OK, "", ""},
		{"ann@no-mail-here.com", NoMailServer, "", ""},
		// What the lists decide, the MX check does not change.
		{"ann@gmail.com", FreeMail, "gmail.com", ""},
		{"ann@x.mailinator.com", Disposable, "mailinator.com", ""},
	}
	for _, tt := range tests {
		t.Run(tt.addr, func(t *testing.T) {
			d, err := policy.DecideWithMX(t.Context(), mx, tt.addr)
			if err != nil {
				t.Fatalf("DecideWithMX(%s) mx error %v", tt.addr, err)
			}
			if d.Reason != tt.want || d.Matched != tt.matched || d.MailServer != tt.mailServer {
				t.Errorf("DecideWithMX(%s) = %s, matched %q, mail server %q; want %s, %q, %q",
					tt.addr, d.Reason.Code(), d.Matched, d.MailServer, tt.want.Code(), tt.matched, tt.mailServer)
			}
		})
	}
}

// A DNS failure leaves the address allowed and is reported; so is one
// while asking for the mail servers.
func TestDecideWithMXMailServersDNSDown(t *testing.T) {
	mx := mxcheck.New(serveProviderZone(t), 2*time.Second)
	d, err := newTestPolicy(t, OperatorFiles{}).DecideWithMX(t.Context(), mx, "ann@dns-trouble.com")
	if d.Reason != OK || !errors.Is(err, mxcheck.ErrLookup) {
		t.Errorf("DecideWithMX(ann@dns-trouble.com) = %s, %v; want ok and an mxcheck.ErrLookup", d.Reason.Code(), err)
	}
	d, err = newTestPolicy(t, OperatorFiles{}).DecideWithMX(t.Context(), failingServers{}, "ann@fresh-throwaway.com")
	if d.Reason != OK || err == nil {
		t.Errorf("DecideWithMX with MailServers failing = %s, %v; want ok and the error", d.Reason.Code(), err)
	}
}

// failingServers accepts mail for every domain but cannot name its servers.
type failingServers struct{}

func (failingServers) AcceptsMail(context.Context, string) (bool, error) { return true, nil }
func (failingServers) MailServers(context.Context, string) ([]string, error) {
	return nil, errors.New("timeout")
}

// The operator's allow file wins: an allowed domain is not refused by its
// mail servers, and neither is a domain whose servers are an allowed
// provider's.
func TestDecideWithMXMailServersOperatorAllows(t *testing.T) {
	dir := t.TempDir()
	allow := filepath.Join(dir, "allow.txt")
	if err := os.WriteFile(allow, []byte("allowed-throwaway.com\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	mx := mxcheck.New(serveProviderZone(t), 2*time.Second)
	policy := newTestPolicy(t, OperatorFiles{Allow: allow})
	if d, _ := policy.DecideWithMX(t.Context(), mx, "ann@allowed-throwaway.com"); d.Reason != OperatorAllowed {
		t.Errorf("DecideWithMX(ann@allowed-throwaway.com) = %s, want operator_allowed", d.Reason.Code())
	}
	if d, _ := policy.DecideWithMX(t.Context(), mx, "ann@allowed-provider.com"); d.Reason != Disposable {
		t.Errorf("DecideWithMX(ann@allowed-provider.com) = %s before its provider is allowed, want disposable", d.Reason.Code())
	}

	if err := os.WriteFile(allow, []byte("allowed-throwaway.com\nmailinator.com\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := policy.Reload(); err != nil {
		t.Fatal(err)
	}
	if d, _ := policy.DecideWithMX(t.Context(), mx, "ann@allowed-provider.com"); d.Reason != OK {
		t.Errorf("DecideWithMX(ann@allowed-provider.com) = %s with mailinator.com allowed, want ok", d.Reason.Code())
	}
}
