package selfserviceui

import (
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// newBrandedServer is a UI whose brand file is body (beside a PNG logo).
func newBrandedServer(t *testing.T, body string) (*Server, error) {
	t.Helper()
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "acme.png"), []byte("\x89PNG\r\n\x1a\nacme"), 0o644); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(dir, "brand.json")
	if err := os.WriteFile(path, []byte(body), 0o644); err != nil {
		t.Fatal(err)
	}
	cfg := testConfig(deadURL(t))
	cfg.BrandFile = path
	return NewServer(cfg, nil, quiet)
}

func get(h http.Handler, path string) *httptest.ResponseRecorder {
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, path, nil))
	return rec
}

// A company's brand file puts its name, logo, colours and links on the
// pages, and nothing of WorkID's.
func TestBrandOnPages(t *testing.T) {
	s, err := newBrandedServer(t, `{
		"product_name": "Acme Account",
		"logo": {"file": "acme.png", "alt": "Acme Widgets logo"},
		"primary_color": "#7a1f5c", "accent_color": "#0b5cad",
		"support": "https://help.acme.example/",
		"terms_url": "https://acme.example/terms", "privacy_url": "https://acme.example/privacy"
	}`)
	if err != nil {
		t.Fatal(err)
	}
	h := s.Handler()
	page := get(h, "/limited").Body.String()
	for _, want := range []string{
		"· Acme Account</title>",
		`aria-label="Acme Account home"`,
		`<img class="logo-img" src="/brand/logo" alt="Acme Widgets logo"`,
		`<a href="https://help.acme.example/">Help</a>`,
		`<a href="https://acme.example/terms">Terms</a>`,
		`<a href="https://acme.example/privacy">Privacy</a>`,
		`<link rel="stylesheet" href="/brand/style.css">`,
	} {
		if !strings.Contains(page, want) {
			t.Errorf("the page does not hold %s:\n%s", want, page)
		}
	}
	if strings.Contains(page, "WorkID") {
		t.Errorf("a branded page still says WorkID:\n%s", page)
	}

	css := get(h, "/brand/style.css")
	if got := css.Body.String(); css.Code != http.StatusOK || !strings.Contains(got, "--brand: #7a1f5c;") || !strings.Contains(got, "--accent: #0b5cad;") || !strings.Contains(got, "--brand-dark: #611849;") {
		t.Errorf("/brand/style.css = %d %q", css.Code, got)
	}
	if ct := css.Header().Get("Content-Type"); !strings.HasPrefix(ct, "text/css") {
		t.Errorf("/brand/style.css Content-Type %q", ct)
	}
	logo := get(h, "/brand/logo")
	if logo.Code != http.StatusOK || logo.Header().Get("Content-Type") != "image/png" || logo.Body.String() != "\x89PNG\r\n\x1a\nacme" {
		t.Errorf("/brand/logo = %d %q %q", logo.Code, logo.Header().Get("Content-Type"), logo.Body.String())
	}
	again := httptest.NewRequest(http.MethodGet, "/brand/logo", nil)
	again.Header.Set("If-Modified-Since", logo.Header().Get("Last-Modified"))
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, again)
	if rec.Code != http.StatusNotModified {
		t.Errorf("/brand/logo asked again since its Last-Modified = %d, want 304", rec.Code)
	}
	if csp := logo.Header().Get("Content-Security-Policy"); !strings.Contains(csp, "sandbox") || !strings.Contains(csp, "default-src 'none'") {
		t.Errorf("/brand/logo is served under %q, want a policy that runs nothing", csp)
	}
}

// Without a logo the pages show the name's first letter, and /brand/logo
// is not found.
func TestBrandWithoutLogo(t *testing.T) {
	s, err := newBrandedServer(t, `{"product_name": "Épicerie Portail", "primary_color": "#2952cc", "accent_color": "#2952cc", "support": "aide@epicerie.example"}`)
	if err != nil {
		t.Fatal(err)
	}
	h := s.Handler()
	page := get(h, "/limited").Body.String()
	if !strings.Contains(page, `<span class="logo" aria-hidden="true">É</span><span>Épicerie Portail</span>`) || !strings.Contains(page, `<a href="mailto:aide@epicerie.example">Help</a>`) {
		t.Errorf("page header and footer:\n%s", page)
	}
	if rec := get(h, "/brand/logo"); rec.Code != http.StatusNotFound {
		t.Errorf("/brand/logo without a logo = %d, want 404", rec.Code)
	}
}

// A broken brand file stops the UI at start, with every problem.
func TestBrandRefusedAtStart(t *testing.T) {
	_, err := newBrandedServer(t, `{"product_name": "", "primary_color": "#ffdd00", "accent_color": "#ffffff", "support": ""}`)
	if err == nil {
		t.Fatal("the UI started with a broken brand")
	}
	for _, want := range []string{"product_name: missing", "primary_color: white button text on #ffdd00", "accent_color:", "support: missing"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("the error does not say %q:\n%v", want, err)
		}
	}
}
