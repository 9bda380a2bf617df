package selfserviceui

import (
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/workid/workid/internal/mail"
)

const (
	linkFlow     = "9d7e1b2a-1c3d-4e5f-8a9b-0c1d2e3f4a5b"
	linkToken    = "AbCdEfGhIjKlMnOpQrStUvWxYz012345"
	linkIdentity = "3f0c6a1e-8a51-4b7e-9c1d-2f4e5a6b7c8d"
	// linkAddress is the identity's address, which its links are mailed to.
	linkAddress = "ann@acme-widgets.com"
)

// confirmServer is a UI whose Kratos admin API answers one identity, its
// address verified at verifiedAt (nil: not verified), for a unit test of
// the link pages.
func confirmServer(t *testing.T, verifiedAt *time.Time) http.Handler {
	t.Helper()
	addr := `{"value":"ann@acme-widgets.com","verified":false,"via":"email","status":"sent"}`
	if verifiedAt != nil {
		addr = `{"value":"ann@acme-widgets.com","verified":true,"verified_at":"` + verifiedAt.UTC().Format(time.RFC3339Nano) + `","via":"email","status":"completed"}`
	}
	admin := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/admin/identities/"+linkIdentity {
			http.NotFound(w, r)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write([]byte(`{"id":"` + linkIdentity + `","traits":{"email":"ann@acme-widgets.com"},"verifiable_addresses":[` + addr + `]}`))
	}))
	t.Cleanup(admin.Close)
	cfg := testConfig(deadURL(t))
	cfg.Kratos.AdminURL = admin.URL
	cfg.LinkKey = linkKey
	s, err := NewServer(cfg, nil, quiet)
	if err != nil {
		t.Fatal(err)
	}
	return s.Handler()
}

const linkKey = "a-link-key-of-32-characters-long"

// mailedQuery is a /verify link as the hooks server signs it.
func mailedQuery(sent time.Time) url.Values { return mailedQueryTo(sent, linkAddress) }

// mailedQueryTo is a /verify link mailed to address.
func mailedQueryTo(sent time.Time, address string) url.Values {
	at := strconv.FormatInt(sent.Unix(), 10)
	sig := mail.LinkSignature([]byte(linkKey), "/verify", linkFlow, linkToken, linkIdentity, at)
	return url.Values{"flow": {linkFlow}, "token": {linkToken}, "identity": {linkIdentity}, "sent": {at},
		"sig": {sig}, "asig": {mail.AddressSignature([]byte(linkKey), sig, address)}}
}

