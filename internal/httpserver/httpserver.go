package httpserver

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"maps"
	"net"
	"net/http"
	"slices"
	"sync"
	"time"
)

// Timeouts applied to every WorkID server. Kratos gives up on a web hook
// after 30 s, so no answer needs longer than the write timeout.
const (
	readHeaderTimeout = 5 * time.Second
	readTimeout       = 15 * time.Second
	writeTimeout      = 30 * time.Second
	idleTimeout       = 120 * time.Second
	shutdownTimeout   = 10 * time.Second
)

// New returns an http.Server for h with WorkID's timeouts.
func New(h http.Handler, log *slog.Logger) *http.Server {
	return &http.Server{
		Handler:           h,
		ReadHeaderTimeout: readHeaderTimeout,
		ReadTimeout:       readTimeout,
		WriteTimeout:      writeTimeout,
		IdleTimeout:       idleTimeout,
		MaxHeaderBytes:    64 << 10,
		ErrorLog:          slog.NewLogLogger(log.Handler(), slog.LevelWarn),
	}
}

// Listen opens addr, with a message that names it when it is taken.
func Listen(addr string) (net.Listener, error) {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("listen on %s: %w", addr, err)
	}
	return ln, nil
}

// Serve serves h on ln until ctx is done, then shuts down gracefully: it
// stops accepting, lets requests in flight finish for up to ten seconds, and
// returns nil. It returns early with an error if the server fails.
func Serve(ctx context.Context, ln net.Listener, h http.Handler, log *slog.Logger) error {
	srv := New(h, log)
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	log.InfoContext(ctx, "listening", "addr", ln.Addr().String())

	select {
	case err := <-errc:
		return fmt.Errorf("serve %s: %w", ln.Addr(), err)
	case <-ctx.Done():
	}
	sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), shutdownTimeout)
	defer cancel()
	err := srv.Shutdown(sctx)
	if serr := <-errc; serr != nil && !errors.Is(serr, http.ErrServerClosed) {
		return fmt.Errorf("serve %s: %w", ln.Addr(), serr)
	}
	if err != nil {
		return fmt.Errorf("shut down %s: %w", ln.Addr(), err)
	}
	log.InfoContext(ctx, "stopped", "addr", ln.Addr().String())
	return nil
}

// Check is one readiness condition: nil when ready.
type Check func(ctx context.Context) error

// readyFor is how long a readiness answer is reused. /readyz may be
// reachable by anyone (the UI's public port): whatever the rate of calls,
// the dependencies are asked at most once a second.
const readyFor = time.Second

// Health serves /healthz (the process is alive) and /readyz (every check
// passes) on r. Failed checks are logged with their cause; the response only
// names which dependency is not ready. Calls while the checks run wait for
// their answer rather than start more.
func Health(checks map[string]Check, log *slog.Logger) (healthz, readyz http.HandlerFunc) {
	var (
		mu      sync.Mutex
		checked time.Time
		failed  []string
	)
	notReady := func(ctx context.Context) []string {
		mu.Lock()
		defer mu.Unlock()
		if !checked.IsZero() && time.Since(checked) < readyFor {
			return failed
		}
		// The checks outlive a caller that hangs up: others wait on them.
		ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 2*time.Second)
		defer cancel()
		failed = nil
		for _, name := range slices.Sorted(maps.Keys(checks)) {
			if err := checks[name](ctx); err != nil {
				log.WarnContext(ctx, "not ready", "dependency", name, "err", err)
				failed = append(failed, name)
			}
		}
		checked = time.Now()
		return failed
	}
	healthz = func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		w.Header().Set("Cache-Control", "no-store")
		_, _ = w.Write([]byte("ok\n"))
	}
	readyz = func(w http.ResponseWriter, r *http.Request) {
		failed := notReady(r.Context())
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		w.Header().Set("Cache-Control", "no-store")
		if len(failed) > 0 {
			w.WriteHeader(http.StatusServiceUnavailable)
			for _, name := range failed {
				fmt.Fprintf(w, "%s: not reachable\n", name)
			}
			return
		}
		_, _ = w.Write([]byte("ok\n"))
	}
	return healthz, readyz
}

// HTTPCheck returns a Check that passes when GET url answers 200.
func HTTPCheck(client *http.Client, url string) Check {
	return func(ctx context.Context) error {
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
		if err != nil {
			return err
		}
		resp, err := client.Do(req)
		if err != nil {
			return err
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			return fmt.Errorf("GET %s: status %d", url, resp.StatusCode)
		}
		return nil
	}
}
