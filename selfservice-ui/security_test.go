package selfserviceui

import (
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"
)

func TestRedirectSources(t *testing.T) {
	for _, tt := range []struct {
		name       string
		requestURL string
		registered []string
		want       []string
	}{
		{"registered origins, once each", "", []string{"https://app.example.com/cb", "https://app.example.com/other", "http://127.0.0.1:4466/support/callback"},
			[]string{"https://app.example.com", "http://127.0.0.1:4466"}},
		{"the requested one too (a loopback port)", "http://hydra.example/oauth2/auth?client_id=x&redirect_uri=http%3A%2F%2F127.0.0.1%3A53211%2Fcb", []string{"http://127.0.0.1/cb"},
			[]string{"http://127.0.0.1", "http://127.0.0.1:53211"}},
		{"an app's scheme", "", []string{"com.example.app:/oauth2redirect"}, []string{"com.example.app:"}},
		{"no browser schemes", "", []string{"javascript:alert(1)", "data:text/html,x", "file:///etc/passwd", "blob:https://x/y"}, nil},
		{"nothing that breaks the policy", "", []string{"https://evil.example;script-src *", "https://a b/", "https://CDN.Example.com/", "not a url", "/relative"}, nil},
	} {
		t.Run(tt.name, func(t *testing.T) {
			if got := redirectSources(tt.requestURL, "redirect_uri", tt.registered); !slices.Equal(got, tt.want) {
				t.Errorf("redirectSources(%q, %q) = %q, want %q", tt.requestURL, tt.registered, got, tt.want)
			}
		})
	}
}

// Forms may post to WorkID and Kratos and be redirected through Hydra;
// a page that leads to a service adds the service's sources.
func TestCSPFormAction(t *testing.T) {
	s := &Server{kratosOrigin: "http://127.0.0.1:4433", hydraOrigin: "http://127.0.0.1:4444"}
	for _, tt := range []struct {
		more pageSources
		want string
	}{
		{pageSources{}, "form-action 'self' http://127.0.0.1:4433 http://127.0.0.1:4444; "},
		{pageSources{forms: []string{"https://app.example.com"}}, "form-action 'self' http://127.0.0.1:4433 http://127.0.0.1:4444 https://app.example.com; "},
	} {
		if got := s.csp("n0nce", tt.more); !strings.Contains(got, tt.want) {
			t.Errorf("csp(%v) = %q, want it to contain %q", tt.more, got, tt.want)
		}
	}
	// Behind the edge Kratos and Hydra share the UI's origin: each source once.
	edge := &Server{kratosOrigin: "https://id.example.com", hydraOrigin: "https://id.example.com"}
	if got, want := edge.csp("n0nce", pageSources{forms: []string{"https://id.example.com"}}), "form-action 'self' https://id.example.com; "; !strings.Contains(got, want) {
		t.Errorf("behind the edge, csp = %q, want it to contain %q", got, want)
	}
}

// /static/ serves its files and lists no folder. A path that is not clean
// is first redirected to its clean form by the router, as any other.
func TestStaticFilesOnly(t *testing.T) {
	s, err := NewServer(testConfig(deadURL(t)), nil, quiet)
	if err != nil {
		t.Fatal(err)
	}
	h := s.Handler()
	for path, want := range map[string]int{
		"/static/style.css":      http.StatusOK,
		"/static/triggers.js":    http.StatusOK,
		"/static/style.css?v=1":  http.StatusOK,
		"/static/":               http.StatusNotFound,
		"/static/?C=M;O=A":       http.StatusNotFound,
		"/static/./":             http.StatusNotFound,
		"/static//":              http.StatusNotFound,
		"/static/.":              http.StatusNotFound,
		"/static/style.css/":     http.StatusNotFound,
		"/static/missing.css":    http.StatusNotFound,
		"/static/../templates/":  http.StatusNotFound,
		"/static/%2e%2e/static/": http.StatusNotFound,
	} {
		for _, method := range []string{http.MethodGet, http.MethodHead} {
			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, httptest.NewRequest(method, path, nil))
			if rec.Code == http.StatusMovedPermanently {
				loc := rec.Header().Get("Location")
				rec = httptest.NewRecorder()
				h.ServeHTTP(rec, httptest.NewRequest(method, loc, nil))
			}
			body := rec.Body.String()
			if rec.Code != want || strings.Contains(body, `href="style.css"`) || strings.Contains(body, "<pre>") {
				t.Errorf("%s %s = %d, want %d and no listing:\n%s", method, path, rec.Code, want, body)
			}
		}
	}
}
