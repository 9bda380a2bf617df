package hooks

import (
	"context"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/workid/workid/config"
	"github.com/workid/workid/internal/brand"
	"github.com/workid/workid/internal/emailstate"
	"github.com/workid/workid/internal/kratosapi"
	"github.com/workid/workid/internal/mail"
	"github.com/workid/workid/internal/metrics/metricstest"
)

const (
	testIdentity = "3f0c6a1e-8a51-4b7e-9c1d-2f4e5a6b7c8d"
	testFlow     = "9d7e1b2a-1c3d-4e5f-8a9b-0c1d2e3f4a5b"
	testToken    = "AbCdEfGhIjKlMnOpQrStUvWxYz012345"
)

// identityAdmin answers Kratos's admin read of one identity (and an empty
// courier) for a unit test of the courier handler; it counts the PATCHes
// that write the identity.
func identityAdmin(t *testing.T, ident string) (url string, patches *atomic.Int32) {
	t.Helper()
	patches = &atomic.Int32{}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/admin/courier/messages" {
			w.Header().Set("Content-Type", "application/json")
			_, _ = w.Write([]byte(`[]`)) // nothing sent to anyone yet
			return
		}
		if r.URL.Path != "/admin/identities/"+testIdentity {
			http.NotFound(w, r)
			return
		}
		if r.Method == http.MethodPatch {
			patches.Add(1)
		}
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write([]byte(ident))
	}))
	t.Cleanup(srv.Close)
	return srv.URL, patches
}

const unverifiedIdentity = `{"id":"` + testIdentity + `","schema_id":"default","schema_url":"","traits":{"email":"ann@acme-widgets.com"},
 "verifiable_addresses":[{"id":"a","value":"ann@acme-widgets.com","verified":false,"via":"email","status":"sent"}]}`

// closedPort is a local address nothing listens on: an SMTP server that is down.
func closedPort(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	return addr
}

func courierBody(templateType, link string) string {
	b, _ := json.Marshal(map[string]any{
		"recipient": "ann@acme-widgets.com", "template_type": templateType,
		"template_data": map[string]any{"to": "ann@acme-widgets.com", "verification_url": link, "identity": map[string]any{"id": testIdentity}},
	})
	return string(b)
}

func mailServer(t *testing.T, adminURL, smtpAddr string) http.Handler {
	t.Helper()
	tpl := testTemplates(t)
	sender, err := mail.NewSMTP("smtp://"+smtpAddr+"/?disable_starttls=true", "no-reply@workid.example", "WorkID")
	if err != nil {
		t.Fatal(err)
	}
	m := &Mailer{
		Admin: kratosapi.New(adminURL), Sender: sender, Templates: tpl, UIURL: "http://ui.test",
		MaxAge: emailstate.DefaultMaxAge, Retries: []time.Duration{time.Millisecond, time.Millisecond},
	}
	return NewServer(testKey, testPolicy(t), nil, m, nil, quiet)
}

func TestCourierTransport(t *testing.T) {
	admin, _ := identityAdmin(t, unverifiedIdentity)
	h := mailServer(t, admin, closedPort(t))
	auth := config.HooksAuthScheme + testKey
	link := "http://kratos.test/self-service/verification?flow=" + testFlow + "&token=" + testToken
	tests := []struct {
		name, auth, body string
		want             int
	}{
		{"no key", "", courierBody(mail.TemplateVerification, link), http.StatusUnauthorized},
		{"wrong key", auth + "x", courierBody(mail.TemplateVerification, link), http.StatusUnauthorized},
		{"malformed body", auth, `{"recipient":`, http.StatusBadRequest},
		{"no recipient", auth, `{"template_type":"verification_valid"}`, http.StatusBadRequest},
		{"too large", auth, `{"recipient":"` + strings.Repeat("a", maxBody) + `"}`, http.StatusBadRequest},
		// A message that can never be sent is dropped, logged and counted
		// (204: Kratos hands over again whatever is not 2xx).
		{"template WorkID does not send", auth, courierBody("login_code_valid", link), http.StatusNoContent},
		{"link without a token", auth, courierBody(mail.TemplateVerification, "http://kratos.test/self-service/verification?flow="+testFlow), http.StatusNoContent},
		{"hostile token", auth, courierBody(mail.TemplateVerification, "http://kratos.test/x?flow="+testFlow+"&token=%22%3E%3Cscript%3E"), http.StatusNoContent},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := call(h, "/hooks/courier", tt.auth, tt.body).Code; got != tt.want {
				t.Errorf("POST /hooks/courier = %d, want %d", got, tt.want)
			}
		})
	}
	metricstest.Scrape(t, h).Want(t, map[string]float64{`workid_mail_refused_total`: 3})
}

