package selfserviceui

import (
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/workid/workid/config"
)

// With Kratos and Hydra unreachable the UI is alive but not ready, and
// says which dependency is missing without its address.
func TestReadyzNeedsKratosAndHydra(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	dead := "http://" + ln.Addr().String()
	ln.Close()
	cfg := config.UI{Kratos: config.Kratos{PublicURL: dead, AdminURL: dead}, Hydra: config.Hydra{PublicURL: dead, AdminURL: dead}}
	h := NewServer(cfg, slog.New(slog.NewTextHandler(io.Discard, nil)))

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
	if !strings.Contains(body, "kratos") || !strings.Contains(body, "hydra") || strings.Contains(body, ln.Addr().String()) {
		t.Errorf("readyz body = %q, want kratos and hydra named and no address", body)
	}
}
