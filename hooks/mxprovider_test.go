package hooks

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/workid/workid/config"
	"github.com/workid/workid/internal/businessemail"
	"github.com/workid/workid/internal/metrics/metricstest"
	"github.com/workid/workid/internal/mxcheck"
	"github.com/workid/workid/internal/mxcheck/mxchecktest"
)

// providerZone is what the loopback DNS server answers: domains no list
// knows, whose MX records name providers' servers or their own. The rule's
// own cases are tested in internal/businessemail (mx_test.go); these are
// the few the hook test below needs.
var providerZone = map[string][]string{
	"fresh-throwaway.com.": {"10 mx.mailinator.com."},
	"gmail-alias.com.":     {"5 gmail-smtp-in.l.google.com.", "10 alt1.gmail-smtp-in.l.google.com."},
	"workspace-new.com.":   {"1 smtp.google.com."},
}

// serveProviderZone runs a real DNS server on loopback with providerZone;
// other names do not exist.
func serveProviderZone(t *testing.T) string {
	t.Helper()
	return mxchecktest.Serve(t, &mxchecktest.Zone{MX: providerZone})
}

// Through the hook: the user sees the provider's usual message, Kratos
// gets the provider as the message's domain, and the refusal is counted
// as one the MX check decided.
func TestHookMailServersAtAProvider(t *testing.T) {
	mx := mxcheck.New(serveProviderZone(t), 2*time.Second)
	h := NewServer(testKey, testPolicy(t), mx, nil, nil, quiet)
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
