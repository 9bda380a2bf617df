package selfserviceui

import (
	"bytes"
	"context"
	"flag"
	"html/template"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/workid/workid/internal/businessemail"
	"github.com/workid/workid/internal/companies"
	"github.com/workid/workid/internal/emailstate"
	"github.com/workid/workid/internal/locale"
)

var update = flag.Bool("update", false, "rewrite the golden pages in testdata/pages/")

func testServer(t testing.TB) *Server {
	t.Helper()
	policy, err := businessemail.LoadPolicy(context.Background(), "../config/lists/node_modules", businessemail.OperatorFiles{}, quiet)
	if err != nil {
		t.Fatal(err)
	}
	s, err := NewServer(testConfig(deadURL(t)), policy, quiet)
	if err != nil {
		t.Fatal(err)
	}
	s.Now = func() time.Time { return time.Date(2026, 11, 26, 12, 0, 0, 0, time.UTC) }
	return s
}

// pageRequest is a request as the security middleware leaves it, with a
// fixed nonce so the golden pages are stable.
func pageRequest(path string) *http.Request {
	r := httptest.NewRequest(http.MethodGet, path, nil)
	return r.WithContext(context.WithValue(r.Context(), nonceKey{}, "test-nonce"))
}

func testIdentity(first, email string, verifiedDaysAgo int) (*identity, emailstate.State) {
	ident := &identity{ID: "00000000-0000-0000-0000-000000000001"}
	ident.Traits.Email, ident.Traits.Username = email, "ann_lee"
	ident.Traits.Name.First, ident.Traits.Name.Last = first, "Lee"
	now := time.Date(2026, 11, 26, 12, 0, 0, 0, time.UTC)
	addr := emailstate.Address{Value: email}
	if verifiedDaysAgo >= 0 {
		at := now.AddDate(0, 0, -verifiedDaysAgo)
		addr.Verified, addr.VerifiedAt = true, &at
	}
	return ident, emailstate.Of(addr, nil, now, emailstate.DefaultMaxAge)
}

// TestPages renders every page from recorded Kratos flows and compares
// the HTML with golden files (go test -run TestPages -update rewrites them).
func TestPages(t *testing.T) {
	s := testServer(t)
	flowPageOf := func(k flowKind, name string) func(*http.Request) (string, any) {
		return func(r *http.Request) (string, any) { return "flow", s.newFlowPage(r, k, loadFlow(t, name)) }
	}
	cases := map[string]func(*http.Request) (string, any){
		"registration":         flowPageOf(registrationFlow, "registration"),
		"registration-refused": flowPageOf(registrationFlow, "registration-refused"),
		"login":                flowPageOf(loginFlow, "login"),
		"login-wrong-password": flowPageOf(loginFlow, "login-wrong-password"),
		"recovery":             flowPageOf(recoveryFlow, "recovery"),
		"verification":         flowPageOf(verificationFlow, "verification"),
		"verification-passed":  flowPageOf(verificationFlow, "verification-passed"),
		"verification-used":    flowPageOf(verificationFlow, "verification-used"),
		"settings": func(r *http.Request) (string, any) {
			ident, st := testIdentity("Ann", "ann.lee@acme-widgets.com", 10)
			return "settings", s.newSettingsPage(r, loadFlow(t, "settings"), ident, st)
		},
		"settings-every-node": func(r *http.Request) (string, any) {
			ident, st := testIdentity("<script>alert(1)</script>", "ann@acme-widgets.com", -1)
			return "settings", s.newSettingsPage(r, loadFlow(t, "all-nodes"), ident, st)
		},
		"dashboard-unverified": func(r *http.Request) (string, any) {
			ident, st := testIdentity("Ann", "ann.lee@acme-widgets.com", -1)
			return "dashboard", s.newDashboardPage(r, ident, st, nil, false)
		},
		"dashboard-verified": func(r *http.Request) (string, any) {
			ident, st := testIdentity("Ann", "ann.lee@acme-widgets.com", 10)
			return "dashboard", s.newDashboardPage(r, ident, st, nil, false)
		},
		"dashboard-expired-personal": func(r *http.Request) (string, any) {
			ident, st := testIdentity("<script>alert(1)</script>", "ann@gmail.com", 400)
			return "dashboard", s.newDashboardPage(r, ident, st, nil, false)
		},
		"dashboard-expired-new-link": func(r *http.Request) (string, any) {
			// The yearly job expired the address and mailed a new link:
			// the state's sentence says both.
			ident, st := testIdentity("Ann", "ann&lee@acme-widgets.com", 400)
			st.NewLinkSentAt = st.ExpiredAt.Add(time.Hour)
			return "dashboard", s.newDashboardPage(r, ident, st, nil, false)
		},
		"dashboard-company-admin": func(r *http.Request) (string, any) {
			ident, st := testIdentity("Ann", "ann.lee@acme-widgets.com", 10)
			m := &companies.Membership{Admin: true, Company: companies.Company{Name: "Acme Widgets", Domains: []string{"acme-widgets.com"},
				Subscriptions: []companies.Subscription{{Name: "support", EndsOn: "2027-06-30"}, {Name: "training", EndsOn: "2026-01-31"}}}}
			return "dashboard", s.newDashboardPage(r, ident, st, m, false)
		},
		"dashboard-company-no-subscription": func(r *http.Request) (string, any) {
			ident, st := testIdentity("Ann", "ann.lee@acme-widgets.com", 10)
			m := &companies.Membership{Company: companies.Company{Name: "Acme Widgets", Domains: []string{"acme-widgets.com"}}}
			return "dashboard", s.newDashboardPage(r, ident, st, m, false)
		},
		"dashboard-company-unreadable": func(r *http.Request) (string, any) {
			ident, st := testIdentity("Ann", "ann.lee@acme-widgets.com", 10)
			return "dashboard", s.newDashboardPage(r, ident, st, nil, true)
		},
		"error": func(r *http.Request) (string, any) {
			return "error", errorPage{Page: s.page(r, "Something went wrong", "narrow"), Heading: "We could not check your email address", Text: english(t).T("kratos.hooks_down"), Retry: "/registration", Reference: "req-1"}
		},
	}
	for name, build := range cases {
		t.Run(name, func(t *testing.T) {
			r := pageRequest("/" + name)
			tpl, data := build(r)
			rec := httptest.NewRecorder()
			s.render(rec, r, http.StatusOK, tpl, data)
			if rec.Code != http.StatusOK {
				t.Fatalf("render %s = %d: %s", name, rec.Code, rec.Body)
			}
			body := rec.Body.Bytes()
			// A page says its length: a proxy in front (the edge) then
			// passes it on in one piece instead of flushing each read.
			if got := rec.Header().Get("Content-Length"); got != strconv.Itoa(len(body)) {
				t.Errorf("%s: Content-Length %q, body %d bytes", name, got, len(body))
			}
			if bytes.Contains(body, []byte("<script>alert(1)")) {
				t.Errorf("%s shows a trait unescaped", name)
			}
			goldenPage(t, filepath.Join("testdata", "pages", name+".html"), body)
		})
	}
}

