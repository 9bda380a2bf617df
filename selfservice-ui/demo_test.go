package selfserviceui_test

import (
	"context"
	"io"
	"log/slog"
	"net"
	"net/http"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/workid/workid/internal/browsertest"
	"github.com/workid/workid/internal/demorp"
)

// The whole single sign-on in a real browser: a demo service sends the
// user to WorkID, who signs in there and comes back signed in to the
// service with the ID token's claims; signing out of the service ends the
// WorkID session too.
func TestDemoServiceSignIn(t *testing.T) {
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
	defer srv.Close()

	u := st.NewVerifiedUser(t, "tailspin-aviation.com", time.Now().AddDate(0, 0, -20))
	ctx, cancel := context.WithTimeout(browsertest.New(t), 2*time.Minute)
	defer cancel()
	j := &journey{t: t, ctx: ctx}
	service := "http://" + ln.Addr().String() + "/support/"

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
