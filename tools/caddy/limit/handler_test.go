package limit

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/caddyserver/caddy/v2"
	"github.com/caddyserver/caddy/v2/caddyconfig/caddyfile"
	"github.com/caddyserver/caddy/v2/modules/caddyhttp"
	"github.com/prometheus/client_golang/prometheus/testutil"
)

// provision returns a provisioned handler and its config's context; the
// test cleans both up.
func provision(t *testing.T, h *Handler) caddy.Context {
	t.Helper()
	ctx, cancel := caddy.NewContext(caddy.Context{Context: context.Background()})
	t.Cleanup(cancel)
	if err := h.Provision(ctx); err != nil {
		t.Fatalf("Provision() = %v", err)
	}
	t.Cleanup(func() { _ = h.Cleanup() })
	return ctx
}

// request is a request as Caddy's server hands it to handlers: with the
// client address it determined in the request's variables.
func request(clientIP string, header http.Header) *http.Request {
	r := httptest.NewRequest(http.MethodPost, "/self-service/login?flow=1", nil)
	for k, v := range header {
		r.Header[k] = v
	}
	vars := map[string]any{caddyhttp.ClientIPVarKey: clientIP}
	return r.WithContext(context.WithValue(r.Context(), caddyhttp.VarsCtxKey, vars))
}

var noContent = caddyhttp.HandlerFunc(func(w http.ResponseWriter, r *http.Request) error {
	w.WriteHeader(http.StatusNoContent)
	return nil
})

func serve(h *Handler, r *http.Request) (*httptest.ResponseRecorder, error) {
	w := httptest.NewRecorder()
	err := h.ServeHTTP(w, r, noContent)
	return w, err
}

func TestHandlerRefusesPastTheLimit(t *testing.T) {
	h := &Handler{Zone: "test_refuses", Events: 3, Window: caddy.Duration(time.Minute)}
	ctx := provision(t, h)
	for i := 1; i <= 3; i++ {
		if w, err := serve(h, request("192.0.2.10", nil)); err != nil || w.Code != http.StatusNoContent {
			t.Fatalf("request #%d = %d, %v, want 204, nil", i, w.Code, err)
		}
	}
	r := request("192.0.2.10", nil)
	w, err := serve(h, r)
	herr, isHandlerErr := err.(caddyhttp.HandlerError)
	if !isHandlerErr || herr.StatusCode != http.StatusTooManyRequests {
		t.Fatalf("request #4: error %v, want a 429 caddyhttp.HandlerError", err)
	}
	if got := w.Header().Get("Retry-After"); got != "60" {
		t.Errorf("Retry-After = %q, want 60", got)
	}
	if got := caddyhttp.GetVar(r.Context(), ZoneVarKey); got != "test_refuses" {
		t.Errorf("{http.vars.%s} = %v, want test_refuses", ZoneVarKey, got)
	}
	if got := testutil.ToFloat64(h.limited); got != 1 {
		t.Errorf("workid_edge_limited_total{zone=test_refuses} = %v, want 1", got)
	}
	if n, err := testutil.GatherAndCount(ctx.GetMetricsRegistry(), "workid_edge_limited_total"); err != nil || n != 1 {
		t.Errorf("the config's registry has %d workid_edge_limited_total series (%v), want 1", n, err)
	}
	if w, err := serve(h, request("192.0.2.11", nil)); err != nil || w.Code != http.StatusNoContent {
		t.Errorf("another address = %d, %v, want 204, nil", w.Code, err)
	}
}

// The key is the address Caddy determined, never a header the client
// sent: behind no trusted proxy Caddy leaves the peer's address in the
// variable whatever X-Forwarded-For says.
func TestHandlerIgnoresForwardedHeaders(t *testing.T) {
	h := &Handler{Zone: "test_spoof", Events: 1, Window: caddy.Duration(time.Minute)}
	provision(t, h)
	if _, err := serve(h, request("192.0.2.20", nil)); err != nil {
		t.Fatal(err)
	}
	spoofed := http.Header{"X-Forwarded-For": {"198.51.100.7"}, "X-Real-Ip": {"198.51.100.8"}, "Forwarded": {"for=198.51.100.9"}}
	if _, err := serve(h, request("192.0.2.20", spoofed)); err == nil {
		t.Error("a request with spoofed forwarding headers was let through: it must count for its real address")
	}
}

