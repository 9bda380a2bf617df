package limit

import (
	"errors"
	"time"

	"github.com/caddyserver/caddy/v2"
	"github.com/prometheus/client_golang/prometheus"
)

// zones holds the running zones by name and limits, shared by the
// handlers that name them and kept across config reloads: Caddy's way
// for state that outlives one config (a caddy.UsagePool counts users).
var zones = caddy.NewUsagePool()

// zone is a window and the goroutine that sweeps it, which runs until
// the zone's last handler is cleaned up.
type zone struct {
	window *Window
	stop   chan struct{}
	done   chan struct{}
}

// sweepEvery is how often a zone drops the addresses whose events have
// all left the window: at most a minute, so memory follows the traffic.
func sweepEvery(window time.Duration) time.Duration {
	return min(window, time.Minute)
}

func newZone(w *Window) *zone {
	z := &zone{window: w, stop: make(chan struct{}), done: make(chan struct{})}
	go z.sweep(sweepEvery(w.window))
	return z
}

func (z *zone) sweep(every time.Duration) {
	defer close(z.done)
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		select {
		case <-t.C:
			z.window.Sweep()
		case <-z.stop:
			return
		}
	}
}

// Destruct stops the sweeper; caddy.UsagePool calls it when the zone's
// last handler leaves.
func (z *zone) Destruct() error {
	close(z.stop)
	<-z.done
	return nil
}

// limitedCounter returns workid_edge_limited_total in reg, registering
// it at the first zone of a config (each config has its own registry,
// which Caddy's metrics handler and admin endpoint serve).
func limitedCounter(reg *prometheus.Registry) (*prometheus.CounterVec, error) {
	c := prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "workid_edge_limited_total",
		Help: "Requests the edge refused with 429 because their client address reached a zone's limit.",
	}, []string{"zone"})
	if reg == nil {
		return c, nil
	}
	if err := reg.Register(c); err != nil {
		var are prometheus.AlreadyRegisteredError
		if errors.As(err, &are) {
			if existing, ok := are.ExistingCollector.(*prometheus.CounterVec); ok {
				return existing, nil
			}
		}
		return nil, err
	}
	return c, nil
}
