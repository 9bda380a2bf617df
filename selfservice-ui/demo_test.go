package selfserviceui_test

import (
	"context"
	"io"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/workid/workid/internal/browsertest"
	"github.com/workid/workid/internal/demorp"
	"github.com/workid/workid/internal/stacktest"
)

// The whole single sign-on in a real browser: a demo service sends the
// user to WorkID, who signs in there and comes back signed in to the
// service with the ID token's claims; signing out of the service ends the
// WorkID session too.
func TestDemoServiceSignIn(t *testing.T) {
	st := shared.Get(t)
	demo := startDemo(t)
	u := st.NewVerifiedUser(t, "tailspin-aviation.com", time.Now().AddDate(0, 0, -20))
	ctx, cancel := context.WithTimeout(browsertest.New(t), 2*time.Minute)
	defer cancel()
	j := &journey{t: t, ctx: ctx}
	service := demo + "/support/"

	j.do("open the demo service", chromedp.Navigate(service), chromedp.WaitVisible(chromedp.CSS("#signin")))
	j.submit("sign in with WorkID", "#signin")
	j.do("WorkID's sign-in page", chromedp.WaitVisible(chromedp.CSS("#f-password")))
	j.shot("sso-sign-in")
	j.do("fill in", chromedp.SetValue(chromedp.CSS("#f-identifier"), u.Email), chromedp.SetValue(chromedp.CSS("#f-password"), u.Password))
	j.submit("sign in", `button[name="method"][value="password"]`)
	j.do("back at the service", chromedp.WaitVisible(chromedp.CSS("#signed-in")))
	j.wantText("#signed-in", u.First+" "+u.Last)
	j.wantText("table", "email_verified")
	j.wantText("table", "true")
	j.shot("sso-signed-in")

	j.submit("sign out of the service", "a.btn")
	j.do("WorkID asks", chromedp.WaitVisible(chromedp.CSS("form button")))
	j.wantText("p.intro", "asks to sign you out")
	j.submit("confirm", "form button")
	j.do("back at the service, signed out", chromedp.WaitVisible(chromedp.CSS("#signin")))
	j.do("WorkID's dashboard", chromedp.Navigate(st.UIURL+"/"), chromedp.WaitVisible(chromedp.CSS("#f-password")))
}

// A third-party service in a real browser: WorkID's consent screen, and
// Allow leads through Hydra back to the service (the page's form-action
// lets the post's redirects reach it; Chromium checks every one).
func TestDemoServiceConsent(t *testing.T) {
	st := shared.Get(t)
	demo := startDemo(t)
	u := st.NewVerifiedUser(t, "tailspin-aviation.com", time.Now().AddDate(0, 0, -20))
	ctx, cancel := context.WithTimeout(browsertest.New(t), 2*time.Minute)
	defer cancel()
	j := &journey{t: t, ctx: ctx}

	j.do("open the community service", chromedp.Navigate(demo+"/community/"), chromedp.WaitVisible(chromedp.CSS("#signin")))
	j.submit("sign in with WorkID", "#signin")
	j.do("WorkID's sign-in page", chromedp.WaitVisible(chromedp.CSS("#f-password")))
	j.do("fill in", chromedp.SetValue(chromedp.CSS("#f-identifier"), u.Email), chromedp.SetValue(chromedp.CSS("#f-password"), u.Password))
	j.submit("sign in", `button[name="method"][value="password"]`)
	j.do("the consent screen", chromedp.WaitVisible(chromedp.CSS(`button[name="decision"][value="allow"]`)))
	j.wantText("h1", "Allow Community (demo) to use your WorkID account?")
	j.submit("allow", `button[name="decision"][value="allow"]`)
	j.do("back at the service", chromedp.WaitVisible(chromedp.CSS("#signed-in")))
	j.wantText("#signed-in", u.First+" "+u.Last)
}

// startDemo serves the demo services, registered with the stack's Hydra,
// until t ends, and returns their address.
func startDemo(t *testing.T) string {
	t.Helper()
	st := shared.Get(t)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	demo := demorp.New(st.HydraPublicURL, st.HydraAdminURL, "http://"+ln.Addr().String(), slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err := demo.Register(t.Context()); err != nil {
		t.Fatal(err)
	}
	srv := &http.Server{Handler: demo.Handler(), ReadHeaderTimeout: 5 * time.Second}
	go func() { _ = srv.Serve(ln) }()
	t.Cleanup(func() { srv.Close() })
	return "http://" + ln.Addr().String()
}

// A demo service takes a sign-in's callback only in the browser that
// started it: someone who sends their own callback URL to another browser
// (login CSRF) does not sign that browser in as themselves.
func TestDemoServiceRefusesForeignCallback(t *testing.T) {
	st := shared.Get(t)
	demo := startDemo(t)
	attacker := st.NewVerifiedUser(t, "tailspin-aviation.com", time.Now().AddDate(0, 0, -20))

	// The attacker signs in and keeps the callback URL instead of following it.
	var callback string
	ab := stacktest.NewPageBrowser(t)
	ab.Client.CheckRedirect = func(req *http.Request, _ []*http.Request) error {
		if strings.HasPrefix(req.URL.String(), demo+"/support/callback") {
			callback = req.URL.String()
			return http.ErrUseLastResponse
		}
		return nil
	}
	ab.SignIn(demo+"/support/login", attacker)
	if callback == "" {
		t.Fatal("the attacker's sign-in never reached the service's callback")
	}

	// A browser that started no sign-in, and one that started its own.
	fresh := stacktest.NewPageBrowser(t)
	started := stacktest.NewPageBrowser(t)
	started.Client.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	if u, status, _ := started.Get(demo + "/support/login"); status != http.StatusSeeOther {
		t.Fatalf("the sign-in button = %d at %s, want 303 to Hydra", status, u)
	}
	for name, b := range map[string]*stacktest.PageBrowser{"no sign-in started": fresh, "its own sign-in started": started} {
		_, status, page := b.Get(callback)
		if status != http.StatusBadRequest || !strings.Contains(page, "This sign-in was not started in this browser") || strings.Contains(page, attacker.Email) {
			t.Errorf("%s: the attacker's callback = %d, want 400 refusing it:\n%s", name, status, page)
		}
		b.Client.CheckRedirect = nil
		if _, _, home := b.Get(demo + "/support/"); !strings.Contains(home, `id="signin"`) {
			t.Errorf("%s: after the attacker's callback the service is signed in:\n%s", name, home)
		}
	}

	// In the browser that started it, the same callback signs in, once.
	if _, status, page := ab.Get(callback); status != http.StatusOK || !strings.Contains(page, attacker.First+" "+attacker.Last) {
		t.Errorf("the callback in its own browser = %d, want signed in as %s:\n%s", status, attacker.Email, page)
	}
	if _, status, _ := ab.Get(callback); status != http.StatusBadRequest {
		t.Errorf("the same callback again = %d, want 400: a sign-in is used once", status)
	}
}
