package main

import (
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/caddyserver/caddy/v2"
	"github.com/caddyserver/caddy/v2/caddyconfig/caddyfile"
	"github.com/caddyserver/caddy/v2/caddyconfig/httpcaddyfile"
)

// freePort returns a loopback port that was free a moment ago, chosen at
// random below the kernel's usual ephemeral range (32768 and up), where
// the outgoing connections of the tests running beside this one take
// their ports.
func freePort(t *testing.T) int {
	t.Helper()
	for range 1000 {
		port := 10000 + rand.IntN(32768-10000)
		ln, err := net.Listen("tcp", fmt.Sprintf("127.0.0.1:%d", port))
		if err == nil {
			ln.Close()
			return port
		}
	}
	t.Fatal("no free port between 10000 and 32768")
	return 0
}

// upstream is a stand-in for the UI, Kratos or Hydra that answers with
// its name and records what reached it.
type upstream struct {
	name string
	srv  *httptest.Server
	mu   sync.Mutex
	seen []string // method and request URI of each request
	last http.Header
	// lastBody is how many bytes the last request's body had.
	lastBody int64
}

func newUpstream(t *testing.T, name string) *upstream {
	u := &upstream{name: name}
	u.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		u.mu.Lock()
		u.seen = append(u.seen, r.Method+" "+r.URL.RequestURI())
		u.last = r.Header.Clone()
		u.lastBody, _ = io.Copy(io.Discard, r.Body)
		u.mu.Unlock()
		if r.URL.Path == "/limited" {
			// As the UI's page does: 429 with a Retry-After of its own.
			w.Header().Set("Retry-After", "60")
			w.WriteHeader(http.StatusTooManyRequests)
		}
		io.WriteString(w, name)
	}))
	t.Cleanup(u.srv.Close)
	return u
}

func (u *upstream) addr() string { return strings.TrimPrefix(u.srv.URL, "http://") }

func (u *upstream) requests() []string {
	u.mu.Lock()
	defer u.mu.Unlock()
	return slices.Clone(u.seen)
}

// edge is WorkID's Caddyfile running in this process.
type edge struct {
	url, metrics      string
	ui, kratos, hydra *upstream
}

// startEdge runs WorkID's Caddyfile (config/Caddyfile) in this process
// with env set, on free ports, in front of stand-ins for the UI, Kratos
// and Hydra.
func startEdge(t *testing.T, env map[string]string) *edge {
	t.Helper()
	// A port taken between choosing and binding means other ports.
	for try := 1; ; try++ {
		e, err := tryEdge(t, env)
		if err == nil {
			return e
		}
		if !strings.Contains(err.Error(), "address already in use") || try == 3 {
			t.Fatalf("load config/Caddyfile: %v", err)
		}
	}
}

// tryEdge is one try of startEdge; the error is Caddy's, from loading
// the configuration.
func tryEdge(t *testing.T, env map[string]string) (*edge, error) {
	t.Helper()
	edgePort, metricsPort := freePort(t), freePort(t)
	e := &edge{
		url: fmt.Sprintf("http://127.0.0.1:%d", edgePort), metrics: fmt.Sprintf("http://127.0.0.1:%d", metricsPort),
		ui: newUpstream(t, "ui"), kratos: newUpstream(t, "kratos"), hydra: newUpstream(t, "hydra"),
	}
	env["WORKID_EDGE_SITE"] = e.url
	env["WORKID_EDGE_METRICS_PORT"] = fmt.Sprint(metricsPort)
	env["WORKID_EDGE_UI"], env["WORKID_EDGE_KRATOS"], env["WORKID_EDGE_HYDRA"] = e.ui.addr(), e.kratos.addr(), e.hydra.addr()
	for k, v := range env {
		t.Setenv(k, v)
	}
	t.Setenv("XDG_DATA_HOME", t.TempDir())
	t.Setenv("XDG_CONFIG_HOME", t.TempDir())
	body, err := os.ReadFile("../../config/Caddyfile")
	if err != nil {
		t.Fatal(err)
	}
	adapter := caddyfile.Adapter{ServerType: httpcaddyfile.ServerType{}}
	cfg, warnings, err := adapter.Adapt(body, map[string]any{"filename": "config/Caddyfile"})
	if err != nil {
		t.Fatalf("adapt config/Caddyfile: %v", err)
	}
	for _, w := range warnings {
		t.Errorf("config/Caddyfile: %s", w)
	}
	if err := caddy.Load(cfg, true); err != nil {
		return nil, err
	}
	t.Cleanup(func() { _ = caddy.Stop() })
	return e, nil
}

var client = &http.Client{
	Timeout:       5 * time.Second,
	CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
}

