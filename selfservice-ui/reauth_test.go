package selfserviceui_test

import (
	"context"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/workid/workid/internal/browsertest"
	"github.com/workid/workid/internal/stacktest"
)

// Changing the email needs a recent sign-in: with an older one, the
// Profile page sends the user through sign-in and back, and the change
// is then saved.
func TestEmailChangeNeedsRecentSignIn(t *testing.T) {
	old, err := stacktest.Start(t.Context(), stacktest.Options{KratosEnv: []string{
		"SELFSERVICE_FLOWS_SETTINGS_PRIVILEGED_SESSION_MAX_AGE=2s",
	}})
	if err != nil {
		t.Fatal(err)
	}
	defer old.Close()
	ctx, cancel := context.WithTimeout(browsertest.New(t), 2*time.Minute)
	defer cancel()
	j := &journey{t: t, ctx: ctx}

	u := stacktest.NewUser("northwind-traders.com")
	j.do("open registration", chromedp.Navigate(old.UIURL+"/registration"), chromedp.WaitVisible(chromedp.CSS("#f-traits-email")))
	j.fillRegistration(u)
	j.submit("register", `button[name="method"][value="password"]`)
	j.do("dashboard", chromedp.WaitVisible(chromedp.CSS("li.service")))

	token, err := old.Login(t.Context(), u.Username, u.Password)
	if err != nil {
		t.Fatal(err)
	}

	time.Sleep(3 * time.Second) // the sign-ins are no longer recent

	// Through the API too: an old sign-in cannot change the address.
	traits := u.Traits()
	traits["email"] = strings.Replace(u.Email, "@northwind-traders.com", "@fabrikam-industries.com", 1)
	if _, err := old.UpdateProfile(t.Context(), token, traits); err == nil || !strings.Contains(err.Error(), "session_refresh_required") {
		t.Errorf("an email change through the API 3 s after the sign-in = %v, want refused with session_refresh_required", err)
	}
	j.do("open the profile", chromedp.Navigate(old.UIURL+"/settings"), chromedp.WaitVisible(chromedp.CSS("#profile #f-traits-email")))
	moved := strings.Replace(u.Email, "@northwind-traders.com", "@contoso-engineering.com", 1)
	j.do("type a new address", chromedp.SetValue(chromedp.CSS("#profile #f-traits-email"), moved))
	j.submit("save it", `#profile button[value="profile"]`)

	j.do("sign-in page", chromedp.WaitVisible(chromedp.CSS("#f-password")))
	j.wantText("h1", "Sign in")
	j.shot("sign-in-again")
	j.do("confirm with the password", chromedp.SetValue(chromedp.CSS("#f-password"), u.Password))
	if ok, _ := chromedp.Run(ctx, chromedp.Evaluate[bool](`!!document.querySelector("#f-identifier")`)); ok {
		j.do("identifier", chromedp.SetValue(chromedp.CSS("#f-identifier"), u.Email))
	}
	j.submit("sign in", `button[name="method"][value="password"]`)

	j.do("back on the profile", chromedp.WaitVisible(chromedp.CSS("#profile #f-traits-email")))
	if got, _ := chromedp.Run(ctx, chromedp.Location()); !strings.Contains(got, "/settings") {
		t.Fatalf("after signing in again the browser is at %s, want the Profile page", got)
	}
	j.do("type the new address again", chromedp.SetValue(chromedp.CSS("#profile #f-traits-email"), moved))
	j.submit("save it", `#profile button[value="profile"]`)
	j.do("profile", chromedp.WaitVisible(chromedp.CSS("#verification .address")))
	j.wantText("#verification .address", moved)
	ids, err := old.IdentitiesByEmail(t.Context(), moved)
	if err != nil || len(ids) != 1 {
		t.Errorf("identities with %s after the change: %d (%v), want 1", moved, len(ids), err)
	}
	// The old address is told, the new one masked.
	wctx, cancel := context.WithTimeout(t.Context(), 30*time.Second)
	defer cancel()
	for {
		msgs, err := old.Mail(wctx, strings.ToLower(u.Email))
		if err == nil && slices.ContainsFunc(msgs, func(m stacktest.Message) bool {
			return strings.Contains(m.Subject, "address was changed") && strings.Contains(m.Text, moved[:1]+"***@contoso-engineering.com")
		}) {
			break
		}
		if wctx.Err() != nil {
			t.Fatalf("the old address %s got no change notice (%d mails, %v)", u.Email, len(msgs), err)
		}
		time.Sleep(200 * time.Millisecond)
	}
}
