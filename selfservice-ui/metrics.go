package selfserviceui

import (
	"net/http"

	"github.com/gorilla/mux"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/workid/workid/internal/httpserver"
	"github.com/workid/workid/internal/metrics"
)

// Outcomes of a flow page that did not render, the flow_failed label.
const (
	flowRestarted     = "restarted"      // expired, unknown or failed CSRF: a new flow was started
	flowRedirected    = "redirected"     // Kratos asked for a refresh, a second factor or another location
	flowLoginRequired = "login_required" // no session where the flow needs one
	flowNoCookies     = "cookies_blocked"
	flowUnavailable   = "unavailable" // Kratos did not answer, or answered with an error
)

// uiMetrics are the UI's figures, served on its private metrics address
// (config.UI.MetricsAddr), never on the public port.
type uiMetrics struct {
	reg         *prometheus.Registry
	requests    *metrics.Requests
	rendered    *prometheus.CounterVec
	failed      *prometheus.CounterVec
	unavailable prometheus.Counter
	links       *prometheus.CounterVec
}

// flowNames are the flows the UI renders; their series exist from the start.
var flowNames = []string{"login", "registration", "recovery", "verification", "settings"}

func newUIMetrics() *uiMetrics {
	reg := metrics.NewRegistry()
	m := &uiMetrics{
		reg:      reg,
		requests: metrics.NewRequests(reg, "workid_ui"),
		rendered: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "workid_ui_flows_rendered_total",
			Help: "Self-service flow pages rendered, by flow.",
		}, []string{"flow"}),
		failed: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "workid_ui_flows_failed_total",
			Help: "Flow pages that could not be rendered, by flow and outcome (restarted, redirected, login_required, cookies_blocked, unavailable).",
		}, []string{"flow", "outcome"}),
		unavailable: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "workid_ui_unavailable_pages_total",
			Help: "\"We are having trouble right now\" pages: Kratos or Hydra did not answer as expected.",
		}),
		links: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "workid_ui_verification_link_requests_total",
			Help: "\"Send me a verification link\" requests, by outcome (sent, limited: a minute, limited-day: the day's, verified, failed, unconfirmed: Kratos may have sent it).",
		}, []string{"outcome"}),
	}
	for _, f := range flowNames {
		m.rendered.WithLabelValues(f)
		m.failed.WithLabelValues(f, flowUnavailable)
	}
	for _, o := range []string{"sent", "limited", "limited-day", "verified", "failed", "unconfirmed"} {
		m.links.WithLabelValues(o)
	}
	reg.MustRegister(m.rendered, m.failed, m.unavailable, m.links)
	return m
}

// MetricsHandler serves the UI's private address (config.UI.MetricsAddr):
// /metrics in the Prometheus format, with /healthz and /readyz beside it
// for probes that live on the same network, and Hydra's token hook, which
// only Hydra calls. None of them is on the public port.
func (s *Server) MetricsHandler() http.Handler {
	r := mux.NewRouter()
	metrics.OpsRoutes(r, s.healthz, s.readyz, s.metrics.reg, s.log)
	r.HandleFunc("/hooks/hydra/token", s.tokenHook).Methods(http.MethodPost)
	r.Use(s.metrics.requests.Middleware)
	return r
}

// readyChecks are what /readyz asks: the UI is no use without Kratos and Hydra.
func (s *Server) readyChecks() map[string]httpserver.Check {
	return map[string]httpserver.Check{
		"kratos": httpserver.HTTPCheck(s.client, s.cfg.Kratos.PublicURL+"/health/ready"),
		"hydra":  httpserver.HTTPCheck(s.client, s.cfg.Hydra.AdminURL+"/health/ready"),
	}
}
