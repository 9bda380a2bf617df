package selfserviceui

import (
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/workid/workid/config"
	"github.com/workid/workid/internal/metrics/metricstest"
)

var quiet = slog.New(slog.NewTextHandler(io.Discard, nil))

// testConfig is a UI configuration whose Kratos and Hydra are at dead.
func testConfig(dead string) config.UI {
	return config.UI{
		Links: config.Links{UIPublicURL: "http://127.0.0.1:4455"}, KratosBrowserURL: "http://127.0.0.1:4433",
		ServicesFile: "../config/services.json", Brand: config.Brand{BrandFile: "../config/brand.json"}, Verification: config.Verification{MaxAge: 365 * 24 * time.Hour},
		Kratos: config.Kratos{PublicURL: dead, AdminURL: dead}, Hydra: config.Hydra{PublicURL: dead, AdminURL: dead},
	}
}

func deadURL(t testing.TB) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ln.Close()
	return "http://" + ln.Addr().String()
}

// With Kratos and Hydra unreachable the UI is alive but not ready, and
// says which dependency is missing without its address.
func TestReadyzNeedsKratosAndHydra(t *testing.T) {
	dead := deadURL(t)
	s, err := NewServer(testConfig(dead), nil, quiet)
	if err != nil {
		t.Fatal(err)
	}
	h := s.Handler()
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/healthz", nil))
	if rec.Code != http.StatusOK {
		t.Errorf("healthz = %d, want 200", rec.Code)
	}
	rec = httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/readyz", nil))
	if rec.Code != http.StatusServiceUnavailable {
		t.Errorf("readyz with Kratos and Hydra down = %d, want 503", rec.Code)
	}
	body := rec.Body.String()
	if !strings.Contains(body, "kratos") || !strings.Contains(body, "hydra") || strings.Contains(body, strings.TrimPrefix(dead, "http://")) {
		t.Errorf("readyz body = %q, want kratos and hydra named and no address", body)
	}
}

// Kratos down: a friendly page with a retry, no internal detail.
func TestKratosDownPage(t *testing.T) {
	dead := deadURL(t)
	s, err := NewServer(testConfig(dead), nil, quiet)
	if err != nil {
		t.Fatal(err)
	}
	rec := httptest.NewRecorder()
	s.Handler().ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/registration?flow=abc", nil))
	if rec.Code != http.StatusServiceUnavailable {
		t.Errorf("status = %d, want 503", rec.Code)
	}
	body := rec.Body.String()
	for _, want := range []string{"We are having trouble right now", `href="/registration?flow=abc"`, "Try again"} {
		if !strings.Contains(body, want) {
			t.Errorf("page lacks %q", want)
		}
	}
	for _, leak := range []string{strings.TrimPrefix(dead, "http://"), "connection refused", "dial tcp"} {
		if strings.Contains(body, leak) {
			t.Errorf("page leaks %q", leak)
		}
	}

	// The failure is counted on the private metrics address, which also
	// reports the UI not ready.
	metricstest.Scrape(t, s.MetricsHandler()).Want(t, map[string]float64{
		`workid_ui_flows_failed_total{flow="registration",outcome="unavailable"}`:                      1,
		`workid_ui_flows_rendered_total{flow="registration"}`:                                          0,
		`workid_ui_unavailable_pages_total`:                                                            1,
		`workid_ui_http_request_duration_seconds_count{code="503",method="GET",route="/registration"}`: 1,
		`workid_ui_verification_link_requests_total{outcome="sent"}`:                                   0,
	})
	rec = httptest.NewRecorder()
	s.MetricsHandler().ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/readyz", nil))
	if rec.Code != http.StatusServiceUnavailable {
		t.Errorf("readyz on the metrics address with Kratos down = %d, want 503", rec.Code)
	}
	// The public port never serves the metrics; the 404 is counted.
	rec = httptest.NewRecorder()
	s.Handler().ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/metrics", nil))
	if rec.Code != http.StatusNotFound {
		t.Errorf("GET /metrics on the public handler = %d, want 404", rec.Code)
	}
	metricstest.Scrape(t, s.MetricsHandler()).Want(t, map[string]float64{
		`workid_ui_http_request_duration_seconds_count{code="404",method="GET",route="not_found"}`: 1,
	})
}

// Hydra's token hook is on the private address only: the public port
// answers 404 even with the right key, the private one checks the key and
// answers.
func TestTokenHookOnPrivateAddressOnly(t *testing.T) {
	cfg := testConfig(deadURL(t))
	cfg.TokenHookKey = "a-token-hook-key-of-32-characters"
	s, err := NewServer(cfg, nil, quiet)
	if err != nil {
		t.Fatal(err)
	}
	// A client-credentials token has no subject: the hook answers without
	// asking Kratos or Hydra.
	const body = `{"session":{},"request":{"client_id":"c","granted_scopes":[]}}`
	for _, tt := range []struct {
		name    string
		handler http.Handler
		auth    string
		want    int
	}{
		{"public port, right key", s.Handler(), "Bearer " + cfg.TokenHookKey, http.StatusNotFound},
		{"public port, no key", s.Handler(), "", http.StatusNotFound},
		{"private address, right key", s.MetricsHandler(), "Bearer " + cfg.TokenHookKey, http.StatusNoContent},
		{"private address, wrong key", s.MetricsHandler(), "Bearer another-key-of-32-characters!!", http.StatusUnauthorized},
	} {
		t.Run(tt.name, func(t *testing.T) {
			req := httptest.NewRequest(http.MethodPost, "/hooks/hydra/token", strings.NewReader(body))
			req.Header.Set("Content-Type", "application/json")
			if tt.auth != "" {
				req.Header.Set("Authorization", tt.auth)
			}
			rec := httptest.NewRecorder()
			tt.handler.ServeHTTP(rec, req)
			if rec.Code != tt.want {
				t.Errorf("POST /hooks/hydra/token = %d, want %d", rec.Code, tt.want)
			}
		})
	}
	metricstest.Scrape(t, s.MetricsHandler()).Want(t, map[string]float64{
		`workid_ui_http_request_duration_seconds_count{code="204",method="POST",route="/hooks/hydra/token"}`: 1,
		`workid_ui_http_request_duration_seconds_count{code="401",method="POST",route="/hooks/hydra/token"}`: 1,
	})
}
