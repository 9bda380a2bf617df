package selfserviceui_test

import (
	"context"
	"encoding/json"
	"net/url"
	"os"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"
	"golang.org/x/oauth2"

	"github.com/workid/workid/internal/browsertest"
	"github.com/workid/workid/internal/companies"
	"github.com/workid/workid/internal/stacktest"
)

// axeScript is axe-core, installed by `make axe` from tools/axe.
const axeScript = "../tools/axe/node_modules/axe-core/axe.min.js"

// axeRun runs axe-core's WCAG 2.0 and 2.1 A and AA rules over the page and
// returns each violation as "rule: help (selectors)".
const axeRun = `axe.run(document, {runOnly: {type: "tag", values: ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]}, resultTypes: ["violations"]})
  .then(r => JSON.stringify(r.violations.map(v => v.id + ": " + v.help + " (" + v.nodes.map(n => n.target.join(" ")).join(", ") + ")")))`

// TestAccessibility runs axe-core in the real Chromium over every page a
// person meets, in English and German at a desktop width and at a
// phone's 375 px (where a long German word must not widen the page), and
// in Japanese at 375 px:
// no violation of WCAG 2.1 AA, and nothing wider than the screen.
func TestAccessibility(t *testing.T) {
	st := shared.Get(t)
	script, err := os.ReadFile(axeScript)
	if err != nil {
		t.Fatalf("%v: `make axe` installs axe-core", err)
	}
	db := companyStore(t, st)
	domain := stacktest.UniqueDomain("fabrikam-tools")
	admin := newPerson(t, st, db, stacktest.NewUser(domain), time.Now().AddDate(0, 0, -350))
	ctx := t.Context()
	if _, err := db.GrantAdmin(ctx, domain, admin.ID, companies.Operator); err != nil {
		t.Fatal(err)
	}
	if _, err := db.Subscribe(ctx, domain, "support", time.Now().AddDate(1, 0, 0).Format(time.DateOnly)); err != nil {
		t.Fatal(err)
	}
	client := st.CreateOAuthClient(t, "Fabrikam Helpdesk", nil)

	for _, run := range []struct {
		lang  string
		width int64
	}{{"en", 1200}, {"en", 375}, {"de", 1200}, {"de", 375}, {"ja", 375}} {
		t.Run(run.lang+"/"+strconv.FormatInt(run.width, 10), func(t *testing.T) {
			bctx, cancel := context.WithTimeout(browsertest.New(t), 4*time.Minute)
			defer cancel()
			a := &audit{journey: journey{t: t, ctx: bctx}, script: string(script), width: run.width}
			a.prepare(run.lang)
			a.anonymous(st)
			newcomer := newPerson(t, st, db, stacktest.NewUser(domain), time.Time{})
			a.signedIn(st, newcomer, client, true)
			a.signedIn(st, admin, client, false)
			t.Logf("audited: %s", strings.Join(a.audited, "; "))
			for _, want := range walk {
				if !slices.ContainsFunc(a.audited, func(name string) bool { return strings.HasPrefix(name, want) }) {
					t.Errorf("the walk did not audit %q: %v", want, a.audited)
				}
			}
		})
	}
}

// walk names every page the audit must reach (by the start of its name).
var walk = []string{"sign-in", "recovery", "verification", "not found", "registration", "registration refused",
	"registration refused, long words", "dashboard of", "profile of", "company page seen by", "consent of",
	"dashboard with a notice", "mailed link", "verified", "mailed link, used", "sign-out"}

// audit is one browser's walk over the pages, checking each.
type audit struct {
	journey
	script  string
	width   int64
	audited []string
}

func (a *audit) prepare(lang string) {
	a.t.Helper()
	a.do("a phone's or a desktop's width", chromedp.EmulateViewport(a.width, 800))
	a.askFor(lang)
	// axe-core is put into each page by the test: the pages' policy
	// rightly runs no script it did not name.
	if _, err := chromedp.Call(a.ctx, page.SetBypassCSP, page.SetBypassCSPParams{Enabled: true}); err != nil {
		a.t.Fatal(err)
	}
}

// check audits the page the browser shows, named name.
func (a *audit) check(name string) {
	a.t.Helper()
	ctx, cancel := a.step()
	defer cancel()
	res, err := chromedp.Run(ctx, chromedp.Evaluate[string](a.script+"\n;"+axeRun, chromedp.EvalAwaitPromise))
	if err != nil {
		a.t.Fatalf("axe on %s: %v", name, err)
	}
	var violations []string
	if err := json.Unmarshal([]byte(res), &violations); err != nil {
		a.t.Fatalf("axe on %s: %v (%q)", name, err, res)
	}
	for _, v := range violations {
		a.t.Errorf("%s: %s", name, v)
	}
	a.audited = append(a.audited, name)
	wide := a.eval(`[String(document.documentElement.scrollWidth > window.innerWidth + 1), String(document.documentElement.scrollWidth)]`)
	if wide[0] == "true" {
		a.t.Errorf("%s is %s px wide at %d px: something does not wrap", name, wide[1], a.width)
	}
}

