// Package metrics is what WorkID's processes share for Prometheus: a
// registry with the Go runtime and process collectors, its /metrics
// handler, a middleware that times requests by route, and OpsRoutes, the
// operations endpoints (/healthz, /readyz, /metrics) every process serves.
//
// Each server owns its registry, so two servers in one process (as in
// the tests) never mix their figures.
package metrics

import (
	"log/slog"
	"net/http"
	"strconv"
	"time"

	"github.com/gorilla/mux"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// NewRegistry returns a registry holding the Go runtime and process
// collectors.
func NewRegistry() *prometheus.Registry {
	reg := prometheus.NewRegistry()
	reg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	return reg
}

// Handler serves reg in the Prometheus text format (OpenMetrics when the
// scraper asks for it). A collector that fails is logged and left out;
// the rest is still served.
func Handler(reg *prometheus.Registry, log *slog.Logger) http.Handler {
	return promhttp.HandlerFor(reg, promhttp.HandlerOpts{
		ErrorLog:          slog.NewLogLogger(log.Handler(), slog.LevelError),
		ErrorHandling:     promhttp.ContinueOnError,
		EnableOpenMetrics: true,
		Registry:          reg, // counts its own failures (promhttp_metric_handler_errors_total)
	})
}

// OpsRoutes adds a process's operations endpoints to r: /healthz and
// /readyz (httpserver.Health's handlers) and, when reg is not nil,
// /metrics in the Prometheus format.
func OpsRoutes(r *mux.Router, healthz, readyz http.HandlerFunc, reg *prometheus.Registry, log *slog.Logger) {
	r.HandleFunc("/healthz", healthz).Methods(http.MethodGet, http.MethodHead)
	r.HandleFunc("/readyz", readyz).Methods(http.MethodGet, http.MethodHead)
	if reg != nil {
		r.Handle("/metrics", Handler(reg, log)).Methods(http.MethodGet)
	}
}

// LatencyBuckets suit WorkID's handlers: a hook answers in well under a
// millisecond unless a DNS lookup is involved; a page waits on Kratos.
var LatencyBuckets = []float64{.0005, .001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5}

// Requests times the requests a gorilla/mux router serves, by route
// template, method and status code.
type Requests struct {
	duration *prometheus.HistogramVec
}

// NewRequests registers <namespace>_http_request_duration_seconds on reg.
func NewRequests(reg prometheus.Registerer, namespace string) *Requests {
	d := prometheus.NewHistogramVec(prometheus.HistogramOpts{
		Namespace: namespace,
		Name:      "http_request_duration_seconds",
		Help:      "Time to answer a request, by route template, method and status code.",
		Buckets:   LatencyBuckets,
	}, []string{"route", "method", "code"})
	reg.MustRegister(d)
	return &Requests{duration: d}
}

// Middleware is for mux.Router.Use: it runs after routing, so the route
// label is the template ("/hooks/registration"), never a raw path a
// client chose, and the label set stays bounded.
func (m *Requests) Middleware(next http.Handler) http.Handler {
	return m.timed(next, func(r *http.Request) string {
		if cr := mux.CurrentRoute(r); cr != nil {
			if t, err := cr.GetPathTemplate(); err == nil {
				return t
			}
		}
		return "unknown"
	})
}

// Unrouted times a handler no route leads to (the router's NotFoundHandler
// and MethodNotAllowedHandler, which its middleware never wraps) under
// the route label given, so a burst of 404s or 405s shows too.
func (m *Requests) Unrouted(route string, h http.Handler) http.Handler {
	return m.timed(h, func(*http.Request) string { return route })
}

func (m *Requests) timed(next http.Handler, route func(*http.Request) string) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		sw := &statusWriter{ResponseWriter: w}
		next.ServeHTTP(sw, r)
		m.duration.WithLabelValues(route(r), method(r.Method), strconv.Itoa(sw.status())).Observe(time.Since(start).Seconds())
	})
}

// method bounds the method label: a client may send any token as a
// method, and a 404 or 405 is timed whatever it was.
func method(m string) string {
	switch m {
	case http.MethodGet, http.MethodHead, http.MethodPost, http.MethodPut, http.MethodPatch,
		http.MethodDelete, http.MethodOptions:
		return m
	}
	return "other"
}

// statusWriter remembers the status code a handler wrote.
type statusWriter struct {
	http.ResponseWriter
	code int
}

func (w *statusWriter) WriteHeader(code int) {
	if w.code == 0 {
		w.code = code
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *statusWriter) Write(b []byte) (int, error) {
	if w.code == 0 {
		w.code = http.StatusOK
	}
	return w.ResponseWriter.Write(b)
}

func (w *statusWriter) status() int {
	if w.code == 0 {
		return http.StatusOK
	}
	return w.code
}

// Unwrap lets http.ResponseController reach the real writer.
func (w *statusWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }
