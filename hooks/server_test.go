package hooks

import (
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/workid/workid/config"
)

const testKey = "0123456789abcdef0123456789"

func newTestServer() http.Handler {
	return NewServer(config.Hooks{Key: testKey}, slog.New(slog.NewTextHandler(io.Discard, nil)))
}

func TestHookTransport(t *testing.T) {
	valid := `{"flow_id":"f","flow_type":"api","identity_id":"00000000-0000-0000-0000-000000000000","traits":{"email":"ann@example.com"}}`
	tests := []struct {
		name   string
		method string
		path   string
		auth   string
		body   string
		want   int
	}{
		{"registration allowed", http.MethodPost, "/hooks/registration", "Bearer " + testKey, valid, http.StatusNoContent},
		{"settings allowed", http.MethodPost, "/hooks/settings", "Bearer " + testKey, valid, http.StatusNoContent},
		{"no key", http.MethodPost, "/hooks/registration", "", valid, http.StatusUnauthorized},
		{"wrong key", http.MethodPost, "/hooks/registration", "Bearer " + testKey + "x", valid, http.StatusUnauthorized},
		{"key without scheme", http.MethodPost, "/hooks/registration", testKey, valid, http.StatusUnauthorized},
		{"wrong method", http.MethodGet, "/hooks/registration", "Bearer " + testKey, "", http.StatusMethodNotAllowed},
		{"too large", http.MethodPost, "/hooks/registration", "Bearer " + testKey, `{"x":"` + strings.Repeat("a", maxBody) + `"}`, http.StatusRequestEntityTooLarge},
		{"malformed json", http.MethodPost, "/hooks/registration", "Bearer " + testKey, `{"traits":`, http.StatusBadRequest},
		{"unknown hook", http.MethodPost, "/hooks/login", "Bearer " + testKey, valid, http.StatusNotFound},
		{"healthz", http.MethodGet, "/healthz", "", "", http.StatusOK},
		{"readyz", http.MethodGet, "/readyz", "", "", http.StatusOK},
	}
	h := newTestServer()
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			req := httptest.NewRequest(tt.method, tt.path, strings.NewReader(tt.body))
			if tt.auth != "" {
				req.Header.Set("Authorization", tt.auth)
			}
			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, req)
			if rec.Code != tt.want {
				t.Errorf("%s %s = %d, want %d (body %q)", tt.method, tt.path, rec.Code, tt.want, rec.Body.String())
			}
			if tt.want == http.StatusUnauthorized && strings.TrimSpace(rec.Body.String()) != "Unauthorized" {
				t.Errorf("401 body = %q, want only %q", rec.Body.String(), "Unauthorized")
			}
			if rec.Header().Get("X-Request-Id") == "" {
				t.Error("response has no X-Request-Id")
			}
		})
	}
}
