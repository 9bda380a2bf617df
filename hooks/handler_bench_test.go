package hooks

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/workid/workid/config"
)

// BenchmarkHandler is one registration hook call through the whole
// handler (routing, key check, decision, metrics, answer), in process.
func BenchmarkHandler(b *testing.B) {
	h := NewServer(testKey, testPolicy(b), nil, nil, nil, quiet)
	const body = `{"flow_id":"f1","traits":{"email":"ann@acme-widgets.com","username":"ann"}}`
	b.ReportAllocs()
	for b.Loop() {
		req := httptest.NewRequest(http.MethodPost, "/hooks/registration", strings.NewReader(body))
		req.Header.Set("Authorization", config.HooksAuthScheme+testKey)
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		if rec.Code != http.StatusOK {
			b.Fatalf("status %d", rec.Code)
		}
	}
}
