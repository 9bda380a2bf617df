package selfserviceui_test

import (
	"context"
	"flag"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/chromedp"

	"github.com/workid/workid/internal/browsertest"
	"github.com/workid/workid/internal/stacktest"
)

var shared = &stacktest.Shared{}

func TestMain(m *testing.M) { shared.Main(m) }

var screenshots = flag.Bool("screenshots", false, "save a screenshot of every page of the journey into docs/screenshots/")

// journey drives one browser through the pages and checks what a person
// would see.
type journey struct {
	t   *testing.T
	ctx context.Context
}

// step bounds one step, so a page that never shows fails in seconds.
func (j *journey) step() (context.Context, context.CancelFunc) {
	return context.WithTimeout(j.ctx, 20*time.Second)
}

func (j *journey) do(what string, actions ...chromedp.Action[chromedp.Void]) {
	j.t.Helper()
	ctx, cancel := j.step()
	defer cancel()
	if err := chromedp.Do(ctx, actions...); err != nil {
		j.t.Fatalf("%s: %v", what, err)
	}
}

// submit clicks a button that sends a form and waits for the next page.
func (j *journey) submit(what, selector string) {
	j.t.Helper()
	ctx, cancel := j.step()
	defer cancel()
	if _, err := chromedp.RunResponse(ctx, chromedp.Click(chromedp.CSS(selector))); err != nil {
		j.t.Fatalf("%s: %v", what, err)
	}
}

func (j *journey) text(selector string) string {
	j.t.Helper()
	ctx, cancel := j.step()
	defer cancel()
	s, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS(selector)))
	if err != nil {
		j.t.Fatalf("read %s: %v", selector, err)
	}
	return s
}

func (j *journey) eval(expr string) []string {
	j.t.Helper()
	v, err := chromedp.Run(j.ctx, chromedp.Evaluate[[]string](expr))
	if err != nil {
		j.t.Fatalf("evaluate %s: %v", expr, err)
	}
	return v
}

func (j *journey) wantText(selector, want string) {
	j.t.Helper()
	if got := j.text(selector); !strings.Contains(got, want) {
		j.t.Fatalf("%s reads %q, want it to contain %q", selector, got, want)
	}
}

// reloadUntil loads url (ready once ready is visible) until selector is
// on the page: what an asynchronous Kratos hook writes shows a moment
// after the browser has moved on.
func (j *journey) reloadUntil(url, ready, selector string) {
	j.t.Helper()
	j.reloadUntilFound(url, ready, `[...document.querySelectorAll(`+strconv.Quote(selector)+`)].map(e => e.innerText)`)
}

// reloadUntilFound loads url (ready once ready is visible) until the
// expression find gives at least one string, and returns them.
func (j *journey) reloadUntilFound(url, ready, find string) []string {
	j.t.Helper()
	for deadline := time.Now().Add(20 * time.Second); ; time.Sleep(200 * time.Millisecond) {
		j.do("load "+url, chromedp.Navigate(url), chromedp.WaitVisible(chromedp.CSS(ready)))
		if found := j.eval(find); len(found) > 0 {
			return found
		}
		if time.Now().After(deadline) {
			j.t.Fatalf("%s never showed what %s finds:\n%s", url, find, j.text("main"))
		}
	}
}

// shot saves a full-page screenshot as docs/screenshots/NAME.png when the
// test runs with -screenshots.
func (j *journey) shot(name string) {
	j.t.Helper()
	png, err := chromedp.Run(j.ctx, chromedp.FullScreenshot(100))
	if err != nil {
		j.t.Fatalf("screenshot %s: %v", name, err)
	}
	if !*screenshots {
		return
	}
	if err := os.WriteFile(filepath.Join("..", "docs", "screenshots", name+".png"), png, 0o644); err != nil {
		j.t.Fatal(err)
	}
}

