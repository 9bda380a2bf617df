package stacktest

import (
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/http/httputil"
	"net/url"
	"sync/atomic"

	"github.com/workid/workid/config"
	selfserviceui "github.com/workid/workid/selfservice-ui"
)

// Replica is one hooks or UI server of the stack. Requests to the stack's
// HooksURL and UIURL reach the replicas in turn; a test can also talk to
// one replica directly at its URL.
type Replica struct {
	// URL is the replica's own base URL, without a trailing slash. With
	// one replica it is the stack's URL itself.
	URL string
	// UI is the replica's server for a UI replica (its clock can be
	// set), nil for a hooks replica.
	UI *selfserviceui.Server

	served atomic.Int64
}

// Served returns how many requests the replica has received, through the
// proxy or directly.
func (r *Replica) Served() int64 { return r.served.Load() }

func (r *Replica) count(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		r.served.Add(1)
		h.ServeHTTP(w, req)
	})
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

// replicaListeners returns the listeners the replicas of kind serve on.
// One replica serves on front itself. Several get a listener each, and
// front serves a round-robin proxy to them.
func (s *Stack) replicaListeners(front net.Listener, replicas int, kind string,
	serve func(string, net.Listener, func(*slog.Logger) http.Handler, config.Log), lc config.Log,
) ([]net.Listener, error) {
	if replicas == 1 {
		return []net.Listener{front}, nil
	}
	lns := make([]net.Listener, 0, replicas)
	targets := make([]*url.URL, 0, replicas)
	for range replicas {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			closeAll(lns)
			return nil, fmt.Errorf("listen for a %s replica: %w", kind, err)
		}
		lns = append(lns, ln)
		targets = append(targets, &url.URL{Scheme: "http", Host: ln.Addr().String()})
	}
	serve(kind+"-lb", front, func(log *slog.Logger) http.Handler { return roundRobin(targets, log) }, lc)
	return lns, nil
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

// closeAll closes listeners no server took over.
func closeAll(lns []net.Listener) {
	for _, ln := range lns {
		ln.Close()
	}
}
