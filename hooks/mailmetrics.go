package hooks

import (
	"github.com/prometheus/client_golang/prometheus"

	"github.com/workid/workid/internal/mail"
)

// mailMetrics are the figures of the mail WorkID sends.
type mailMetrics struct {
	sent     map[mail.Kind]prometheus.Counter
	held     map[mail.Kind]map[string]prometheus.Counter
	failures *prometheus.CounterVec
	retries  prometheus.Counter
	refused  prometheus.Counter
}

func newMailMetrics(reg prometheus.Registerer) *mailMetrics {
	sent := prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "workid_mail_sent_total",
		Help: "Mails handed to the SMTP server, by kind.",
	}, []string{"kind"})
	held := prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "workid_mail_held_total",
		Help: "Mails not sent on purpose, by kind and reason (limit, address_changed, unknown_identity).",
	}, []string{"kind", "reason"})
	failures := prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "workid_mail_delivery_failures_total",
		Help: "Failed delivery attempts, by kind and cause (temporary: tried again; permanent: refused by the mail server; kratos: the identity could not be read; database: an email-change notice could not be counted in WorkID's database).",
	}, []string{"kind", "cause"})
	m := &mailMetrics{
		sent: map[mail.Kind]prometheus.Counter{}, held: map[mail.Kind]map[string]prometheus.Counter{}, failures: failures,
		retries: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "workid_mail_delivery_retries_total",
			Help: "Delivery attempts made again after a temporary failure, within one hand-over from Kratos.",
		}),
		refused: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "workid_mail_refused_total",
			Help: "Courier messages WorkID can never send (unknown template, no valid link or identity).",
		}),
	}
	for _, k := range mail.Kinds {
		m.sent[k] = sent.WithLabelValues(string(k))
		m.held[k] = map[string]prometheus.Counter{}
		for _, r := range heldReasons {
			m.held[k][r] = held.WithLabelValues(string(k), r)
		}
		for _, c := range []string{"temporary", "permanent", "kratos"} {
			failures.WithLabelValues(string(k), c)
		}
	}
	reg.MustRegister(sent, held, failures, m.retries, m.refused)
	return m
}

func (m *mailMetrics) failed(kind mail.Kind, cause string) {
	m.failures.WithLabelValues(string(kind), cause).Inc()
}