func serve(h http.Handler, method, target string, form url.Values) *httptest.ResponseRecorder {
	var req *http.Request
	if form != nil {
		req = httptest.NewRequest(method, target, strings.NewReader(form.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.Header.Set("Sec-Fetch-Site", "same-origin")
	} else {
		req = httptest.NewRequest(method, target, nil)
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	return rec
}

// Opening a mailed link spends nothing: the page names the address and
// holds one button; only its POST sends the browser to Kratos's link.
func TestMailedLinkWaitsForThePress(t *testing.T) {
	h := confirmServer(t, nil)
	q := mailedQuery(time.Now())
	for _, method := range []string{http.MethodGet, http.MethodHead} {
		rec := serve(h, method, "/verify?"+q.Encode(), nil)
		if rec.Code != http.StatusOK || rec.Header().Get("Location") != "" {
			t.Fatalf("%s /verify = %d (Location %q), want 200 and no redirect", method, rec.Code, rec.Header().Get("Location"))
		}
	}
	body := serve(h, http.MethodGet, "/verify?"+q.Encode(), nil).Body.String()
	for _, want := range []string{"Verify ann@acme-widgets.com", `action="/verify" method="POST"`, `name="token" value="` + linkToken + `"`} {
		if !strings.Contains(body, want) {
			t.Errorf("the link's page lacks %q", want)
		}
	}
	rec := serve(h, http.MethodPost, "/verify", q)
	want := "http://127.0.0.1:4433/self-service/verification?flow=" + linkFlow + "&token=" + linkToken
	if rec.Code != http.StatusSeeOther || rec.Header().Get("Location") != want {
		t.Errorf("POST /verify = %d to %q, want 303 to Kratos's link %q", rec.Code, rec.Header().Get("Location"), want)
	}
	rec = serve(h, http.MethodPost, "/recover", q)
	if want := "http://127.0.0.1:4433/self-service/recovery?flow=" + linkFlow + "&token=" + linkToken; rec.Header().Get("Location") != want {
		t.Errorf("POST /recover goes to %q, want %q", rec.Header().Get("Location"), want)
	}
}

// A link whose address was verified after it was sent says so, with the
// date, and offers nothing to press; a reminder's link (sent while the
// address was verified) still renews it.
func TestMailedLinkAlreadyVerified(t *testing.T) {
	verified := time.Date(2026, 11, 30, 10, 0, 0, 0, time.UTC)
	h := confirmServer(t, &verified)

	used := serve(h, http.MethodGet, "/verify?"+mailedQuery(verified.Add(-time.Hour)).Encode(), nil).Body.String()
	if !strings.Contains(used, "Your address ann@acme-widgets.com is already verified (since 30 November 2026)") || strings.Count(used, "<form") != strings.Count(used, `<form class="langs" action="/language"`) {
		t.Errorf("a used link's page does not say the address is verified, or offers a form:\n%s", used)
	}
	if rec := serve(h, http.MethodPost, "/verify", mailedQuery(verified.Add(-time.Hour))); !strings.HasPrefix(rec.Header().Get("Location"), "/verify?") {
		t.Errorf("pressing a used link goes to %q, want the page that says it is verified", rec.Header().Get("Location"))
	}

	// A link mailed before links were bound to their address still tells
	// it was used; it names no address.
	old := mailedQuery(verified.Add(-time.Hour))
	old.Del("asig")
	if body := serve(h, http.MethodGet, "/verify?"+old.Encode(), nil).Body.String(); !strings.Contains(body, "is already verified (since 30 November 2026)") || strings.Contains(body, "ann@acme-widgets.com") {
		t.Errorf("a used link without an address signature: want it told used, naming no address:\n%s", body)
	}

	reminder := serve(h, http.MethodGet, "/verify?"+mailedQuery(verified.Add(24*time.Hour)).Encode(), nil).Body.String()
	if !strings.Contains(reminder, `action="/verify" method="POST"`) {
		t.Errorf("a reminder's link, sent after the verification, offers no button:\n%s", reminder)
	}
}

// A broken or hostile link gets a clear page and never a redirect
// anywhere else.
func TestMailedLinkBroken(t *testing.T) {
	h := confirmServer(t, nil)
	for name, q := range map[string]url.Values{
		"no token":        {"flow": {linkFlow}},
		"no flow":         {"token": {linkToken}},
		"token too short": {"flow": {linkFlow}, "token": {"abc"}},
		"hostile token":   {"flow": {linkFlow}, "token": {linkToken + `"><script>`}},
		"flow is a URL":   {"flow": {"https://evil.example/"}, "token": {linkToken}},
	} {
		for _, method := range []string{http.MethodGet, http.MethodPost} {
			var rec *httptest.ResponseRecorder
			if method == http.MethodGet {
				rec = serve(h, method, "/verify?"+q.Encode(), nil)
			} else {
				rec = serve(h, method, "/verify", q)
			}
			if rec.Code != http.StatusBadRequest || rec.Header().Get("Location") != "" || !strings.Contains(rec.Body.String(), "This link is incomplete") {
				t.Errorf("%s: %s /verify = %d (Location %q), want 400 with a clear page", name, method, rec.Code, rec.Header().Get("Location"))
			}
			if strings.Contains(rec.Body.String(), "<script>") {
				t.Errorf("%s: the page prints the hostile input", name)
			}
		}
	}
	// A hostile or unsigned identity is dropped, not used: the page names
	// no address.
	for name, edit := range map[string]func(url.Values){
		"hostile identity": func(q url.Values) { q.Set("identity", "../../admin/identities") },
		"no signature":     func(q url.Values) { q.Del("sig") },
		"another identity": func(q url.Values) { q.Set("identity", "11111111-2222-4333-8444-555555555555") },
		"another time":     func(q url.Values) { q.Set("sent", "0") },
		// Mailed before the account moved to ann@acme-widgets.com: whoever
		// reads the old mailbox does not learn the new address.
		"an address the account left": func(q url.Values) {
			q.Set("asig", mail.AddressSignature([]byte(linkKey), q.Get("sig"), "ann@previous-employer.com"))
		},
		// Mailed before links were bound to their address.
		"no address signature": func(q url.Values) { q.Del("asig") },
	} {
		q := mailedQuery(time.Now())
		edit(q)
		body := serve(h, http.MethodGet, "/verify?"+q.Encode(), nil).Body.String()
		if !strings.Contains(body, "Verify your email address") || strings.Contains(body, "ann@acme-widgets.com") {
			t.Errorf("%s: the page names an address it cannot trust", name)
		}
	}
}

// A POST that no browser made (no Origin, no Sec-Fetch-Site: a script, or
// a scanner that submits forms) spends nothing: it gets the page again.
func TestMailedLinkPressNeedsABrowser(t *testing.T) {
	h := confirmServer(t, nil)
	q := mailedQuery(time.Now())
	req := httptest.NewRequest(http.MethodPost, "/verify", strings.NewReader(q.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	if loc := rec.Header().Get("Location"); rec.Code != http.StatusSeeOther || !strings.HasPrefix(loc, "/verify?") {
		t.Errorf("POST /verify without Origin or Sec-Fetch-Site = %d to %q, want 303 back to the page", rec.Code, loc)
	}
	req = httptest.NewRequest(http.MethodPost, "/verify", strings.NewReader(q.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Origin", "http://"+req.Host) // the UI itself
	rec = httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	if loc := rec.Header().Get("Location"); !strings.Contains(loc, "/self-service/verification?") {
		t.Errorf("POST /verify with the UI's Origin goes to %q, want Kratos's link", loc)
	}
	// A press from another site (a cross-site form, a scanner that says
	// where it is from) is refused by the UI's cross-origin protection
	// and goes nowhere near Kratos.
	for header, value := range map[string]string{"Origin": "https://evil.example", "Sec-Fetch-Site": "cross-site"} {
		req = httptest.NewRequest(http.MethodPost, "/verify", strings.NewReader(q.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.Header.Set(header, value)
		rec = httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		if loc := rec.Header().Get("Location"); rec.Code != http.StatusForbidden || strings.Contains(loc, "/self-service/") {
			t.Errorf("POST /verify with %s: %s = %d to %q, want 403", header, value, rec.Code, loc)
		}
	}
}
