// Package metricstest reads a /metrics endpoint the way Prometheus does,
// for tests that check what a WorkID process exposes.
package metricstest

import (
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"

	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"
)

// Samples are the scraped values by series: `name{label="value",...}`
// with labels in name order, or a bare name for a series without labels.
// A histogram appears as its _count and _sum series.
type Samples map[string]float64

// Scrape GETs /metrics from h and parses the text format; a response that
// Prometheus could not read fails the test.
func Scrape(t testing.TB, h http.Handler) Samples {
	t.Helper()
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/metrics", nil))
	if rec.Code != http.StatusOK {
		t.Fatalf("GET /metrics: status %d: %s", rec.Code, rec.Body)
	}
	return Parse(t, rec.Body.String())
}

// Parse reads the Prometheus text format.
func Parse(t testing.TB, text string) Samples {
	t.Helper()
	parser := expfmt.NewTextParser(model.UTF8Validation)
	families, err := parser.TextToMetricFamilies(strings.NewReader(text))
	if err != nil {
		t.Fatalf("/metrics is not valid Prometheus text: %v", err)
	}
	out := Samples{}
	for name, f := range families {
		for _, m := range f.GetMetric() {
			key := series(name, m.GetLabel())
			switch {
			case m.Counter != nil:
				out[key] = m.GetCounter().GetValue()
			case m.Gauge != nil:
				out[key] = m.GetGauge().GetValue()
			case m.Histogram != nil:
				out[series(name+"_count", m.GetLabel())] = float64(m.GetHistogram().GetSampleCount())
				out[series(name+"_sum", m.GetLabel())] = m.GetHistogram().GetSampleSum()
			case m.Untyped != nil:
				out[key] = m.GetUntyped().GetValue()
			}
		}
	}
	return out
}

func series(name string, labels []*dto.LabelPair) string {
	if len(labels) == 0 {
		return name
	}
	parts := make([]string, 0, len(labels))
	for _, l := range labels {
		parts = append(parts, l.GetName()+`="`+l.GetValue()+`"`)
	}
	slices.Sort(parts)
	return name + "{" + strings.Join(parts, ",") + "}"
}

// Want fails the test unless every series in want has its value.
func (s Samples) Want(t testing.TB, want map[string]float64) {
	t.Helper()
	for k, v := range want {
		got, ok := s[k]
		switch {
		case !ok:
			t.Errorf("metric %s is missing", k)
		case got != v:
			t.Errorf("metric %s = %g, want %g", k, got, v)
		}
	}
}
