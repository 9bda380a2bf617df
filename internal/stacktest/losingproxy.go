package stacktest

import (
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"sync/atomic"
	"testing"
)

// LosingProxy starts a reverse proxy to target (a Kratos API) that
// passes every request on and, for those lose picks, takes Kratos's
// answer and closes the caller's connection without it: Kratos did the
// work, its caller never hears. lost counts the answers lost.
func LosingProxy(t testing.TB, target string, lose func(*http.Request) bool) (proxyURL string, lost *atomic.Int32) {
	t.Helper()
	u, err := url.Parse(target)
	if err != nil {
		t.Fatal(err)
	}
	lost = new(atomic.Int32)
	transport := &http.Transport{}
	proxy := httputil.NewSingleHostReverseProxy(u)
	proxy.Transport = transport
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !lose(r) {
			proxy.ServeHTTP(w, r)
			return
		}
		proxy.ServeHTTP(httptest.NewRecorder(), r)
		lost.Add(1)
		if conn, _, err := http.NewResponseController(w).Hijack(); err == nil {
			conn.Close()
		}
	}))
	t.Cleanup(srv.Close)
	t.Cleanup(transport.CloseIdleConnections)
	return srv.URL, lost
}

// VerificationSubmit picks the submission of a verification flow, the
// request on which Kratos queues the mail.
func VerificationSubmit(r *http.Request) bool {
	return r.Method == http.MethodPost && r.URL.Path == "/self-service/verification"
}

// VerificationStart picks the start of a native verification flow.
func VerificationStart(r *http.Request) bool {
	return r.Method == http.MethodGet && r.URL.Path == "/self-service/verification/api"
}