func goldenPage(t *testing.T, path string, got []byte) {
	t.Helper()
	if *update {
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test -run TestPages -update)", err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("%s differs from the golden page; if the change is meant, run go test -run TestPages -update\n%s", path, firstDiff(string(want), string(got)))
	}
}

// firstDiff shows the first differing line of two pages.
func firstDiff(want, got string) string {
	wl, gl := strings.Split(want, "\n"), strings.Split(got, "\n")
	for i := range max(len(wl), len(gl)) {
		var w, g string
		if i < len(wl) {
			w = wl[i]
		}
		if i < len(gl) {
			g = gl[i]
		}
		if w != g {
			return "line " + strconv.Itoa(i+1) + ":\n  want: " + w + "\n  got:  " + g
		}
	}
	return ""
}

// TestPagesInLanguages renders a flow with a refused address and a
// dashboard with a company in every shipped language but English (which
// TestPages covers) and compares them with golden pages in
// testdata/pages/LANG/.
func TestPagesInLanguages(t *testing.T) {
	s := testServer(t)
	for _, l := range locale.Langs[1:] {
		tx := s.texts.Texts(l.Code)
		cases := map[string]func(*http.Request) (string, any){
			"registration-refused": func(r *http.Request) (string, any) {
				return "flow", s.newFlowPage(r, registrationFlow, loadFlow(t, "registration-refused"))
			},
			"dashboard-company": func(r *http.Request) (string, any) {
				ident, st := testIdentity("Ann", "ann.lee@acme-widgets.com", 10)
				m := &companies.Membership{Admin: true, Company: companies.Company{Name: "Acme Widgets", Domains: []string{"acme-widgets.com"},
					Subscriptions: []companies.Subscription{{Name: "support", EndsOn: "2027-06-30"}}}}
				return "dashboard", s.newDashboardPage(r, ident, st, m, false)
			},
		}
		// What each page must say in the language, beyond its golden copy.
		says := map[string][]string{
			"registration-refused": {tx.T("kratos.9100012", "domain", "gmail.com"), tx.T("flow.registration.heading")},
			"dashboard-company":    {tx.T("dashboard.hello", "Name", "Ann"), tx.Day("2027-06-30"), tx.T("email.verified")},
		}
		for name, build := range cases {
			t.Run(l.Code+"/"+name, func(t *testing.T) {
				r := pageRequest("/" + name)
				r = r.WithContext(context.WithValue(r.Context(), textsKey{}, tx))
				tpl, data := build(r)
				rec := httptest.NewRecorder()
				s.render(rec, r, http.StatusOK, tpl, data)
				body := rec.Body.String()
				if !strings.Contains(body, `<html lang="`+l.Code+`">`) {
					t.Errorf("%s/%s is not marked as %s", l.Code, name, l.Code)
				}
				for _, want := range says[name] {
					if !strings.Contains(body, template.HTMLEscapeString(want)) {
						t.Errorf("%s/%s lacks %q", l.Code, name, want)
					}
				}
				goldenPage(t, filepath.Join("testdata", "pages", l.Code, name+".html"), rec.Body.Bytes())
			})
		}
	}
}
