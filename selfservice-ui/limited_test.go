package selfserviceui

import (
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// limitedServer is a UI whose Kratos serves the recorded login flow abc,
// and only to a browser that sends its CSRF cookie.
func limitedServer(t *testing.T) http.Handler {
	t.Helper()
	login, err := os.ReadFile(filepath.Join("testdata", "flows", "login.json"))
	if err != nil {
		t.Fatal(err)
	}
	kratos := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/self-service/login/flows" || r.URL.Query().Get("id") != "abc" || !strings.Contains(r.Header.Get("Cookie"), "csrf_token_x=1") {
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(http.StatusNotFound)
			w.Write([]byte(`{"error":{"code":404,"status":"Not Found"}}`))
			return
		}
		w.Header().Set("Content-Type", "application/json")
		w.Write(login)
	}))
	t.Cleanup(kratos.Close)
	cfg := testConfig(deadURL(t))
	cfg.Kratos.PublicURL = kratos.URL
	s, err := NewServer(cfg, nil, quiet)
	if err != nil {
		t.Fatal(err)
	}
	return s.Handler()
}

func getLimited(h http.Handler, query string, header http.Header) *httptest.ResponseRecorder {
	r := httptest.NewRequest(http.MethodGet, "/limited?"+query, nil)
	for k, v := range header {
		r.Header[k] = v
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, r)
	return rec
}

// A refused sign-in shows the sign-in page again, the form as Kratos
// left it, with the message, as a 429 with Retry-After and the pages'
// security headers.
func TestLimitedShowsTheFlowPage(t *testing.T) {
	h := limitedServer(t)
	rec := getLimited(h, "from=%2Fself-service%2Flogin%3Fflow%3Dabc&method=POST", http.Header{"Cookie": {"csrf_token_x=1"}})
	if rec.Code != http.StatusTooManyRequests {
		t.Fatalf("GET /limited = %d, want 429:\n%s", rec.Code, rec.Body)
	}
	body := rec.Body.String()
	for _, want := range []string{english(t).T(limitedTextID), "Sign in to WorkID", `name="identifier"`, `name="password"`} {
		if !strings.Contains(body, want) {
			t.Errorf("the page lacks %q", want)
		}
	}
	checkLimitedHeaders(t, rec)
}

// Anything else gets the plain page, whose link leads back to where the
// user was, and never off the site.
func TestLimitedPlainPage(t *testing.T) {
	h := limitedServer(t)
	tests := []struct {
		name, query string
		header      http.Header
		back        string
	}{
		{"a flow Kratos no longer has", "from=%2Fself-service%2Flogin%3Fflow%3Dgone&method=POST", nil, "/login?flow=gone"},
		{"a flow read without its cookie", "from=%2Fself-service%2Flogin%3Fflow%3Dabc&method=POST", nil, "/login?flow=abc"},
		{"settings", "from=%2Fself-service%2Fsettings%3Fflow%3Ds1&method=POST", nil, "/settings?flow=s1"},
		{"a mailed link's token", "from=%2Fself-service%2Fverification%3Fflow%3Dv1%26token%3Dt&method=GET", nil, "/verification?flow=v1"},
		{"a page", "from=%2Fregistration%3Freturn_to%3Dx&method=GET", nil, "/registration?return_to=x"},
		{"a flow's start", "from=%2Fself-service%2Flogin%2Fbrowser%3Flogin_challenge%3Dc&method=GET", nil, "/self-service/login/browser?login_challenge=c"},
		{"a form of WorkID's", "from=%2Fverify&method=POST", http.Header{"Referer": {"http://example.com/verify?token=t"}}, "/verify?token=t"},
		{"a form posted from elsewhere", "from=%2Fverify&method=POST", http.Header{"Referer": {"http://evil.example/verify"}}, "/"},
		{"no address", "", nil, "/"},
		{"another site", "from=https%3A%2F%2Fevil.example%2F&method=GET", nil, "/"},
		{"a protocol-relative address", "from=%2F%2Fevil.example%2Fx&method=GET", nil, "/"},
		{"a backslash", "from=%2F%5Cevil.example&method=GET", nil, "/"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rec := getLimited(h, tt.query, tt.header)
			if rec.Code != http.StatusTooManyRequests {
				t.Fatalf("GET /limited?%s = %d, want 429", tt.query, rec.Code)
			}
			body := rec.Body.String()
			if want := english(t).T(limitedTextID); !strings.Contains(body, want) {
				t.Errorf("the page lacks %q", want)
			}
			if want := `href="` + strings.ReplaceAll(tt.back, "&", "&amp;") + `">Try again`; !strings.Contains(body, want) {
				t.Errorf("the page lacks %s:\n%s", want, body)
			}
			checkLimitedHeaders(t, rec)
		})
	}
}

func checkLimitedHeaders(t *testing.T, rec *httptest.ResponseRecorder) {
	t.Helper()
	if got := rec.Header().Get("Retry-After"); got != "60" {
		t.Errorf("Retry-After = %q, want 60", got)
	}
	if csp := rec.Header().Get("Content-Security-Policy"); !strings.Contains(csp, "default-src 'self'") || !strings.Contains(csp, "frame-ancestors 'none'") {
		t.Errorf("Content-Security-Policy = %q, want the pages' policy", csp)
	}
	if got := rec.Header().Get("Cache-Control"); got != "no-store" {
		t.Errorf("Cache-Control = %q, want no-store", got)
	}
}