// A message Kratos hands over again after it was sent (its answer was
// lost, or came after Kratos's 30 s) is not sent twice.
func TestCourierSendsOnce(t *testing.T) {
	admin, _ := identityAdmin(t, unverifiedIdentity)
	var sent atomic.Int32
	tpl := testTemplates(t)
	m := &Mailer{Admin: kratosapi.New(admin), Sender: countingSender{&sent}, Templates: tpl, UIURL: "http://ui.test",
		MaxAge: emailstate.DefaultMaxAge}
	h := NewServer(testKey, testPolicy(t), nil, m, nil, quiet)
	link := "http://kratos.test/self-service/verification?flow=" + testFlow + "&token=" + testToken
	for range 3 {
		if got := call(h, "/hooks/courier", config.HooksAuthScheme+testKey, courierBody(mail.TemplateVerification, link)).Code; got != http.StatusNoContent {
			t.Fatalf("POST /hooks/courier = %d, want 204", got)
		}
	}
	if n := sent.Load(); n != 1 {
		t.Errorf("one message handed over three times was sent %d times, want once", n)
	}
	metricstest.Scrape(t, h).Want(t, map[string]float64{`workid_mail_held_total{kind="verification",reason="duplicate"}`: 2})
}

// countingSender counts deliveries for a unit test of the handler.
type countingSender struct{ n *atomic.Int32 }

func (s countingSender) Send(context.Context, mail.Message) error { s.n.Add(1); return nil }

// With the SMTP server down, a delivery is tried, tried again after each
// pause, counted, and answered 503 so that Kratos keeps the message queued;
// nothing is recorded as sent.
func TestCourierSMTPDown(t *testing.T) {
	admin, patches := identityAdmin(t, unverifiedIdentity)
	h := mailServer(t, admin, closedPort(t))
	link := "http://kratos.test/self-service/verification?flow=" + testFlow + "&token=" + testToken
	rec := call(h, "/hooks/courier", config.HooksAuthScheme+testKey, courierBody(mail.TemplateVerification, link))
	if rec.Code != http.StatusServiceUnavailable {
		t.Fatalf("POST /hooks/courier with SMTP down = %d, want 503 (Kratos hands it over again)", rec.Code)
	}
	metricstest.Scrape(t, h).Want(t, map[string]float64{
		`workid_mail_delivery_failures_total{cause="temporary",kind="verification"}`: 3,
		`workid_mail_delivery_retries_total`:                                         2,
		`workid_mail_sent_total{kind="verification"}`:                                0,
		`workid_mail_held_total{kind="verification",reason="limit"}`:                 0,
	})
	if n := patches.Load(); n != 0 {
		t.Errorf("%d PATCHes of the identity, want none", n)
	}
}

func TestKindOf(t *testing.T) {
	now := time.Date(2026, 12, 1, 12, 0, 0, 0, time.UTC)
	expired := map[string]any{emailstate.MetadataKey: map[string]any{"address": "ann@acme-widgets.com", "verified_at": "2025-11-01T00:00:00Z", "expired_at": "2026-11-30T00:00:00Z"}}
	reminded := func(at time.Time) map[string]any {
		return map[string]any{emailstate.ReminderKey: map[string]any{"address": "ann@acme-widgets.com", "verified_at": "2025-12-10T00:00:00Z", "sent_at": at.Format(time.RFC3339Nano)}}
	}
	tests := []struct {
		name     string
		meta     any
		to       string
		verified bool
		want     mail.Kind
	}{
		{"nothing recorded", nil, "ann@acme-widgets.com", false, mail.Verification},
		{"expiry recorded", expired, "ann@acme-widgets.com", false, mail.Expiry},
		{"expiry recorded, address verified again since", expired, "ann@acme-widgets.com", true, mail.Verification},
		{"expiry of another address", expired, "bob@acme-widgets.com", false, mail.Verification},
		{"reminder recorded a minute ago", reminded(now.Add(-time.Minute)), "ann@acme-widgets.com", true, mail.Reminder},
		{"reminder recorded a week ago", reminded(now.Add(-7 * 24 * time.Hour)), "ann@acme-widgets.com", true, mail.Verification},
		{"reminder, address no longer verified", reminded(now.Add(-time.Minute)), "ann@acme-widgets.com", false, mail.Verification},
		{"metadata not an object", "a string", "ann@acme-widgets.com", false, mail.Verification},
	}
	for _, tt := range tests {
		if got := kindOf(tt.meta, tt.to, tt.verified, now); got != tt.want {
			t.Errorf("%s: kindOf = %s, want %s", tt.name, got, tt.want)
		}
	}
}

