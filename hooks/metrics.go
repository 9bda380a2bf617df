package hooks

import (
	"github.com/prometheus/client_golang/prometheus"

	"github.com/workid/workid/internal/businessemail"
	"github.com/workid/workid/internal/metrics"
	"github.com/workid/workid/internal/traittext"
)

// hookEvent is a Kratos event the server answers.
type hookEvent int

const (
	registrationEvent hookEvent = iota
	settingsEvent
	numEvents
)

var eventNames = [numEvents]string{registrationEvent: "registration", settingsEvent: "settings"}

// String is the event's name in logs and metrics.
func (e hookEvent) String() string { return eventNames[e] }

// memberEvent is a save after which Kratos calls the member index's hook.
type memberEvent int

const (
	registrationSaved memberEvent = iota
	settingsSaved
	verificationSaved
	numMemberEvents
)

var memberEventNames = [numMemberEvents]string{registrationSaved: "registration", settingsSaved: "settings", verificationSaved: "verification"}

// hookName is the event's name in the hook's path, logs and metrics.
func (e memberEvent) hookName() string { return memberEventNames[e] }

// memberOutcome is what a call to the member index's hook did.
type memberOutcome int

const (
	outcomeUnchanged memberOutcome = iota // recorded, as the index had it
	outcomeChanged                        // the address or its verification changed
	outcomeFormed                         // and its domain formed a company
	outcomeForgotten                      // Kratos no longer has the identity
	outcomeRefused                        // the body was not a saved identity
	outcomeFailed                         // the database failed
	outcomeStale                          // the index held a newer state (Kratos's version): kept
	numMemberOutcomes
)

var memberOutcomeNames = [numMemberOutcomes]string{
	outcomeUnchanged: "unchanged", outcomeChanged: "changed", outcomeFormed: "formed",
	outcomeForgotten: "forgotten", outcomeRefused: "refused", outcomeFailed: "failed", outcomeStale: "stale",
}

// unchangedReason labels a settings call that keeps the address, which
// the rule does not look at.
const unchangedReason = "unchanged"

// serverMetrics are the hooks server's own figures, beside the request
// latency every route gets (metrics.Requests).
type serverMetrics struct {
	reg *prometheus.Registry
	// decisions is indexed by event and reason, resolved once so the hot
	// path does no label lookup; every series exists from the start at 0.
	decisions [numEvents][businessemail.NumReasons]prometheus.Counter
	unchanged prometheus.Counter
	// textRefusals counts refused traits (one a field) by event and
	// problem, indexed like decisions; OK's series are never incremented
	// and not created.
	textRefusals [numEvents][traittext.NumProblems]prometheus.Counter
	mxFailed     prometheus.Counter
	// mxProviders counts refusals the MX check decided (mail servers at
	// a listed provider's), by reason: disposable and free_mail.
	mxProviders map[businessemail.Reason]prometheus.Counter
	// observations are the member index hook's calls by event and
	// outcome, indexed like decisions.
	observations [numMemberEvents][numMemberOutcomes]prometheus.Counter
	requests     *metrics.Requests
}

func newServerMetrics() *serverMetrics {
	reg := metrics.NewRegistry()
	m := &serverMetrics{reg: reg, requests: metrics.NewRequests(reg, "workid_hooks")}
	decisions := prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "workid_hooks_decisions_total",
		Help: "Business-email decisions, by Kratos event and reason (ok and operator_allowed are allowed; the rest refused).",
	}, []string{"event", "reason"})
	for e := range numEvents {
		for r := range businessemail.NumReasons {
			m.decisions[e][r] = decisions.WithLabelValues(e.String(), businessemail.Reason(r).Code())
		}
	}
	m.unchanged = decisions.WithLabelValues(settingsEvent.String(), unchangedReason)
	m.mxFailed = prometheus.NewCounter(prometheus.CounterOpts{
		Name: "workid_hooks_mx_check_failures_total",
		Help: "MX lookups that failed (the address was allowed: the check fails open).",
	})
	providers := prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "workid_hooks_mx_provider_refusals_total",
		Help: "Refusals decided by the MX check: the domain's mail servers are a listed provider's, by reason (also counted in workid_hooks_decisions_total).",
	}, []string{"reason"})
	m.mxProviders = map[businessemail.Reason]prometheus.Counter{}
	for _, r := range []businessemail.Reason{businessemail.Disposable, businessemail.FreeMail} {
		m.mxProviders[r] = providers.WithLabelValues(r.Code())
	}
	text := prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "workid_hooks_trait_refusals_total",
		Help: "Traits refused for their characters (one a field), by Kratos event and reason.",
	}, []string{"event", "reason"})
	for e := range numEvents {
		for p := traittext.OK + 1; p < traittext.NumProblems; p++ {
			m.textRefusals[e][p] = text.WithLabelValues(e.String(), p.Code())
		}
	}
	observations := prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "workid_hooks_member_observations_total",
		Help: "Identities Kratos reported saved to the member index, by event and outcome (unchanged, changed, formed a company, forgotten, refused body, failed database).",
	}, []string{"event", "outcome"})
	for e := range numMemberEvents {
		for o := range numMemberOutcomes {
			m.observations[e][o] = observations.WithLabelValues(e.hookName(), memberOutcomeNames[o])
		}
	}
	reg.MustRegister(decisions, text, m.mxFailed, providers, observations)
	return m
}

// textRefused counts one refused trait.
func (m *serverMetrics) textRefused(e hookEvent, p traittext.Problem) { m.textRefusals[e][p].Inc() }

// mxProvider counts one refusal the MX check decided.
func (m *serverMetrics) mxProvider(r businessemail.Reason) {
	if c, ok := m.mxProviders[r]; ok {
		c.Inc()
	}
}

// decided counts one decision.
func (m *serverMetrics) decided(e hookEvent, r businessemail.Reason) { m.decisions[e][r].Inc() }

// observed counts one call to the member index's hook.
func (m *serverMetrics) observed(e memberEvent, o memberOutcome) { m.observations[e][o].Inc() }