// open navigates to path on the UI and audits it.
func (a *audit) open(st *stacktest.Stack, name, path, ready string) {
	a.t.Helper()
	a.do("open "+name, chromedp.Navigate(st.UIURL+path), chromedp.WaitVisible(chromedp.CSS(ready)))
	a.check(name)
}

// anonymous audits the pages of someone not signed in.
func (a *audit) anonymous(st *stacktest.Stack) {
	a.open(st, "sign-in", "/login", "#f-identifier")
	a.open(st, "recovery", "/recovery", "#f-email")
	a.open(st, "verification", "/verification", "#f-email")
	a.open(st, "not found", "/no-such-page", "h1")
	a.open(st, "registration", "/registration", "#f-traits-email")
	u := stacktest.NewUser("gmail.com")
	a.fillRegistration(u)
	a.submit("register with gmail", `button[name="method"][value="password"]`)
	a.do("the refusal", chromedp.WaitVisible(chromedp.CSS("#f-traits-email-msg")))
	a.check("registration refused")
	// A long German word in every field at a phone's width; the username
	// is over the schema's 32 characters, so Kratos's own message shows.
	long := stacktest.User{First: "Donaudampfschifffahrtsgesellschaftskapitän", Last: "Rindfleischetikettierungsüberwachungsaufgabenübertragungsgesetz",
		Username: "donaudampfschifffahrtsgesellschaftskapitaen", Email: "donaudampfschifffahrtsgesellschaftskapitaen@gmail.com", Password: u.Password}
	a.fillRegistration(long)
	a.submit("register with long words", `button[name="method"][value="password"]`)
	a.do("the refusal", chromedp.WaitVisible(chromedp.CSS("#f-traits-username-msg")))
	a.check("registration refused, long words")
}

// signedIn signs p in and audits what p sees, then signs out; with
// verify, p (not verified yet) asks for a link and follows it first.
func (a *audit) signedIn(st *stacktest.Stack, p person, client string, verify bool) {
	a.do("open the sign-in page", chromedp.Navigate(st.UIURL+"/login"), chromedp.WaitVisible(chromedp.CSS("#f-password")))
	a.do("fill in", chromedp.SetValue(chromedp.CSS("#f-identifier"), p.Email), chromedp.SetValue(chromedp.CSS("#f-password"), p.Password))
	a.submit("sign in", `button[name="method"][value="password"]`)
	a.do("dashboard", chromedp.WaitVisible(chromedp.CSS("li.service")))
	a.check("dashboard of " + p.Email)
	a.open(st, "profile of "+p.Email, "/settings", "#verification")
	// The company page: its people for the admin, a refusal for others.
	a.do("company page", chromedp.Navigate(st.UIURL+"/company"), chromedp.WaitVisible(chromedp.CSS("#heading")))
	a.check("company page seen by " + p.Email)
	// A service's sign-in: the consent page, or the gate of an address
	// that is not verified.
	conf := st.OAuthConfig(client)
	verifier := oauth2.GenerateVerifier()
	auth := conf.AuthCodeURL("state-"+strconv.FormatInt(time.Now().UnixNano(), 10), oauth2.S256ChallengeOption(verifier))
	a.do("a service asks", chromedp.Navigate(auth), chromedp.WaitVisible(chromedp.CSS("#heading")))
	if u, _ := url.Parse(a.eval(`[location.href]`)[0]); u != nil && u.Path == "/login" {
		// Signed in already, the service's sign-in asks for the password
		// again (the identifier is the session's).
		a.check("sign-in again for a service, " + p.Email)
		a.do("fill in", chromedp.SetValue(chromedp.CSS("#f-password"), p.Password))
		a.submit("sign in for the service", `button[name="method"][value="password"]`)
		a.do("the consent page", chromedp.WaitVisible(chromedp.CSS("#heading")))
	}
	if u, _ := url.Parse(a.eval(`[location.href]`)[0]); u == nil || u.Path != "/consent" {
		a.t.Fatalf("a service's sign-in showed %v, want the consent page", u)
	}
	a.check("consent of " + p.Email) // for one not verified yet, the gate
	if verify {
		a.do("dashboard", chromedp.Navigate(st.UIURL+"/"), chromedp.WaitVisible(chromedp.CSS(".email-state form button")))
		a.submit("ask for a link", ".email-state form button")
		a.do("the notice", chromedp.WaitVisible(chromedp.CSS(".notice")))
		a.check("dashboard with a notice")
		link := lastLink(a.t, p.Email, 1)
		a.do("open the link", chromedp.Navigate(link), chromedp.WaitVisible(chromedp.CSS("main form button")))
		a.check("mailed link")
		a.submit("press the button", "main form button")
		a.do("verified", chromedp.WaitVisible(chromedp.CSS(".success-next")))
		a.check("verified")
		a.do("open the link again", chromedp.Navigate(link), chromedp.WaitVisible(chromedp.CSS("h1")))
		a.check("mailed link, used")
	}
	a.do("sign out", chromedp.Navigate(st.UIURL+"/logout"), chromedp.WaitVisible(chromedp.CSS("main form button")))
	a.check("sign-out")
	a.submit("sign out", "main form button")
}