// FuzzCourier sends any body to the mail endpoint: the answer is 204, 400
// or 503, never a panic, and whatever the body says, Kratos's admin API is
// only ever asked for one identity by its ID.
func FuzzCourier(f *testing.F) {
	link := "http://kratos.test/self-service/verification?flow=" + testFlow + "&token=" + testToken
	for _, s := range []string{
		courierBody(mail.TemplateVerification, link),
		courierBody(mail.TemplateRecovery, strings.Replace(link, "verification", "recovery", 1)),
		strings.Replace(courierBody(mail.TemplateVerification, link), testIdentity, "../../admin/sessions", 1),
		`{"recipient":"ann@acme-widgets.com","template_type":"verification_valid","template_data":{"identity":{"id":["x"]}}}`,
		`{"recipient":"a","template_type":"recovery_valid","template_data":{"recovery_url":"%zz"}}`,
		`null`, `[]`, `{`, ``,
	} {
		f.Add(s)
	}
	var bad atomic.Value
	admin := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodGet || !mail.IsID(strings.TrimPrefix(r.URL.Path, "/admin/identities/")) {
			bad.Store(r.Method + " " + r.URL.String())
		}
		http.NotFound(w, r)
	}))
	f.Cleanup(admin.Close)
	tpl := testTemplates(f)
	m := &Mailer{Admin: kratosapi.New(admin.URL), Sender: nil, Templates: tpl, UIURL: "http://ui.test", MaxAge: emailstate.DefaultMaxAge}
	h := NewServer(testKey, testPolicy(f), nil, m, nil, quiet)
	f.Fuzz(func(t *testing.T, body string) {
		rec := call(h, "/hooks/courier", config.HooksAuthScheme+testKey, body)
		switch rec.Code {
		case http.StatusNoContent, http.StatusBadRequest, http.StatusServiceUnavailable:
		default:
			t.Fatalf("status %d for %q", rec.Code, body)
		}
		if b := bad.Load(); b != nil {
			t.Fatalf("body %q made the mailer call Kratos's admin API with %v", body, b)
		}
	})
}

// The cache of sent messages forgets what is an hour old, and past its
// bound the oldest first, without walking itself on every add.
func TestSentCache(t *testing.T) {
	var c sentCache
	start := time.Date(2026, 12, 2, 9, 0, 0, 0, time.UTC)
	first := sentKey("flow-0", "token")
	c.add(first, start)
	if !c.seen(first, start.Add(time.Minute)) || c.seen(sentKey("flow-1", "token"), start) {
		t.Fatal("a sent message not seen, or an unsent one seen")
	}
	for i := 1; i <= sentCacheMax; i++ {
		c.add(sentKey(fmt.Sprint("flow-", i), "token"), start.Add(time.Duration(i)*time.Millisecond))
	}
	if len(c.keys) != sentCacheMax || c.seen(first, start.Add(2*time.Minute)) {
		t.Errorf("past the bound: %d keys, first still seen %v; want %d and the oldest forgotten", len(c.keys), c.seen(first, start), sentCacheMax)
	}
	later := start.Add(2 * time.Hour)
	c.add(sentKey("flow-late", "token"), later)
	if len(c.keys) != 1 || len(c.order) != 1 {
		t.Errorf("an hour later: %d keys (%d in order), want the one just added", len(c.keys), len(c.order))
	}
}

// testTemplates are the mails under WorkID's own brand.
func testTemplates(t testing.TB) *mail.Templates {
	t.Helper()
	b, err := brand.Load("../config/brand.json")
	if err != nil {
		t.Fatal(err)
	}
	tpl, err := mail.LoadTemplates(b, "http://ui.test")
	if err != nil {
		t.Fatal(err)
	}
	return tpl
}
