package selfserviceui_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/workid/workid/internal/browsertest"
	"github.com/workid/workid/internal/locale"
	"github.com/workid/workid/internal/stacktest"
)

// TestJourneyInGerman is the new user's story in a browser that asks for
// German: the refusal of a personal address, the dashboard, the mail and
// its link all in German; the account keeps the language for its mails,
// and the footer's switch changes it.
func TestJourneyInGerman(t *testing.T) {
	st := shared.Get(t)
	ctx, cancel := context.WithTimeout(browsertest.New(t), 4*time.Minute)
	defer cancel()
	j := &journey{t: t, ctx: ctx}
	c, err := locale.Load("Product", "WorkID")
	if err != nil {
		t.Fatal(err)
	}
	de, en := c.Texts("de"), c.Texts("en")
	u := stacktest.NewUser("gmail.com")

	j.askFor("de-DE,de;q=0.9,en;q=0.5")
	j.do("open registration", chromedp.Navigate(st.UIURL+"/registration"), chromedp.WaitVisible(chromedp.CSS("#f-traits-email")))
	j.wantText("h1", de.T("flow.registration.heading"))
	if got := j.eval(`[document.documentElement.lang]`); got[0] != "de" {
		t.Errorf("the page's lang is %q, want de", got)
	}
	j.fillRegistration(u)
	j.submit("register with gmail", `button[name="method"][value="password"]`)
	j.wantText("#f-traits-email-msg", de.T("kratos.9100012", "domain", "gmail.com"))
	j.shot("registration-refused-de")

	u.Email = strings.Replace(u.Email, "@gmail.com", "@northwind-traders.com", 1)
	j.fillRegistration(u)
	j.submit("register with a business address", `button[name="method"][value="password"]`)
	j.do("dashboard", chromedp.WaitVisible(chromedp.CSS("li.service")))
	j.wantText("h1", de.T("dashboard.hello", "Name", u.First))
	j.wantText(".email-state", de.T("email.unverified"))
	j.wantText("li.service.disabled h3", "Produktsupport")
	j.shot("dashboard-de")

	// The mail is in the language the account was made in, and so is the
	// page its link opens.
	mctx, mcancel := context.WithTimeout(ctx, 30*time.Second)
	msgs, err := st.WaitForMail(mctx, u.Email, 1)
	mcancel()
	if err != nil {
		t.Fatalf("mail to %s: %v", u.Email, err)
	}
	if want := de.T("mail.verification.subject"); msgs[0].Subject != want || !strings.Contains(msgs[0].Text, de.T("mail.hello")) {
		t.Errorf("the verification mail is %q:\n%s\nwant the German %q", msgs[0].Subject, msgs[0].Text, want)
	}
	link, err := msgs[0].Link(stacktest.VerifyPage)
	if err != nil {
		t.Fatal(err)
	}
	j.do("open the verification link", chromedp.Navigate(link), chromedp.WaitVisible(chromedp.CSS("main form button")))
	j.wantText("h1", de.T("confirm.verify_heading", "Address", strings.ToLower(u.Email)))
	j.submit("press the button", "main form button")
	j.wantText("h1", de.T("flow.verified_heading"))
	j.do("dashboard", chromedp.Navigate(st.UIURL+"/"), chromedp.WaitVisible(chromedp.CSS("li.service")))
	j.wantText(".email-state", de.T("email.verified"))

	ids, err := st.IdentitiesByEmail(t.Context(), u.Email)
	if err != nil || len(ids) != 1 {
		t.Fatalf("identities of %s: %d, %v", u.Email, len(ids), err)
	}
	if got := metadataLocale(ids[0].MetadataPublic); got != "de" {
		t.Errorf("the account's language is %q, want de, the one it was made in", got)
	}

	// The switch, pressed on the Profile page: English from now on, for
	// this browser and the account, and back on the same page.
	j.do("profile", chromedp.Navigate(st.UIURL+"/settings"), chromedp.WaitVisible(chromedp.CSS("#verification")))
	j.submit("switch to English", `form.langs button[value="en"]`)
	j.do("profile in English", chromedp.WaitVisible(chromedp.CSS("#verification")))
	j.wantText("h1", en.T("settings.title"))
	if got := j.eval(`[location.pathname]`); got[0] != "/settings" {
		t.Errorf("the switch went to %q, want back to the Profile page", got)
	}
	if got := accountLocale(t, st, ids[0].Id); got != "en" {
		t.Errorf("after the switch the account's language is %q, want en", got)
	}

	// Pressed while signed out, the switch reaches the account at the
	// next sign-in: its mails follow the pages again.
	j.submit("sign out", `form.signout button`)
	j.do("the sign-out page", chromedp.WaitVisible(chromedp.CSS("main form button")))
	j.submit("confirm", "main form button")
	j.do("sign-in page", chromedp.WaitVisible(chromedp.CSS("#f-identifier")))
	j.submit("switch to Spanish", `form.langs button[value="es"]`)
	j.do("sign-in page in Spanish", chromedp.WaitVisible(chromedp.CSS("#f-identifier")))
	j.do("fill in", chromedp.SetValue(chromedp.CSS("#f-identifier"), u.Email), chromedp.SetValue(chromedp.CSS("#f-password"), u.Password))
	j.submit("sign in", `button[name="method"][value="password"]`)
	j.do("dashboard", chromedp.WaitVisible(chromedp.CSS("li.service")))
	if got := accountLocale(t, st, ids[0].Id); got != "es" {
		t.Errorf("after a switch while signed out and a sign-in, the account's language is %q, want es", got)
	}
}

func accountLocale(t *testing.T, st *stacktest.Stack, id string) string {
	t.Helper()
	ident, err := st.Identity(t.Context(), id)
	if err != nil {
		t.Fatal(err)
	}
	return metadataLocale(ident.MetadataPublic)
}

func metadataLocale(meta any) string {
	m, _ := meta.(map[string]any)
	code, _ := m[locale.MetadataKey].(string)
	return code
}
