package stacktest

import (
	"io"
	"log"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"sync/atomic"
	"testing"
)

// StallingProxy starts a reverse proxy to target (a Kratos API) that
// passes every request on and holds back the answer to those stall picks
// until the caller gives up: Kratos did the work, its caller never hears.
// stalled counts the answers held back.
func StallingProxy(t testing.TB, target string, stall func(*http.Request) bool) (proxyURL string, stalled *atomic.Int32) {
	t.Helper()
	u, err := url.Parse(target)
	if err != nil {
		t.Fatal(err)
	}
	stalled = new(atomic.Int32)
	proxy := httputil.NewSingleHostReverseProxy(u)
	proxy.ModifyResponse = func(resp *http.Response) error {
		if stall(resp.Request) {
			stalled.Add(1)
			<-resp.Request.Context().Done()
		}
		return nil
	}
	proxy.ErrorLog = log.New(io.Discard, "", 0)
	srv := httptest.NewServer(proxy)
	t.Cleanup(srv.Close)
	return srv.URL, stalled
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
