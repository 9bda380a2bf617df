package reverify

import (
	"context"
	"errors"

	"github.com/prometheus/client_golang/prometheus"
)

// Metrics are the job's figures for Prometheus, added as each pass ends
// (a dry run adds nothing: it changed nothing).
type Metrics struct {
	passes                                              *prometheus.CounterVec
	scanned, expired, notified, resumed, reminded, errs prometheus.Counter
	observed, formed, forgotten                         prometheus.Counter
	lastSuccess, lastDuration                           prometheus.Gauge
}

// Pass outcomes, the passes_total label.
const (
	passDone    = "done"    // finished; identities that failed are in errors_total
	passFailed  = "failed"  // stopped early: Kratos unreachable, lock lost, ...
	passSkipped = "skipped" // another instance held the lock
	passStopped = "stopped" // the process was asked to stop (a deploy, Ctrl-C)
)

// NewMetrics registers the job's metrics on reg.
func NewMetrics(reg prometheus.Registerer) *Metrics {
	counter := func(name, help string) prometheus.Counter {
		return prometheus.NewCounter(prometheus.CounterOpts{Namespace: "workid_reverify", Name: name, Help: help})
	}
	m := &Metrics{
		passes: prometheus.NewCounterVec(prometheus.CounterOpts{
			Namespace: "workid_reverify", Name: "passes_total",
			Help: "Passes by outcome: done, failed (ended early by an error), skipped (another instance held the lock) or stopped (the process was asked to stop).",
		}, []string{"outcome"}),
		scanned:   counter("identities_scanned_total", "Identities read."),
		expired:   counter("expired_total", "Addresses whose verification expired and that were marked unverified."),
		notified:  counter("notified_total", "Mails sent with a new verification link after an expiry."),
		resumed:   counter("resumed_total", "Expiries finished for an earlier, interrupted pass (also in notified_total)."),
		reminded:  counter("reminded_total", "Reminders sent before a verification expires."),
		errs:      counter("errors_total", "Identities skipped after retries, and member index writes that failed."),
		observed:  counter("index_observed_total", "Identities recorded in the member index (not those a hook had recorded since the page was listed)."),
		formed:    counter("index_companies_formed_total", "Companies formed by a domain the pass saw verified first."),
		forgotten: counter("index_forgotten_total", "Member index rows removed because Kratos no longer has the identity."),
		lastSuccess: prometheus.NewGauge(prometheus.GaugeOpts{
			Namespace: "workid_reverify", Name: "last_success_timestamp_seconds",
			Help: "When the last pass that finished without errors ended (Unix time); alert when it is over a day old.",
		}),
		lastDuration: prometheus.NewGauge(prometheus.GaugeOpts{
			Namespace: "workid_reverify", Name: "last_pass_duration_seconds",
			Help: "How long the last pass that ran took.",
		}),
	}
	for _, o := range []string{passDone, passFailed, passSkipped, passStopped} {
		m.passes.WithLabelValues(o)
	}
	reg.MustRegister(m.passes, m.scanned, m.expired, m.notified, m.resumed, m.reminded, m.errs,
		m.observed, m.formed, m.forgotten, m.lastSuccess, m.lastDuration)
	return m
}

// observe adds one pass's report.
func (m *Metrics) observe(r Report, err error) {
	if m == nil || r.DryRun {
		return
	}
	switch {
	case r.Skipped:
		m.passes.WithLabelValues(passSkipped).Inc()
		return
	case errors.Is(err, context.Canceled):
		m.passes.WithLabelValues(passStopped).Inc()
	case err != nil && !errors.Is(err, ErrIdentitiesFailed):
		m.passes.WithLabelValues(passFailed).Inc()
	default:
		m.passes.WithLabelValues(passDone).Inc()
		if r.Errors == 0 {
			m.lastSuccess.Set(float64(r.Finished.Unix()))
		}
	}
	m.scanned.Add(float64(r.Scanned))
	m.expired.Add(float64(r.Expired))
	m.notified.Add(float64(r.Notified))
	m.resumed.Add(float64(r.Resumed))
	m.reminded.Add(float64(r.Reminded))
	m.errs.Add(float64(r.Errors))
	m.observed.Add(float64(r.Observed))
	m.formed.Add(float64(r.Formed))
	m.forgotten.Add(float64(r.Forgotten))
	m.lastDuration.Set(r.Finished.Sub(r.Started).Seconds())
}
