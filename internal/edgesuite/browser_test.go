package edgesuite_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/workid/workid/internal/browsertest"
	"github.com/workid/workid/internal/stacktest"
)

// What a person sees in a real browser: ten wrong passwords are answered
// on the sign-in page as usual; the 11th submission within the minute
// shows the sign-in page again with "Too many attempts. Please wait a
// minute and try again.", never a bare proxy answer. Chromium connects
// from 127.0.0.1, the one test that signs in from there.
func TestBrowserSeesTheLimit(t *testing.T) {
	st := shared.Get(t)
	u := stacktest.NewUser("fabrikam-logistics.com")
	if _, err := st.Register(t.Context(), u); err != nil {
		t.Fatalf("Register(%s) = %v", u.Email, err)
	}
	ctx := browsertest.New(t)
	step := func(what string, actions ...chromedp.Action[chromedp.Void]) {
		t.Helper()
		c, cancel := context.WithTimeout(ctx, 20*time.Second)
		defer cancel()
		if err := chromedp.Do(c, actions...); err != nil {
			t.Fatalf("%s: %v", what, err)
		}
	}
	text := func(selector string) string {
		t.Helper()
		c, cancel := context.WithTimeout(ctx, 20*time.Second)
		defer cancel()
		s, err := chromedp.Run(c, chromedp.Text(chromedp.CSS(selector)))
		if err != nil {
			t.Fatalf("read %s: %v", selector, err)
		}
		return s
	}
	submit := func(password string) {
		t.Helper()
		step("fill in the sign-in form",
			chromedp.WaitVisible(chromedp.CSS("#f-identifier")),
			chromedp.SetValue(chromedp.CSS("#f-identifier"), u.Email),
			chromedp.SetValue(chromedp.CSS("#f-password"), password))
		c, cancel := context.WithTimeout(ctx, 20*time.Second)
		defer cancel()
		if _, err := chromedp.RunResponse(c, chromedp.Click(chromedp.CSS(`button[value="password"]`))); err != nil {
			t.Fatalf("submit the sign-in form: %v", err)
		}
	}

	step("open the sign-in page", chromedp.Navigate(st.UIURL+"/login"), chromedp.WaitVisible(chromedp.CSS("#f-identifier")))
	for i := 1; i <= 10; i++ {
		submit("not the password")
		if body := text("main"); strings.Contains(body, limitedText) {
			t.Fatalf("sign-in attempt %d shows the limit, want Kratos's answer:\n%s", i, body)
		}
	}
	submit(u.Password)
	body := text("main")
	for _, want := range []string{limitedText, "Sign in to WorkID"} {
		if !strings.Contains(body, want) {
			t.Errorf("the 11th sign-in attempt's page lacks %q:\n%s", want, body)
		}
	}
	location, err := chromedp.Run(ctx, chromedp.Location())
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(location, st.EdgeURL+"/") {
		t.Errorf("the page is at %s, want the edge (%s)", location, st.EdgeURL)
	}
}
