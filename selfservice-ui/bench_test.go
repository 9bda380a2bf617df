package selfserviceui

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"testing"

	"github.com/workid/workid/internal/companies"
)

// Rendering a flow page from Kratos's JSON: decode, build the view model,
// execute the template. Target: <= 200 µs.
func BenchmarkRenderFlowPage(b *testing.B) {
	s := testServer(b)
	for _, name := range []string{"registration", "registration-refused", "login"} {
		raw, err := os.ReadFile("testdata/flows/" + name + ".json")
		if err != nil {
			b.Fatal(err)
		}
		k := registrationFlow
		if name == "login" {
			k = loginFlow
		}
		for _, lang := range []string{"en", "de", "ja"} {
			b.Run(name+"/"+lang, func(b *testing.B) {
				b.ReportAllocs()
				r := pageRequest("/" + k.name)
				r = r.WithContext(context.WithValue(r.Context(), textsKey{}, s.texts.Texts(lang)))
				for b.Loop() {
					var f flow
					if err := json.Unmarshal(raw, &f); err != nil {
						b.Fatal(err)
					}
					rec := httptest.NewRecorder()
					s.render(rec, r, http.StatusOK, "flow", s.newFlowPage(r, k, &f))
					if rec.Code != http.StatusOK {
						b.Fatal(rec.Code)
					}
					_, _ = io.Copy(io.Discard, rec.Body)
				}
			})
		}
	}
}

// Rendering the dashboard of a verified company admin from what the
// handler has read (the session's identity, the membership): the UI's
// own part of the page the scale harness compares with a bare whoami.
func BenchmarkRenderDashboard(b *testing.B) {
	s := testServer(b)
	ident, st := testIdentity("Ann", "ann.lee@acme-widgets.com", 10)
	m := &companies.Membership{Admin: true, Company: companies.Company{Name: "Acme Widgets", Domains: []string{"acme-widgets.com"},
		Subscriptions: []companies.Subscription{{Name: "support", EndsOn: "2027-06-30"}}}}
	for _, lang := range []string{"en", "ja"} {
		b.Run(lang, func(b *testing.B) {
			b.ReportAllocs()
			r := pageRequest("/")
			r = r.WithContext(context.WithValue(r.Context(), textsKey{}, s.texts.Texts(lang)))
			for b.Loop() {
				rec := httptest.NewRecorder()
				s.render(rec, r, http.StatusOK, "dashboard", s.newDashboardPage(r, ident, st, m, false))
				if rec.Code != http.StatusOK {
					b.Fatal(rec.Code)
				}
			}
		})
	}
}
