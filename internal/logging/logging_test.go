package logging

import (
	"bytes"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/workid/workid/config"
)

func TestMiddlewareAttachesARequestID(t *testing.T) {
	tests := []struct {
		name, sent string
		keep       bool
	}{
		{"caller's id kept", "abc-123_X.y", true},
		{"none sent", "", false},
		{"log injection refused", "x\nlevel=ERROR msg=forged", false},
		{"too long refused", strings.Repeat("a", 65), false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var logs bytes.Buffer
			log := New(&logs, config.Log{Format: "json", Level: "info"})
			h := Middleware(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				log.InfoContext(r.Context(), "handled")
			}))
			req := httptest.NewRequest(http.MethodGet, "/", nil)
			if tt.sent != "" {
				req.Header.Set(RequestIDHeader, tt.sent)
			}
			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, req)
			id := rec.Header().Get(RequestIDHeader)
			if (id == tt.sent) != tt.keep || id == "" {
				t.Errorf("request id = %q for %q sent, want kept=%v and never empty", id, tt.sent, tt.keep)
			}
			if !strings.Contains(logs.String(), `"request_id":"`+id+`"`) {
				t.Errorf("log line %q does not carry request_id %q", logs.String(), id)
			}
		})
	}
}

func TestNewHonoursLevel(t *testing.T) {
	var logs bytes.Buffer
	log := New(&logs, config.Log{Format: "text", Level: "warn"})
	log.Info("hidden")
	log.Warn("shown")
	if strings.Contains(logs.String(), "hidden") || !strings.Contains(logs.String(), "shown") {
		t.Errorf("logs at level warn = %q, want only the warning", logs.String())
	}
}
