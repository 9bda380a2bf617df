package hooks

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/miekg/dns"

	"github.com/workid/workid/config"
	"github.com/workid/workid/internal/businessemail"
	"github.com/workid/workid/internal/metrics/metricstest"
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
	return mxchecktest.Serve(t, dns.HandlerFunc(func(w dns.ResponseWriter, req *dns.Msg) {
		q := req.Question[0]
		m := new(dns.Msg)
		m.SetReply(req)
		m.Authoritative = true
		records, ok := providerZone[q.Name]
		switch {
		case q.Name == "dns-trouble.com.":
			m.Rcode = dns.RcodeServerFailure
		case !ok:
			m.Rcode = dns.RcodeNameError
		case q.Qtype == dns.TypeMX:
			for _, r := range records {
				rr, err := dns.NewRR(q.Name + " 300 IN MX " + r)
				if err != nil {
					panic(err)
				}
				m.Answer = append(m.Answer, rr)
			}
		}
		_ = w.WriteMsg(m)
	}))
}

// With the MX check on, a domain no list knows is refused as the provider
// whose mail servers it uses: any disposable provider's, or only a
// free-mail provider's consumer servers. Organisations whose mail is at
// Google Workspace, Microsoft 365 or Yandex 360 stay allowed.
func TestDecideMailServersAtAProvider(t *testing.T) {
	mx := mxcheck.New(serveProviderZone(t), 2*time.Second)
	policy := testPolicy(t)
	tests := []struct {
		addr       string
		want       businessemail.Reason
		matched    string
		mailServer string
	}{
		{"ann@fresh-throwaway.com", businessemail.Disposable, "mailinator.com", "mx.mailinator.com"},
		{"ann@backup-throwaway.com", businessemail.Disposable, "guerrillamail.com", "mx2.guerrillamail.com"},
		{"ann@gmail-alias.com", businessemail.FreeMail, "gmail.com", "gmail-smtp-in.l.google.com"},
		{"ann@hotmail-alias.com.tw", businessemail.FreeMail, "outlook.com", "hotmail-com-tw.olc.protection.outlook.com"},
		{"ann@acme-widgets.com", businessemail.OK, "", ""},
		{"ann@workspace-legacy.com", businessemail.OK, "", ""},
		{"ann@workspace-new.com", businessemail.OK, "", ""},
		{"ann@m365-traders.com", businessemail.OK, "", ""},
		{"ann@m365-dane.com", businessemail.OK, "", ""},
		{"ann@backup-at-gmail.com", businessemail.OK, "", ""}, // its own server first: not every MX is Gmail's
		{"ann@yandex360-company.ru", businessemail.OK, "", ""},
		{"ann@no-mail-here.com", businessemail.NoMailServer, "", ""},
		// What the lists decide, the MX check does not change.
		{"ann@gmail.com", businessemail.FreeMail, "gmail.com", ""},
		{"ann@x.mailinator.com", businessemail.Disposable, "mailinator.com", ""},
	}
	for _, tt := range tests {
		t.Run(tt.addr, func(t *testing.T) {
			d, err := Decide(t.Context(), policy, mx, tt.addr)
			if err != nil {
				t.Fatalf("Decide(%s) mx error %v", tt.addr, err)
			}
			if d.Reason != tt.want || d.Matched != tt.matched || d.MailServer != tt.mailServer {
				t.Errorf("Decide(%s) = %s, matched %q, mail server %q; want %s, %q, %q",
					tt.addr, d.Reason.Code(), d.Matched, d.MailServer, tt.want.Code(), tt.matched, tt.mailServer)
			}
		})
	}
}