// askFor makes every request of the browser ask for the languages of an
// Accept-Language header.
func (j *journey) askFor(acceptLanguage string) {
	j.t.Helper()
	for _, err := range []error{
		call(j.ctx, network.Enable, network.EnableParams{}),
		call(j.ctx, network.SetExtraHTTPHeaders, network.SetExtraHTTPHeadersParams{Headers: network.Headers{"Accept-Language": acceptLanguage}}),
	} {
		if err != nil {
			j.t.Fatalf("ask for %s: %v", acceptLanguage, err)
		}
	}
}

func call[P, R any](ctx context.Context, cmd cdp.Command[P, R], params P) error {
	_, err := chromedp.Call(ctx, cmd, params)
	return err
}

func (j *journey) disabledServices() []string {
	return j.eval(`[...document.querySelectorAll("li.service.disabled h3")].map(e => e.textContent)`)
}

func (j *journey) fillRegistration(u stacktest.User) {
	j.do("fill in the registration form",
		chromedp.SetValue(chromedp.CSS("#f-traits-name-first"), u.First),
		chromedp.SetValue(chromedp.CSS("#f-traits-name-last"), u.Last),
		chromedp.SetValue(chromedp.CSS("#f-traits-username"), u.Username),
		chromedp.SetValue(chromedp.CSS("#f-traits-email"), u.Email),
		chromedp.SetValue(chromedp.CSS("#f-password"), u.Password),
	)
}

// lastLink waits for n messages to address and returns the verification
// link of the newest.
func lastLink(t *testing.T, address string, n int) string {
	t.Helper()
	st := shared.Get(t)
	ctx, cancel := context.WithTimeout(t.Context(), 30*time.Second)
	defer cancel()
	msgs, err := st.WaitForMail(ctx, address, n)
	if err != nil {
		t.Fatalf("mail to %s: %v", address, err)
	}
	link, err := msgs[len(msgs)-1].Link(stacktest.VerifyPage)
	if err != nil {
		t.Fatal(err)
	}
	return link
}