func TestClientKey(t *testing.T) {
	tests := []struct{ ip, want string }{
		{"192.0.2.1", "192.0.2.1"},
		{"::ffff:192.0.2.1", "192.0.2.1"},
		{"2001:db8:1:2:3:4:5:6", "2001:db8:1:2::/64"},
		{"2001:db8:1:2:ffff::1", "2001:db8:1:2::/64"},
		{"2001:db8:1:3::1", "2001:db8:1:3::/64"},
	}
	for _, tt := range tests {
		if got := clientKey(request(tt.ip, nil)); got != tt.want {
			t.Errorf("clientKey(%s) = %s, want %s", tt.ip, got, tt.want)
		}
	}
}

// Handlers of one zone and limits share a window: a second route (or a
// reloaded config) does not give an address a fresh allowance.
func TestHandlersShareTheirZone(t *testing.T) {
	a := &Handler{Zone: "test_shared", Events: 2, Window: caddy.Duration(time.Minute)}
	b := &Handler{Zone: "test_shared", Events: 2, Window: caddy.Duration(time.Minute)}
	provision(t, a)
	provision(t, b)
	serve(a, request("192.0.2.30", nil))
	serve(b, request("192.0.2.30", nil))
	if _, err := serve(a, request("192.0.2.30", nil)); err == nil {
		t.Error("third request over two handlers of one zone was let through, want 429")
	}
}

func TestZoneStopsWithItsLastHandler(t *testing.T) {
	a := &Handler{Zone: "test_cleanup", Events: 1, Window: caddy.Duration(time.Minute)}
	ctx, cancel := caddy.NewContext(caddy.Context{Context: context.Background()})
	defer cancel()
	if err := a.Provision(ctx); err != nil {
		t.Fatal(err)
	}
	z := a.zone
	if err := a.Cleanup(); err != nil {
		t.Fatal(err)
	}
	select {
	case <-z.done:
	case <-time.After(5 * time.Second):
		t.Fatal("the zone's sweeper still runs after its last handler was cleaned up")
	}
}

func TestUnmarshalCaddyfile(t *testing.T) {
	d := caddyfile.NewTestDispenser(`workid_limit {
		zone signin
		events 10
		window 1m
		max_keys 5000
	}`)
	var h Handler
	if err := h.UnmarshalCaddyfile(d); err != nil {
		t.Fatalf("UnmarshalCaddyfile() = %v", err)
	}
	want := Handler{Zone: "signin", Events: 10, Window: caddy.Duration(time.Minute), MaxKeys: 5000}
	if h.Zone != want.Zone || h.Events != want.Events || h.Window != want.Window || h.MaxKeys != want.MaxKeys {
		t.Errorf("UnmarshalCaddyfile() = %+v, want %+v", h, want)
	}
}

func TestUnmarshalCaddyfileRefuses(t *testing.T) {
	for _, in := range []string{
		"workid_limit signin",
		"workid_limit {\n events ten\n}",
		"workid_limit {\n window soon\n}",
		"workid_limit {\n zone\n}",
		"workid_limit {\n rate 10r/m\n}",
	} {
		var h Handler
		if err := h.UnmarshalCaddyfile(caddyfile.NewTestDispenser(in)); err == nil {
			t.Errorf("UnmarshalCaddyfile(%q) = nil, want an error", in)
		}
	}
}

func TestValidateReportsEveryProblem(t *testing.T) {
	h := Handler{Zone: "Sign In", Events: 0, Window: 0, MaxKeys: -1}
	err := h.Validate()
	if err == nil {
		t.Fatal("Validate() = nil, want errors")
	}
	for _, want := range []string{"zone \"Sign In\"", "events 0", "window 0s", "max_keys -1"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("Validate() = %q, want it to mention %q", err, want)
		}
	}
}

func TestRetryAfterSeconds(t *testing.T) {
	for _, tt := range []struct {
		wait time.Duration
		want int
	}{{0, 1}, {time.Millisecond, 1}, {time.Second, 1}, {1001 * time.Millisecond, 2}, {59*time.Second + 1, 60}} {
		if got := retryAfterSeconds(tt.wait); got != tt.want {
			t.Errorf("retryAfterSeconds(%v) = %d, want %d", tt.wait, got, tt.want)
		}
	}
}
