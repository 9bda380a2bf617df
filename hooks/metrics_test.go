package hooks

import (
	"errors"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/workid/workid/config"
	"github.com/workid/workid/internal/businessemail"
	"github.com/workid/workid/internal/metrics/metricstest"
)

// TestMetrics drives one server through each kind of answer and reads
// /metrics as Prometheus would.
func TestMetrics(t *testing.T) {
	h := NewServer(testKey, testPolicy(t), fakeMX{accepts: true}, nil, nil, quiet)
	auth := config.HooksAuthScheme + testKey

	before := metricstest.Scrape(t, h)
	// Every decision series exists before the first call, so rate() and
	// alerts work from the start.
	before.Want(t, map[string]float64{
		`workid_hooks_decisions_total{event="registration",reason="free_mail"}`:  0,
		`workid_hooks_decisions_total{event="settings",reason="disposable"}`:     0,
		`workid_hooks_decisions_total{event="settings",reason="unchanged"}`:      0,
		`workid_hooks_decisions_total{event="registration",reason="ok"}`:         0,
		`workid_hooks_decisions_total{event="registration",reason="unchecked"}`:  0,
		`workid_hooks_mx_check_failures_total`:                                   0,
		`workid_hooks_decisions_total{event="registration",reason="look_alike"}`: 0,
	})

	for event := range numEvents {
		for r := range businessemail.NumReasons {
			key := `workid_hooks_decisions_total{event="` + event.String() + `",reason="` + businessemail.Reason(r).Code() + `"}`
			if _, ok := before[key]; !ok {
				t.Errorf("no series %s before the first call", key)
			}
		}
	}

	for _, c := range []struct{ path, body string }{
		{"/hooks/registration", `{"traits":{"email":"ann@acme-widgets.com"}}`},
		{"/hooks/registration", `{"traits":{"email":"bob@acme-widgets.com"}}`},
		{"/hooks/registration", `{"traits":{"email":"ann@gmail.com"}}`},
		{"/hooks/registration", `not json`},
		{"/hooks/settings", `{"traits":{"email":"ann@x.mailinator.com"},"previous_email":"ann@acme-widgets.com"}`},
		{"/hooks/settings", `{"traits":{"email":"ann@gmail.com"},"previous_email":"ann@gmail.com"}`},
	} {
		call(h, c.path, auth, c.body)
	}
	call(h, "/hooks/registration", "Bearer wrong", `{}`)                                                 // refused before any decision
	call(h, "/nothing-here", auth, `{}`)                                                                 // no such route
	h.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest(http.MethodGet, "/hooks/registration", nil)) // the wrong method
	for _, m := range []string{"XYZ1", "XYZ2"} {                                                         // made-up methods share one label
		h.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest(m, "/nothing-here", nil))
	}

	got := metricstest.Scrape(t, h)
	got.Want(t, map[string]float64{
		`workid_hooks_decisions_total{event="registration",reason="ok"}`:        2,
		`workid_hooks_decisions_total{event="registration",reason="free_mail"}`: 1,
		`workid_hooks_decisions_total{event="registration",reason="unchecked"}`: 1,
		`workid_hooks_decisions_total{event="settings",reason="disposable"}`:    1,
		`workid_hooks_decisions_total{event="settings",reason="unchanged"}`:     1,
		`workid_hooks_decisions_total{event="settings",reason="ok"}`:            0,
		// Latency by route and status: 2 allowed, 2 refused, 1 unauthorised.
		`workid_hooks_http_request_duration_seconds_count{code="200",method="POST",route="/hooks/registration"}`: 2,
		`workid_hooks_http_request_duration_seconds_count{code="400",method="POST",route="/hooks/registration"}`: 2,
		`workid_hooks_http_request_duration_seconds_count{code="401",method="POST",route="/hooks/registration"}`: 1,
		`workid_hooks_http_request_duration_seconds_count{code="400",method="POST",route="/hooks/settings"}`:     1,
		`workid_hooks_http_request_duration_seconds_count{code="204",method="POST",route="/hooks/settings"}`:     1,
		`workid_hooks_http_request_duration_seconds_count{code="404",method="POST",route="not_found"}`:           1,
		`workid_hooks_http_request_duration_seconds_count{code="405",method="GET",route="method_not_allowed"}`:   1,
		`workid_hooks_http_request_duration_seconds_count{code="404",method="other",route="not_found"}`:          2,
	})
	if got["go_goroutines"] <= 0 || got["process_resident_memory_bytes"] <= 0 {
		t.Errorf("runtime and process metrics missing: go_goroutines=%g process_resident_memory_bytes=%g",
			got["go_goroutines"], got["process_resident_memory_bytes"])
	}

	// A failing MX lookup is counted, and the address still allowed.
	h = NewServer(testKey, testPolicy(t), fakeMX{err: errors.New("timeout")}, nil, nil, quiet)
	if rec := call(h, "/hooks/registration", auth, `{"traits":{"email":"ann@acme-widgets.com"}}`); rec.Code != http.StatusOK {
		t.Fatalf("DNS down: status %d, want 200", rec.Code)
	}
	metricstest.Scrape(t, h).Want(t, map[string]float64{
		`workid_hooks_mx_check_failures_total`:                           1,
		`workid_hooks_decisions_total{event="registration",reason="ok"}`: 1,
	})

	// Refused traits are counted one a field, beside the email's decision.
	h = NewServer(testKey, testPolicy(t), nil, nil, nil, quiet)
	metricstest.Scrape(t, h).Want(t, map[string]float64{
		`workid_hooks_trait_refusals_total{event="registration",reason="bidi_control"}`:    0,
		`workid_hooks_trait_refusals_total{event="settings",reason="invalid_utf8"}`:        0,
		`workid_hooks_trait_refusals_total{event="settings",reason="invisible_character"}`: 0,
	})
	for _, c := range []struct {
		path, body string
		want       int
	}{
		{"/hooks/registration", `{"traits":{"email":"ann@acme-widgets.com","name":{"first":"Ann\u202e","last":"\u202dLee"}}}`, http.StatusBadRequest},
		{"/hooks/registration", `{"traits":{"email":"ann@gmail.com","username":"ann\n"}}`, http.StatusBadRequest},
		{"/hooks/settings", `{"traits":{"email":"ann@gmail.com","username":"a\u200bnn"},"previous_email":"ann@gmail.com"}`, http.StatusBadRequest},
		{"/hooks/settings", `{"traits":{"email":"ann@gmail.com","username":"ann"},"previous_email":"ann@gmail.com"}`, http.StatusNoContent},
	} {
		if rec := call(h, c.path, auth, c.body); rec.Code != c.want {
			t.Errorf("POST %s %s = %d, want %d", c.path, c.body, rec.Code, c.want)
		}
	}
	metricstest.Scrape(t, h).Want(t, map[string]float64{
		`workid_hooks_trait_refusals_total{event="registration",reason="bidi_control"}`:      2,
		`workid_hooks_trait_refusals_total{event="registration",reason="control_character"}`: 1,
		`workid_hooks_trait_refusals_total{event="settings",reason="invisible_character"}`:   1,
		`workid_hooks_decisions_total{event="registration",reason="ok"}`:                     1,
		`workid_hooks_decisions_total{event="registration",reason="free_mail"}`:              1,
		`workid_hooks_decisions_total{event="settings",reason="unchanged"}`:                  2,
	})
}
