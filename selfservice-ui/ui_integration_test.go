package selfserviceui_test

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/workid/workid/internal/reverify"
	"github.com/workid/workid/internal/stacktest"
	selfserviceui "github.com/workid/workid/selfservice-ui"
)

// A flow that expired or never existed starts again, with a short note.
func TestUnknownFlowStartsAgain(t *testing.T) {
	st := shared.Get(t)
	before := st.UIReplicas[0].Metrics(t)
	b := stacktest.NewPageBrowser(t)
	final, status, body := b.Get(st.UIURL + "/registration?flow=8a0c3a5e-1f0e-4e5b-9a4e-2b1d7d3f9c10")
	if status != http.StatusOK || final.Query().Get("flow") == "8a0c3a5e-1f0e-4e5b-9a4e-2b1d7d3f9c10" || !strings.Contains(body, "Create your WorkID account") {
		t.Fatalf("unknown flow ended at %s (%d), want a new registration flow", final, status)
	}
	if !strings.Contains(body, "That page had expired, so we started it again") {
		t.Error("the new flow does not say why the page started again")
	}
	if _, _, again := b.Get(final.String()); strings.Contains(again, "That page had expired") {
		t.Error("the note shows a second time")
	}
	// One restart, then the new flow rendered twice.
	const restarted, rendered = `workid_ui_flows_failed_total{flow="registration",outcome="restarted"}`, `workid_ui_flows_rendered_total{flow="registration"}`
	st.UIReplicas[0].Metrics(t).Want(t, map[string]float64{
		restarted: before[restarted] + 1,
		rendered:  before[rendered] + 2,
	})
}

// Pages that need a session send the browser to sign in first, and the
// Profile page's sign-in leads back to it.
func TestSignInRequired(t *testing.T) {
	st := shared.Get(t)
	for path, wantReturn := range map[string]string{"/": "", "/settings": "/settings"} {
		b := stacktest.NewPageBrowser(t)
		final, status, body := b.Get(st.UIURL + path)
		if status != http.StatusOK || final.Path != "/login" || !strings.Contains(body, "Sign in to WorkID") {
			t.Errorf("GET %s without a session ended at %s (%d), want the sign-in page", path, final, status)
			continue
		}
		if wantReturn == "" {
			continue
		}
		// The login flow Kratos made carries where to go afterwards.
		req, _ := http.NewRequest(http.MethodGet, st.KratosPublicURL+"/self-service/login/flows?id="+final.Query().Get("flow"), nil)
		req.Header.Set("Accept", "application/json")
		resp, err := b.Client.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		raw, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if !strings.Contains(string(raw), `"return_to":"`+st.UIURL+wantReturn) {
			t.Errorf("GET %s: the login flow does not return there: %s", path, raw)
		}
	}
}