// do sends a request to the edge and returns the response with its body.
func do(t *testing.T, method, url string, header http.Header) (*http.Response, string) {
	t.Helper()
	var body io.Reader
	if method == http.MethodPost {
		body = strings.NewReader("identifier=a&password=b")
	}
	req, err := http.NewRequest(method, url, body)
	if err != nil {
		t.Fatal(err)
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	for k, v := range header {
		req.Header[k] = v
	}
	resp, err := client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp, string(b)
}

// Each public path reaches its server; the admin APIs, the hooks and
// metrics are not among them, so they reach the UI, which has no such
// pages.
func TestCaddyfileRoutes(t *testing.T) {
	e := startEdge(t, map[string]string{})
	tests := []struct{ method, path, want string }{
		{"GET", "/", "ui"},
		{"GET", "/login?flow=1", "ui"},
		{"GET", "/static/style.css", "ui"},
		{"GET", "/self-service/login/browser", "kratos"},
		{"POST", "/self-service/login?flow=1", "kratos"},
		{"GET", "/self-service/verification?flow=1&token=t", "kratos"},
		{"GET", "/sessions/whoami", "kratos"},
		{"GET", "/.well-known/ory/webauthn.js", "kratos"},
		{"GET", "/schemas/ZGVmYXVsdA", "kratos"},
		{"GET", "/oauth2/auth?client_id=c", "hydra"},
		{"POST", "/oauth2/token", "hydra"},
		{"GET", "/.well-known/openid-configuration", "hydra"},
		{"GET", "/.well-known/jwks.json", "hydra"},
		{"GET", "/userinfo", "hydra"},
		// Never routed to Kratos or Hydra:
		{"GET", "/admin/identities", "ui"},
		{"GET", "/admin/clients", "ui"},
		{"GET", "/hooks/registration", "ui"},
		{"GET", "/metrics", "ui"},
		{"GET", "/metrics/prometheus", "ui"},
		{"GET", "/health/ready", "ui"},
		{"GET", "/self-service", "ui"},
		{"GET", "/oauth2", "ui"},
	}
	for _, tt := range tests {
		if _, body := do(t, tt.method, e.url+tt.path, nil); body != tt.want {
			t.Errorf("%s %s reached %q, want %q", tt.method, tt.path, body, tt.want)
		}
	}
}

// The servers behind learn the client's address from the edge: the
// headers Kratos believes before X-Forwarded-For are the edge's own or
// gone, whatever the client sent.
func TestCaddyfileClientAddressHeaders(t *testing.T) {
	e := startEdge(t, map[string]string{})
	forged := http.Header{
		"True-Client-Ip":   {"203.0.113.7"},
		"Cf-Connecting-Ip": {"203.0.113.7"},
		"X-Real-Ip":        {"203.0.113.7"},
		"Cf-Ipcountry":     {"AQ"},
	}
	for _, tt := range []struct {
		path string
		up   *upstream
	}{{"/sessions/whoami", e.kratos}, {"/userinfo", e.hydra}, {"/login", e.ui}} {
		do(t, http.MethodGet, e.url+tt.path, forged)
		tt.up.mu.Lock()
		got := tt.up.last
		tt.up.mu.Unlock()
		if v := got.Get("True-Client-IP") + got.Get("CF-Connecting-IP") + got.Get("CF-IPCountry"); v != "" {
			t.Errorf("GET %s: %s received True-Client-IP/CF-Connecting-IP/CF-IPCountry %q, want none", tt.path, tt.up.name, v)
		}
		if v := got.Get("X-Real-IP"); v != "127.0.0.1" {
			t.Errorf("GET %s: %s received X-Real-IP %q, want the connection's 127.0.0.1", tt.path, tt.up.name, v)
		}
		if v := got.Get("X-Forwarded-For"); v != "127.0.0.1" {
			t.Errorf("GET %s: %s received X-Forwarded-For %q, want 127.0.0.1", tt.path, tt.up.name, v)
		}
	}
}

func TestCaddyfileLimitsSignIn(t *testing.T) {
	e := startEdge(t, map[string]string{"WORKID_EDGE_SIGNIN_PER_MINUTE": "3"})
	login := e.url + "/self-service/login?flow=abc"
	for i := 1; i <= 3; i++ {
		if resp, body := do(t, "POST", login, nil); resp.StatusCode != http.StatusOK || body != "kratos" {
			t.Fatalf("sign-in #%d: %d %q, want 200 from kratos", i, resp.StatusCode, body)
		}
	}

	// A browser: the UI's page, asked for by a get of /limited naming
	// where the refused request went, with the limiter's Retry-After.
	resp, body := do(t, "POST", login, http.Header{"Accept": {"text/html"}, "Cookie": {"csrf=1"}})
	if resp.StatusCode != http.StatusTooManyRequests || body != "ui" {
		t.Fatalf("sign-in #4: %d %q, want 429 from the UI", resp.StatusCode, body)
	}
	if got := resp.Header.Values("Retry-After"); len(got) != 1 || got[0] == "" {
		t.Errorf("sign-in #4: Retry-After %q, want the limiter's one value", got)
	}
	seen := e.ui.requests()
	if want := "GET /limited?from=%2Fself-service%2Flogin%3Fflow%3Dabc&method=POST"; len(seen) != 1 || seen[0] != want {
		t.Errorf("the UI got %q, want [%q]", seen, want)
	}
	if got := e.ui.last.Get("Cookie"); got != "csrf=1" {
		t.Errorf("the UI's /limited got Cookie %q, want the browser's (it reads the flow)", got)
	}
	if e.ui.lastBody != 0 || e.ui.last.Get("Content-Length") != "" {
		t.Errorf("the UI's /limited got a body of %d bytes (Content-Length %q): the refused form, password and all", e.ui.lastBody, e.ui.last.Get("Content-Length"))
	}
	if n := len(e.kratos.requests()); n != 3 {
		t.Errorf("Kratos got %d sign-ins, want 3", n)
	}

	// A spoofed X-Forwarded-For from an untrusted client changes nothing.
	if resp, _ := do(t, "POST", login, http.Header{"X-Forwarded-For": {"198.51.100.1"}}); resp.StatusCode != http.StatusTooManyRequests {
		t.Errorf("sign-in with a spoofed X-Forwarded-For: %d, want 429", resp.StatusCode)
	}

	// An API client: Kratos's error shape.
	resp, body = do(t, "POST", login, http.Header{"Accept": {"application/json"}})
	if resp.StatusCode != http.StatusTooManyRequests || resp.Header.Get("Content-Type") != "application/json" ||
		!strings.Contains(body, `"code":429`) || !strings.Contains(body, "Too many attempts. Please wait a minute and try again.") {
		t.Errorf("sign-in asking for JSON: %d %s %s, want a JSON 429 in Kratos's shape", resp.StatusCode, resp.Header.Get("Content-Type"), body)
	}

	// Other zones keep their own count.
	if resp, _ := do(t, "POST", e.url+"/self-service/registration?flow=r", nil); resp.StatusCode != http.StatusOK {
		t.Errorf("registration after sign-in's limit: %d, want 200", resp.StatusCode)
	}

	mresp, mbody := do(t, "GET", e.metrics+"/metrics", nil)
	if mresp.StatusCode != http.StatusOK || !strings.Contains(mbody, `workid_edge_limited_total{zone="signin"} 3`) {
		t.Errorf("the edge's metrics do not count the 3 refused sign-ins:\n%s", grepLines(mbody, "workid_edge"))
	}
	if !strings.Contains(mbody, "caddy_http_requests_total") {
		t.Error("the edge's metrics lack Caddy's request counts")
	}
}

// Past its own limit, a refused request gets a bare 429, not the UI's
// page (which reads the flow from Kratos): a script that keeps going costs
// Kratos nothing more.
func TestCaddyfileCapsTheLimitedPage(t *testing.T) {
	e := startEdge(t, map[string]string{"WORKID_EDGE_SIGNIN_PER_MINUTE": "1", "WORKID_EDGE_LIMITED_PAGE_PER_MINUTE": "2"})
	login := e.url + "/self-service/login?flow=abc"
	do(t, "POST", login, nil)
	for i := 2; i <= 3; i++ {
		if resp, body := do(t, "POST", login, nil); resp.StatusCode != http.StatusTooManyRequests || body != "ui" {
			t.Fatalf("sign-in #%d: %d %q, want the UI's 429 page", i, resp.StatusCode, body)
		}
	}
	resp, body := do(t, "POST", login, nil)
	if resp.StatusCode != http.StatusTooManyRequests || body == "ui" {
		t.Errorf("sign-in #4: %d %q, want a 429 without the UI's page", resp.StatusCode, body)
	}
	if n := len(e.ui.requests()); n != 2 {
		t.Errorf("the UI was asked for %d pages, want 2", n)
	}
}

func TestCaddyfileLimitsTheTokenEndpoint(t *testing.T) {
	e := startEdge(t, map[string]string{"WORKID_EDGE_TOKEN_PER_MINUTE": "1"})
	do(t, "POST", e.url+"/oauth2/token", nil)
	resp, body := do(t, "POST", e.url+"/oauth2/token", nil)
	if resp.StatusCode != http.StatusTooManyRequests || resp.Header.Get("Retry-After") == "" ||
		!strings.Contains(body, `"error":"too_many_requests"`) {
		t.Errorf("second token request: %d, Retry-After %q, %s, want a JSON OAuth2 error 429", resp.StatusCode, resp.Header.Get("Retry-After"), body)
	}
}

func TestCaddyfilePrivateSite(t *testing.T) {
	e := startEdge(t, map[string]string{})
	if resp, body := do(t, "GET", e.metrics+"/healthz", nil); resp.StatusCode != http.StatusOK || body != "ok" {
		t.Errorf("GET /healthz on the metrics site: %d %q, want 200 ok", resp.StatusCode, body)
	}
	if resp, _ := do(t, "GET", e.metrics+"/", nil); resp.StatusCode != http.StatusNotFound {
		t.Errorf("GET / on the metrics site: %d, want 404", resp.StatusCode)
	}
}

func grepLines(s, sub string) string {
	var out []string
	for line := range strings.Lines(s) {
		if strings.Contains(line, sub) {
			out = append(out, line)
		}
	}
	return strings.Join(out, "")
}
