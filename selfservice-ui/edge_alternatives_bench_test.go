package selfserviceui_test

import (
	"fmt"
	"net"
	"net/http"
	"net/http/httputil"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"github.com/workid/workid/internal/stacktest"
)

// The proxies WorkID's edge was weighed against (docs/benchmarks.md, "The
// edge"), on the same flow page as BenchmarkEdgeLatency and
// BenchmarkEdgeThroughput and in the same run: the edge (Caddy with
// config/Caddyfile), Debian's HAProxy when it is installed (apt-get
// install haproxy; WorkID does not need it), and Go's own
// httputil.ReverseProxy in the benchmark's process. Each reports its
// ratio to the UI's own port, measured alternately with it.

// proxyRoutes are the proxies to compare, by name, to their base URL.
func proxyRoutes(b *testing.B, st *stacktest.Stack) [][2]string {
	routes := [][2]string{{"caddy", st.EdgeURL}, {"goproxy", goProxy(b, st.UIServerURL)}}
	if haproxy, err := exec.LookPath("haproxy"); err == nil {
		routes = append(routes, [2]string{"haproxy", startHAProxy(b, haproxy, st.UIServerURL)})
	} else {
		b.Log("haproxy is not installed: compared without it")
	}
	return routes
}

// BenchmarkEdgeAlternativesLatency: each proxy's median flow page at one
// client over the direct one.
func BenchmarkEdgeAlternativesLatency(b *testing.B) {
	f := newFlowPage(b)
	routes := proxyRoutes(b, f.st)
	b.ResetTimer()
	for _, r := range routes {
		viaProxy, direct := f.alternate(1, b.N, f.url(r[1]), f.url(f.st.UIServerURL))
		b.ReportMetric(float64(viaProxy)/float64(direct), r[0]+"-ratio")
	}
}

// BenchmarkEdgeAlternativesThroughput: each proxy's flow pages a second
// at 32 clients over the direct ones, in four rounds that take turns.
func BenchmarkEdgeAlternativesThroughput(b *testing.B) {
	f := newFlowPage(b)
	routes := proxyRoutes(b, f.st)
	workers := benchWorkers(32)
	took := make([]time.Duration, len(routes))
	var direct time.Duration
	const rounds = 4
	b.ResetTimer()
	for range rounds {
		direct += f.round(workers, f.url(f.st.UIServerURL), b.N/rounds)
		for i, r := range routes {
			took[i] += f.round(workers, f.url(r[1]), b.N/rounds)
		}
	}
	b.StopTimer()
	for i, r := range routes {
		b.ReportMetric(direct.Seconds()/took[i].Seconds(), r[0]+"-ratio")
	}
}

// goProxy serves Go's reverse proxy to upstream in this process.
func goProxy(b *testing.B, upstream string) string {
	u, err := url.Parse(upstream)
	if err != nil {
		b.Fatal(err)
	}
	rp := httputil.NewSingleHostReverseProxy(u)
	rp.Transport = &http.Transport{MaxIdleConnsPerHost: 64}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		b.Fatal(err)
	}
	srv := &http.Server{Handler: rp, ReadHeaderTimeout: 10 * time.Second}
	go func() { _ = srv.Serve(l) }()
	b.Cleanup(func() { _ = srv.Close() })
	return "http://" + l.Addr().String()
}

// startHAProxy runs HAProxy in front of upstream, with what the edge does
// to every page request: a rate table tracking the client's address (its
// limit out of reach), the client-address headers replaced, upstream
// connections kept.
func startHAProxy(b *testing.B, haproxy, upstream string) string {
	u, err := url.Parse(upstream)
	if err != nil {
		b.Fatal(err)
	}
	ports, err := stacktest.FreePorts(1)
	if err != nil {
		b.Fatal(err)
	}
	listen := fmt.Sprintf("127.0.0.1:%d", ports[0])
	cfg := fmt.Sprintf(`global
  nbthread 2
defaults
  mode http
  timeout connect 5s
  timeout client 30s
  timeout server 30s
frontend edge
  bind %s
  http-request track-sc0 src table pages
  http-request deny deny_status 429 if { sc_http_req_rate(0,pages) gt 1000000000 }
  http-request del-header True-Client-IP
  http-request set-header X-Real-IP %%[src]
  option forwardfor
  default_backend ui
backend pages
  stick-table type ipv6 size 100k expire 1m store http_req_rate(1m)
backend ui
  http-reuse always
  server ui %s
`, listen, u.Host)
	path := filepath.Join(b.TempDir(), "haproxy.cfg")
	if err := os.WriteFile(path, []byte(cfg), 0o600); err != nil {
		b.Fatal(err)
	}
	cmd := exec.Command(haproxy, "-db", "-f", path)
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { _ = cmd.Process.Kill(); _ = cmd.Wait() })
	for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(20 * time.Millisecond) {
		if c, err := net.Dial("tcp", listen); err == nil {
			c.Close()
			break
		}
		if time.Now().After(deadline) {
			b.Fatalf("haproxy did not listen on %s", listen)
		}
	}
	return "http://" + listen
}