// A browser whose only cookie is WorkID's own (no Kratos cookie) gets the
// cookies page, not a loop of restarts.
func TestOnlyWorkIDCookie(t *testing.T) {
	st := shared.Get(t)
	c := &http.Client{Timeout: 30 * time.Second}
	req, _ := http.NewRequest(http.MethodGet, st.UIURL+"/login", nil)
	req.Header.Set("Cookie", "workid_notice=expired")
	resp, err := c.Do(req)
	if err != nil {
		t.Fatalf("GET /login with only the notice cookie: %v", err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusBadRequest {
		t.Errorf("status %d, want 400 with the cookies page", resp.StatusCode)
	}
}

// A browser that keeps no cookies is told so, not sent round in circles.
func TestNoCookies(t *testing.T) {
	st := shared.Get(t)
	c := &http.Client{Timeout: 30 * time.Second}
	resp, err := c.Get(st.UIURL + "/login")
	if err != nil {
		t.Fatalf("GET /login without cookies: %v", err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusBadRequest || !strings.Contains(string(body), "Please allow cookies") {
		t.Errorf("without cookies: %d, want 400 with the cookies page", resp.StatusCode)
	}
}

func TestSecurityHeaders(t *testing.T) {
	st := shared.Get(t)
	b := stacktest.NewPageBrowser(t)
	resp, err := b.Client.Get(st.UIURL + "/login")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	h := resp.Header
	csp := h.Get("Content-Security-Policy")
	for _, want := range []string{"default-src 'self'", "frame-ancestors 'none'", "'nonce-", "object-src 'none'", "form-action 'self' " + st.EdgeURL + ";"} {
		if !strings.Contains(csp, want) {
			t.Errorf("CSP %q lacks %q", csp, want)
		}
	}
	if strings.Contains(csp, "unsafe-inline") || strings.Contains(csp, "unsafe-eval") {
		t.Errorf("CSP %q allows inline code", csp)
	}
	for k, want := range map[string]string{"Referrer-Policy": "same-origin", "Cache-Control": "no-store", "X-Content-Type-Options": "nosniff", "X-Frame-Options": "DENY"} {
		if got := h.Get(k); got != want {
			t.Errorf("%s = %q, want %q", k, got, want)
		}
	}
}

// "Send me a verification link": once a minute at most, and never from
// another site.
func TestSendLinkLimits(t *testing.T) {
	st := shared.Get(t)
	before := st.UIReplicas[0].Metrics(t)
	b := stacktest.NewPageBrowser(t)
	u := stacktest.NewUser("tailspin-aviation.com")
	final, status, body := b.Register(st.UIURL, u)
	if status != http.StatusOK || final.Path != "/" || !strings.Contains(body, "Hello, "+u.First) {
		t.Fatalf("registration ended at %s (%d), want the dashboard", final, status)
	}
	send := func(header http.Header) (int, string) {
		_, status, body := b.Post(st.UIURL+"/verification/send", nil, header)
		return status, body
	}
	if status, body := send(nil); status != http.StatusOK || !strings.Contains(body, "We sent a verification link") {
		t.Fatalf("first send: %d, want the sent note; page:\n%s", status, body)
	}
	if status, body := send(nil); status != http.StatusOK || !strings.Contains(body, "Please wait a minute") {
		t.Errorf("second send within a minute: %d, want the limit note", status)
	}
	// Eight at once from the same account: the limit holds.
	var wg sync.WaitGroup
	for range 8 {
		wg.Go(func() { _, _ = send(nil) })
	}
	wg.Wait()
	// Every mail a request asked for is queued when it returns.
	if n, err := st.Queued(t.Context(), u.Email); err != nil || n != 2 {
		t.Errorf("mails queued for %s = %d (%v), want 2 (Kratos's on registration and one of ours)", u.Email, n, err)
	}
	wctx, cancel := context.WithTimeout(t.Context(), 20*time.Second)
	defer cancel()
	if _, err := st.WaitForMail(wctx, u.Email, 2); err != nil {
		t.Errorf("the two mails to %s were not delivered: %v", u.Email, err)
	}
	const sent, limited = `workid_ui_verification_link_requests_total{outcome="sent"}`, `workid_ui_verification_link_requests_total{outcome="limited"}`
	st.UIReplicas[0].Metrics(t).Want(t, map[string]float64{
		sent:    before[sent] + 1,
		limited: before[limited] + 9,
	})
	if status, body := send(http.Header{"Origin": {"https://evil.example"}, "Sec-Fetch-Site": {"cross-site"}}); status != http.StatusForbidden || !strings.Contains(body, "This form came from another site") {
		t.Errorf("send from another site: %d, want 403 with a page that says why:\n%s", status, body)
	}
}

// With the hooks server down, the user reads a plain sentence, never
// Kratos's text with the hook's internal URL, and nothing is saved.
func TestHooksDownPage(t *testing.T) {
	down, err := stacktest.Start(t.Context(), stacktest.Options{NoHooks: true})
	if err != nil {
		t.Fatal(err)
	}
	defer down.Close()
	b := stacktest.NewPageBrowser(t)
	u := stacktest.NewUser("fabrikam-logistics.com")
	final, status, body := b.Register(down.UIURL, u)
	if final.Path != "/error" || status != http.StatusServiceUnavailable {
		t.Errorf("registration with the hooks down ended at %s (%d), want /error with 503", final, status)
	}
	if !strings.Contains(body, "We could not check your email address right now. Please try again in a minute.") {
		t.Errorf("the page does not say what happened:\n%s", body)
	}
	for _, leak := range []string{"/hooks/registration", down.HooksURL, "dial tcp", "giving up"} {
		if strings.Contains(body, leak) {
			t.Errorf("the page shows %q", leak)
		}
	}
	ids, err := down.IdentitiesByEmail(t.Context(), u.Email)
	if err != nil || len(ids) != 0 {
		t.Errorf("identities saved for %s: %d (%v), want none", u.Email, len(ids), err)
	}
}

// After the yearly re-verification expires an address, the dashboard says
// so, with the date the new link went out, and pauses the services that
// need email.
func TestDashboardAfterExpiry(t *testing.T) {
	st := shared.Get(t)
	u := st.NewVerifiedUser(t, "woodgrove-partners.com", time.Now().AddDate(0, 0, -400))
	b := stacktest.NewPageBrowser(t)
	final, _, body := b.SignIn(st.UIURL+"/login", u)
	if final.Path != "/" || !strings.Contains(body, "Hello, "+u.First) {
		t.Fatalf("sign-in ended at %s, want the dashboard", final)
	}
	// Past its year but before the job ran: already shown as expired.
	if !strings.Contains(body, "Expired") {
		t.Errorf("a 400-day-old verification is not shown as expired before the job runs")
	}

	job := reverify.New(st.Admin, st.Public, reverify.Options{SendsPerSecond: 100},
		reverify.FileLock{Path: filepath.Join(t.TempDir(), "lock")}, slog.New(slog.NewTextHandler(io.Discard, nil)))
	if r, err := job.RunOnce(t.Context()); err != nil || r.Notified < 1 {
		t.Fatalf("re-verification pass: %+v, %v", r, err)
	}
	_, _, body = b.Get(st.UIURL + "/")
	for _, want := range []string{"Expired", "a verification lasts one year", "We sent a new link to " + strings.ToLower(u.Email), "Your verification expired after one year"} {
		if !strings.Contains(body, want) {
			t.Errorf("the dashboard after expiry lacks %q", want)
		}
	}
	if !strings.Contains(body, `class="service disabled"`) {
		t.Error("no service is disabled after the expiry")
	}
}

// A link that Kratos could not be reached to send is not counted: with
// Kratos's public API down, every press says it failed, none is limited,
// so the user may press again as soon as Kratos is back.
func TestSendLinkNotSentIsNotCounted(t *testing.T) {
	st := shared.Get(t)
	reg, err := st.Register(t.Context(), stacktest.NewUser("acme-widgets.com"))
	if err != nil {
		t.Fatal(err)
	}
	got := selfserviceui.PressSend(t, selfserviceui.DeadURL(t), st.KratosAdminURL, reg.Identity.Id, 3)
	if !slices.Equal(got, []string{"failed", "failed", "failed"}) {
		t.Errorf("three presses with Kratos unreachable: %v, want three failures and no limit", got)
	}
}

// A sign-in asked to send the browser on to a site WorkID does not know
// is refused by Kratos, and the page says that, not "start again".
func TestForbiddenReturnToSaysSo(t *testing.T) {
	st := shared.Get(t)
	b := stacktest.NewPageBrowser(t)
	final, status, body := b.Get(st.UIURL + "/self-service/login/browser?return_to=https%3A%2F%2Fevil.example%2F")
	if status != http.StatusBadRequest || final.Path != "/error" || !strings.Contains(body, "We did not follow that link") {
		t.Errorf("a sign-in returning to evil.example ended at %s (%d), want the error page that says why:\n%s", final, status, body)
	}
	if strings.Contains(body, "evil.example") {
		t.Error("the page prints the address it refused")
	}
}

// A malformed address Kratos's own format check refuses gets the rule's
// reason on the field, as the hooks would give it, not a general one.
func TestMalformedAddressSaysWhy(t *testing.T) {
	st := shared.Get(t)
	for address, want := range map[string]string{
		"ann@@acme-widgets.com": "An email address has exactly one @",
		".ann@acme-widgets.com": "The part before the @ is not valid",
	} {
		b := stacktest.NewPageBrowser(t)
		u := stacktest.NewUser("acme-widgets.com")
		u.Email = address
		if final, _, body := b.Register(st.UIURL, u); final.Path != "/registration" || !strings.Contains(body, want) {
			t.Errorf("registering as %s ended at %s, want the form again saying %q", address, final, want)
		}
	}
}

// Five links a day, a minute apart at least: the sixth press of the day
// says the day's limit is reached, not "wait a minute".
func TestSendLinkDayLimitSaysSo(t *testing.T) {
	st := shared.Get(t)
	reg, err := st.Register(t.Context(), stacktest.NewUser("acme-widgets.com"))
	if err != nil {
		t.Fatal(err)
	}
	got := selfserviceui.PressSendEvery(t, st.KratosPublicURL, st.KratosAdminURL, reg.Identity.Id, 6, 61*time.Second)
	want := []string{"sent", "sent", "sent", "sent", "sent", "limited-day"}
	if !slices.Equal(got, want) {
		t.Errorf("six presses 61 s apart: %v, want %v", got, want)
	}
}

// A press whose answer from Kratos was lost counts when the link may
// have gone out. The submission's answer lost: the press says it could
// not confirm the link, the next one is limited, and the mail arrives
// all the same. The flow's start lost: nothing was sent, every press
// fails and none is limited.
func TestSendLinkWhoseAnswerIsLost(t *testing.T) {
	st := shared.Get(t)
	for _, tc := range []struct {
		name   string
		lose   func(*http.Request) bool
		want   []string
		lost   int32
		mailed bool
	}{
		{"the submission's", stacktest.VerificationSubmit, []string{"unconfirmed", "limited"}, 1, true},
		{"the flow's start", stacktest.VerificationStart, []string{"failed", "failed"}, 2, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			u := stacktest.NewUser("acme-widgets.com")
			reg, err := st.Register(t.Context(), u)
			if err != nil {
				t.Fatal(err)
			}
			address := strings.ToLower(u.Email)
			before, err := st.WaitForMail(t.Context(), address, 1)
			if err != nil {
				t.Fatal(err)
			}
			proxyURL, lost := stacktest.LosingProxy(t, st.KratosPublicURL, tc.lose)
			if got := selfserviceui.PressSend(t, proxyURL, st.KratosAdminURL, reg.Identity.Id, 2); !slices.Equal(got, tc.want) {
				t.Errorf("two presses with %s answer lost: %v, want %v", tc.name, got, tc.want)
			}
			if n := lost.Load(); n != tc.lost {
				t.Errorf("%d answers lost, want %d", n, tc.lost)
			}
			if !tc.mailed {
				return
			}
			ctx, cancel := context.WithTimeout(t.Context(), 30*time.Second)
			defer cancel()
			if _, err := st.WaitForMail(ctx, address, len(before)+1); err != nil {
				t.Errorf("the link of the press whose answer was lost: %v (it counts because it may go out)", err)
			}
		})
	}
}
