package stacktest

import (
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httputil"
	"net/url"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/workid/workid/internal/httpserver"
	"github.com/workid/workid/internal/metrics/metricstest"
	"github.com/workid/workid/internal/stack"
)

// Replica is one hooks or UI server of the stack. Requests to the stack's
// HooksURL and UIURL reach the replicas in turn; a test can also talk to
// one replica directly at its URL.
type Replica struct {
	// URL is the replica's own base URL, without a trailing slash. With
	// one replica it is the server's own port (HooksURL, UIServerURL).
	URL string

	// metricsURL is where the replica's /metrics is: the hooks server's
	// own address, the UI's private one.
	metricsURL string
}

// Metrics scrapes the replica's /metrics.
func (r *Replica) Metrics(t testing.TB) metricstest.Samples {
	t.Helper()
	resp, err := (&http.Client{Timeout: 10 * time.Second}).Get(r.metricsURL)
	if err != nil {
		t.Fatalf("scrape %s: %v", r.metricsURL, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("scrape %s: %d %v", r.metricsURL, resp.StatusCode, err)
	}
	return metricstest.Parse(t, string(b))
}

// Served returns how many requests the replica has answered, read from
// its own metrics (every route but /metrics itself).
func (r *Replica) Served(t testing.TB) int64 {
	t.Helper()
	var n float64
	for series, v := range r.Metrics(t) {
		if strings.Contains(series, "_http_request_duration_seconds_count{") && !strings.Contains(series, `route="/metrics"`) {
			n += v
		}
	}
	return int64(n)
}

// replicaName names replica i of kind in the log: "ui" alone, "ui-1",
// "ui-2" among several.
func replicaName(kind string, i, replicas int) string {
	if replicas == 1 {
		return kind
	}
	return fmt.Sprintf("%s-%d", kind, i+1)
}

// replicaNames returns every name the hooks and UI servers log under.
func replicaNames(replicas int) []string {
	var names []string
	for _, kind := range []string{"hooks", "ui"} {
		for i := range replicas {
			names = append(names, replicaName(kind, i, replicas))
		}
		if replicas > 1 {
			names = append(names, kind+"-lb")
		}
	}
	return names
}

// startReplicas runs n `workid hooks` and n `workid ui` processes of exe,
// each on its own ports, and serves a round-robin proxy to each group on
// the stack's hooks, UI and UI private ports (serve runs a handler on a
// listener in this process). The processes read the same WORKID_* settings
// `workid dev` gives its own, with their addresses changed; the UI's
// public URL stays the proxy's.
func (s *Stack) startReplicas(exe string, out *stack.Output, noHooks bool, n int,
	serve func(name string, ln net.Listener, h http.Handler)) error {
	lns := s.frontDoors
	ports, err := FreePorts(3 * n)
	if err != nil {
		return err
	}
	start := func(kind string, i int, env []string, port, metricsPort int) (*Replica, error) {
		p := s.Layout.WorkID(kind, exe, s.Secrets, env)
		p.Name = replicaName(kind, i, n)
		p.Ports = []int{port}
		r := &Replica{URL: stack.URL(port, ""), metricsURL: stack.URL(metricsPort, "/metrics")}
		if kind == "ui" {
			p.Ports = append(p.Ports, metricsPort)
		}
		p.Ready = stack.HTTPReady(r.URL + "/readyz")
		return r, s.sup.Start(p)
	}
	if noHooks {
		lns[0].Close()
	} else {
		var targets []*url.URL
		for i := range n {
			port := ports[3*i]
			r, err := start("hooks", i, []string{fmt.Sprintf("WORKID_HOOKS_ADDR=127.0.0.1:%d", port)}, port, port)
			if err != nil {
				return err
			}
			s.HooksReplicas = append(s.HooksReplicas, r)
			targets = append(targets, &url.URL{Scheme: "http", Host: fmt.Sprintf("127.0.0.1:%d", port)})
		}
		serve("hooks-lb", lns[0], roundRobin(targets, slog.New(slog.NewTextHandler(out.Writer("hooks-lb"), nil))))
	}
	var targets, private []*url.URL
	for i := range n {
		port, metricsPort := ports[3*i+1], ports[3*i+2]
		r, err := start("ui", i, []string{
			fmt.Sprintf("WORKID_UI_ADDR=127.0.0.1:%d", port),
			fmt.Sprintf("WORKID_UI_METRICS_ADDR=127.0.0.1:%d", metricsPort),
		}, port, metricsPort)
		if err != nil {
			return err
		}
		s.UIReplicas = append(s.UIReplicas, r)
		targets = append(targets, &url.URL{Scheme: "http", Host: fmt.Sprintf("127.0.0.1:%d", port)})
		private = append(private, &url.URL{Scheme: "http", Host: fmt.Sprintf("127.0.0.1:%d", metricsPort)})
	}
	serve("ui-lb", lns[1], roundRobin(targets, slog.New(slog.NewTextHandler(out.Writer("ui-lb"), nil))))
	// Hydra's token hook, on the replicas' private addresses.
	serve("ui-private-lb", lns[2], roundRobin(private, slog.New(slog.NewTextHandler(out.Writer("ui-private-lb"), nil))))
	return nil
}

// roundRobin is a reverse proxy that sends each request to the next target
// in turn. The replicas see the Host the client used, as behind a load
// balancer, so their same-origin checks hold.
func roundRobin(targets []*url.URL, log *slog.Logger) http.Handler {
	var next atomic.Uint64
	return &httputil.ReverseProxy{
		Rewrite: func(pr *httputil.ProxyRequest) {
			t := targets[(next.Add(1)-1)%uint64(len(targets))]
			pr.SetURL(t)
			pr.Out.Host = pr.In.Host
			pr.SetXForwarded()
		},
		ErrorLog: slog.NewLogLogger(log.Handler(), slog.LevelWarn),
	}
}

// listenFrontDoors listens on the stack's hooks, UI and UI private ports,
// where the replicas' proxies are served.
func (s *Stack) listenFrontDoors() ([]net.Listener, error) {
	var lns []net.Listener
	for _, port := range []int{s.Layout.Ports.Hooks, s.Layout.Ports.UI, s.Layout.Ports.UIMetrics} {
		ln, err := httpserver.Listen(fmt.Sprintf("127.0.0.1:%d", port))
		if err != nil {
			for _, l := range lns {
				l.Close()
			}
			if errors.Is(err, syscall.EADDRINUSE) {
				err = fmt.Errorf("%w: %w", stack.ErrPortInUse, err) // Start tries other ports
			}
			return nil, err
		}
		lns = append(lns, ln)
	}
	return lns, nil
}
