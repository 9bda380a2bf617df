package reverify

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/workid/workid/internal/metrics"
	"github.com/workid/workid/internal/metrics/metricstest"
)

// Each way a pass can end is counted under its own outcome, and only a
// pass without errors moves the last-success time.
func TestMetricsOutcomes(t *testing.T) {
	reg := metrics.NewRegistry()
	m := NewMetrics(reg)
	start := time.Date(2026, 11, 26, 3, 0, 0, 0, time.UTC)
	pass := func(r Report) Report {
		r.Started, r.Finished = start, start.Add(90*time.Second)
		return r
	}
	m.observe(pass(Report{Scanned: 10, Expired: 2, Notified: 2, Observed: 10, Formed: 1, Forgotten: 3}), nil)
	m.observe(pass(Report{Scanned: 5, Errors: 1}), ErrIdentitiesFailed)
	m.observe(pass(Report{Scanned: 3}), fmt.Errorf("list identities: %w", errors.New("connection refused")))
	m.observe(pass(Report{Scanned: 4}), fmt.Errorf("pass stopped: %w", context.Canceled))
	m.observe(pass(Report{Skipped: true}), nil)
	m.observe(pass(Report{DryRun: true, Scanned: 100, Expired: 50, Observed: 100}), nil)

	metricstest.Scrape(t, metrics.Handler(reg, quiet)).Want(t, map[string]float64{
		`workid_reverify_passes_total{outcome="done"}`:    2,
		`workid_reverify_passes_total{outcome="failed"}`:  1,
		`workid_reverify_passes_total{outcome="stopped"}`: 1,
		`workid_reverify_passes_total{outcome="skipped"}`: 1,
		`workid_reverify_identities_scanned_total`:        22, // not the dry run's
		`workid_reverify_expired_total`:                   2,
		`workid_reverify_errors_total`:                    1,
		`workid_reverify_index_observed_total`:            10,
		`workid_reverify_index_companies_formed_total`:    1,
		`workid_reverify_index_forgotten_total`:           3,
		`workid_reverify_last_success_timestamp_seconds`:  float64(start.Add(90 * time.Second).Unix()),
		`workid_reverify_last_pass_duration_seconds`:      90,
	})
}