// TestJourney is the whole story of a new user, in a real browser.
func TestJourney(t *testing.T) {
	st := shared.Get(t)
	ctx, cancel := context.WithTimeout(browsertest.New(t), 4*time.Minute)
	defer cancel()
	j := &journey{t: t, ctx: ctx}
	u := stacktest.NewUser("gmail.com")

	// 1. A personal address is refused on the email field; nothing else is lost.
	j.do("open registration", chromedp.Navigate(st.UIURL+"/registration"), chromedp.WaitVisible(chromedp.CSS("#f-traits-email")))
	j.shot("registration")
	j.fillRegistration(u)
	j.submit("register with gmail", `button[name="method"][value="password"]`)
	j.wantText("#f-traits-email-msg", "gmail.com is a personal email provider. Please use your work address")
	if got := j.eval(`[document.querySelector("#f-traits-username").value]`); got[0] != u.Username {
		t.Errorf("after the refusal the username field holds %q, want %q kept", got, u.Username)
	}
	j.shot("registration-refused")

	// 2. A business address: signed in, on the dashboard, support disabled.
	u.Email = strings.Replace(u.Email, "@gmail.com", "@northwind-traders.com", 1)
	j.fillRegistration(u)
	j.submit("register with a business address", `button[name="method"][value="password"]`)
	j.do("dashboard", chromedp.WaitVisible(chromedp.CSS("li.service")))
	j.wantText("h1", "Hello, "+u.First)
	j.wantText(".email-state", "Not verified yet")
	if got := j.disabledServices(); strings.Join(got, ",") != "Product support,Premium support,System notifications" {
		t.Errorf("disabled services before verification = %q, want the three that need a verified address", got)
	}
	j.wantText("li.service.disabled .reason", "needs a verified address")
	j.shot("dashboard-unverified")

	// 3. The link in the mail verifies the address.
	// Opening it shows what it does and changes nothing (a mail scanner
	// opens every link); the person's press verifies.
	link := lastLink(t, u.Email, 1)
	j.do("open the verification link", chromedp.Navigate(link), chromedp.WaitVisible(chromedp.CSS("h1")))
	j.wantText("h1", "Verify "+strings.ToLower(u.Email))
	j.shot("verify-press")
	j.do("dashboard before the press", chromedp.Navigate(st.UIURL+"/"), chromedp.WaitVisible(chromedp.CSS("li.service")))
	j.wantText(".email-state", "Not verified yet")
	j.do("open the link again", chromedp.Navigate(link), chromedp.WaitVisible(chromedp.CSS("form button")))
	j.submit("press Verify", "form button")
	j.wantText("h1", "Your email address is verified")
	j.shot("verified")
	j.do("dashboard", chromedp.Navigate(st.UIURL+"/"), chromedp.WaitVisible(chromedp.CSS("li.service")))
	j.wantText(".email-state", "Verified")
	// The verified address formed its company (Kratos's verification
	// hook fed the member index), which has no subscriptions yet; Premium
	// support needs its support subscription.
	j.reloadUntil(st.UIURL+"/", "li.service", "section.company")
	j.wantText(".company", "Your company: northwind-traders.com")
	j.wantText("li.service.disabled .reason", "Your company has no support subscription: ask your company admin.")
	if got := j.disabledServices(); strings.Join(got, ",") != "Premium support" {
		t.Errorf("disabled services after verification = %q, want Premium support only", got)
	}
	j.shot("dashboard-verified")

	// 4. The link works once; opened again it says the address is verified.
	j.do("open the link again", chromedp.Navigate(link), chromedp.WaitVisible(chromedp.CSS("h1")))
	j.wantText("h1", "Your address is already verified")
	j.wantText(".intro", "is already verified (since "+time.Now().UTC().Format("2 January 2006")+")")
	j.shot("link-used")

	// 5. Profile: a personal address is refused; another business address is saved unverified.
	j.do("open the profile", chromedp.Navigate(st.UIURL+"/settings"), chromedp.WaitVisible(chromedp.CSS("#profile #f-traits-email")))
	j.shot("profile")
	j.do("type a free address", chromedp.SetValue(chromedp.CSS("#profile #f-traits-email"), "ann.lee@yahoo.co.uk"))
	j.submit("save a free address", `#profile button[value="profile"]`)
	j.wantText("#profile #f-traits-email-msg", "yahoo.co.uk is a personal email provider")
	j.shot("profile-refused")

	second := strings.Replace(u.Email, "@northwind-traders.com", "@contoso-engineering.com", 1)
	j.do("type a new business address", chromedp.SetValue(chromedp.CSS("#profile #f-traits-email"), second))
	j.submit("save it", `#profile button[value="profile"]`)
	j.do("profile again", chromedp.WaitVisible(chromedp.CSS("#verification")))
	j.wantText("#verification .address", second)
	j.wantText("#verification", "Not verified yet")
	j.do("dashboard", chromedp.Navigate(st.UIURL+"/"), chromedp.WaitVisible(chromedp.CSS("li.service")))
	if got := j.disabledServices(); len(got) != 3 {
		t.Errorf("disabled services after the change = %q, want the three that need a verified address", got)
	}

	// 6. "Send me a verification link", then verify from the new mail.
	j.do("profile", chromedp.Navigate(st.UIURL+"/settings"), chromedp.WaitVisible(chromedp.CSS("#verification button")))
	j.submit("send a link", "#verification button")
	j.wantText(".notice", "We sent a verification link")
	j.shot("link-sent")
	link = lastLink(t, strings.ToLower(second), 2) // the mail on the change, then the one asked for
	j.do("open the new link", chromedp.Navigate(link), chromedp.WaitVisible(chromedp.CSS("form button")))
	j.submit("press Verify", "form button")
	j.wantText("h1", "Your email address is verified")
	j.do("dashboard", chromedp.Navigate(st.UIURL+"/"), chromedp.WaitVisible(chromedp.CSS("li.service")))
	if got := j.disabledServices(); strings.Join(got, ",") != "Premium support" {
		t.Errorf("disabled services after verifying the new address = %q, want Premium support only", got)
	}
	j.wantText(".email-state", "Verified")
}
