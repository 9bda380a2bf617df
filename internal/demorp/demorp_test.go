package demorp

import (
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"
)

// newTestServer returns the demo services with Hydra at an address where
// nothing listens: signing in starts, but no code can be exchanged.
func newTestServer(t *testing.T) http.Handler {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	dead := "http://" + ln.Addr().String()
	ln.Close()
	return New(dead, dead, "http://127.0.0.1:4466", slog.New(slog.NewTextHandler(io.Discard, nil))).Handler()
}

// startSignIn presses "Sign in with WorkID" and returns the state Hydra
// is sent and the cookie that binds it to this browser.
func startSignIn(t *testing.T, h http.Handler) (string, *http.Cookie) {
	t.Helper()
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/support/login", nil))
	loc, err := url.Parse(rec.Header().Get("Location"))
	if rec.Code != http.StatusSeeOther || err != nil {
		t.Fatalf("GET /support/login = %d to %q, want 303 to Hydra", rec.Code, rec.Header().Get("Location"))
	}
	cookies := rec.Result().Cookies()
	if len(cookies) != 1 {
		t.Fatalf("GET /support/login set %d cookies, want 1", len(cookies))
	}
	return loc.Query().Get("state"), cookies[0]
}

// The sign-in button binds state, a PKCE verifier (S256) and a nonce to
// the browser: a cookie only this service's pages receive, for minutes.
func TestLoginBindsSignInToBrowser(t *testing.T) {
	h := newTestServer(t)
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/support/login", nil))
	loc, _ := url.Parse(rec.Header().Get("Location"))
	q := loc.Query()
	for k, want := range map[string]string{"code_challenge_method": "S256", "response_type": "code", "redirect_uri": "http://127.0.0.1:4466/support/callback"} {
		if q.Get(k) != want {
			t.Errorf("authorization URL %s = %q, want %q", k, q.Get(k), want)
		}
	}
	for _, k := range []string{"state", "code_challenge", "nonce"} {
		if q.Get(k) == "" {
			t.Errorf("authorization URL without %s: %s", k, loc)
		}
	}
	c := rec.Result().Cookies()[0]
	if !c.HttpOnly || c.SameSite != http.SameSiteLaxMode || c.Path != "/support/" || c.MaxAge <= 0 || c.MaxAge > int((15*time.Minute).Seconds()) {
		t.Errorf("sign-in cookie = %+v, want HttpOnly, SameSite=Lax, Path=/support/, a life of a few minutes", c)
	}
	if !strings.Contains(c.Value, q.Get("state")) || strings.Contains(c.Value, q.Get("code_challenge")) {
		t.Errorf("sign-in cookie %q, want the state %q and the verifier, not the challenge", c.Value, q.Get("state"))
	}
	// Each sign-in gets its own state.
	if again, _ := startSignIn(t, h); again == q.Get("state") {
		t.Error("two sign-ins got the same state")
	}
}

// A callback is accepted only in the browser that started the sign-in,
// with its state; it then ends that sign-in.
func TestCallbackNeedsTheBrowsersState(t *testing.T) {
	h := newTestServer(t)
	state, cookie := startSignIn(t, h)
	_, other := startSignIn(t, h) // another browser's sign-in
	for _, tt := range []struct {
		name   string
		state  string
		cookie *http.Cookie
		status int
		want   string
	}{
		{"no cookie", state, nil, http.StatusBadRequest, "This sign-in was not started in this browser"},
		{"another browser's cookie", state, other, http.StatusBadRequest, "This sign-in was not started in this browser"},
		{"no state", "", cookie, http.StatusBadRequest, "This sign-in was not started in this browser"},
		{"a damaged cookie", state, &http.Cookie{Name: cookie.Name, Value: state}, http.StatusBadRequest, "This sign-in was not started in this browser"},
		// The state is this browser's: on to the token exchange, which
		// fails here because no Hydra answers.
		{"this browser's state", state, cookie, http.StatusBadGateway, "The token exchange failed."},
	} {
		t.Run(tt.name, func(t *testing.T) {
			req := httptest.NewRequest(http.MethodGet, "/support/callback?"+url.Values{"code": {"a-code"}, "state": {tt.state}}.Encode(), nil)
			if tt.cookie != nil {
				req.AddCookie(&http.Cookie{Name: tt.cookie.Name, Value: tt.cookie.Value})
			}
			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, req)
			if rec.Code != tt.status || !strings.Contains(rec.Body.String(), tt.want) {
				t.Errorf("callback = %d, want %d with %q:\n%s", rec.Code, tt.status, tt.want, rec.Body)
			}
			cleared := false
			for _, c := range rec.Result().Cookies() {
				if c.Name == cookie.Name && c.MaxAge < 0 {
					cleared = true
				}
			}
			if wantCleared := tt.status != http.StatusBadRequest; cleared != wantCleared {
				t.Errorf("callback cleared the sign-in cookie: %v, want %v", cleared, wantCleared)
			}
		})
	}
}