// A DNS failure leaves the address allowed and is reported; so is one
// while asking for the mail servers.
func TestDecideMailServersDNSDown(t *testing.T) {
	mx := mxcheck.New(serveProviderZone(t), 2*time.Second)
	d, err := Decide(t.Context(), testPolicy(t), mx, "ann@dns-trouble.com")
	if d.Reason != businessemail.OK || !errors.Is(err, mxcheck.ErrLookup) {
		t.Errorf("Decide(ann@dns-trouble.com) = %s, %v; want ok and an mxcheck.ErrLookup", d.Reason.Code(), err)
	}
	d, err = Decide(t.Context(), testPolicy(t), failingServers{}, "ann@fresh-throwaway.com")
	if d.Reason != businessemail.OK || err == nil {
		t.Errorf("Decide with MailServers failing = %s, %v; want ok and the error", d.Reason.Code(), err)
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
func TestDecideMailServersOperatorAllows(t *testing.T) {
	dir := t.TempDir()
	allow := filepath.Join(dir, "allow.txt")
	if err := os.WriteFile(allow, []byte("allowed-throwaway.com\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	mx := mxcheck.New(serveProviderZone(t), 2*time.Second)
	policy, err := LoadPolicy(t.Context(), config.EmailRule{Lists: config.Lists{ListsDir: "../config/lists/node_modules"}, AllowFile: allow}, quiet)
	if err != nil {
		t.Fatal(err)
	}
	if d, _ := Decide(t.Context(), policy, mx, "ann@allowed-throwaway.com"); d.Reason != businessemail.OperatorAllowed {
		t.Errorf("Decide(ann@allowed-throwaway.com) = %s, want operator_allowed", d.Reason.Code())
	}
	if d, _ := Decide(t.Context(), policy, mx, "ann@allowed-provider.com"); d.Reason != businessemail.Disposable {
		t.Errorf("Decide(ann@allowed-provider.com) = %s before its provider is allowed, want disposable", d.Reason.Code())
	}

	if err := os.WriteFile(allow, []byte("allowed-throwaway.com\nmailinator.com\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := policy.Reload(); err != nil {
		t.Fatal(err)
	}
	if d, _ := Decide(t.Context(), policy, mx, "ann@allowed-provider.com"); d.Reason != businessemail.OK {
		t.Errorf("Decide(ann@allowed-provider.com) = %s with mailinator.com allowed, want ok", d.Reason.Code())
	}
}

// Through the hook: the user sees the provider's usual message, Kratos
// gets the provider as the message's domain, and the refusal is counted
// as one the MX check decided.
func TestHookMailServersAtAProvider(t *testing.T) {
	mx := mxcheck.New(serveProviderZone(t), 2*time.Second)
	h := NewServer(testKey, testPolicy(t), mx, nil, quiet)
	auth := config.HooksAuthScheme + testKey
	metricstest.Scrape(t, h).Want(t, map[string]float64{
		`workid_hooks_mx_provider_refusals_total{reason="disposable"}`: 0,
		`workid_hooks_mx_provider_refusals_total{reason="free_mail"}`:  0,
	})

	rec := call(h, "/hooks/registration", auth, `{"traits":{"email":"ann@fresh-throwaway.com"}}`)
	if rec.Code != http.StatusBadRequest {
		t.Fatalf("registration at fresh-throwaway.com = %d, want 400 (%s)", rec.Code, rec.Body)
	}
	var answer kratosMessages
	if err := json.Unmarshal(rec.Body.Bytes(), &answer); err != nil {
		t.Fatal(err)
	}
	msg := answer.Messages[0].Messages[0]
	wantText := businessemail.Disposable.Message("mailinator.com", "mailinator.com")
	if msg.ID != 9100013 || msg.Text != wantText || msg.Context.Domain != "mailinator.com" || msg.Context.Reason != "disposable" {
		t.Errorf("message = %+v, want 9100013 %q about mailinator.com", msg, wantText)
	}
	if !strings.HasPrefix(msg.Text, "mailinator.com provides disposable addresses") {
		t.Errorf("message %q does not name the provider", msg.Text)
	}

	if rec := call(h, "/hooks/registration", auth, `{"traits":{"email":"ann@gmail-alias.com"}}`); rec.Code != http.StatusBadRequest {
		t.Errorf("registration at gmail-alias.com = %d, want 400", rec.Code)
	}
	if rec := call(h, "/hooks/registration", auth, `{"traits":{"email":"ann@workspace-new.com"}}`); rec.Code != http.StatusOK {
		t.Errorf("registration at workspace-new.com = %d, want 200 (%s)", rec.Code, rec.Body)
	}
	metricstest.Scrape(t, h).Want(t, map[string]float64{
		`workid_hooks_mx_provider_refusals_total{reason="disposable"}`:           1,
		`workid_hooks_mx_provider_refusals_total{reason="free_mail"}`:            1,
		`workid_hooks_decisions_total{event="registration",reason="disposable"}`: 1,
		`workid_hooks_decisions_total{event="registration",reason="free_mail"}`:  1,
		`workid_hooks_decisions_total{event="registration",reason="ok"}`:         1,
	})
}
