package hooks_test

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	kratos "github.com/ory/kratos-client-go"

	"github.com/workid/workid/internal/stacktest"
)

// These tests run the real Kratos, whose courier hands every mail to the
// hooks server, which sends it to the real Mailpit.

// sendByAPI starts a flow on Kratos's public API and asks it to mail
// address, with no session, as a script could.
func sendByAPI(ctx context.Context, st *stacktest.Stack, kind, address string, payload map[string]any) error {
	switch kind {
	case "verification":
		f, _, err := st.Public.FrontendAPI.CreateNativeVerificationFlow(ctx).Execute()
		if err != nil {
			return err
		}
		body := kratos.UpdateVerificationFlowWithLinkMethodAsUpdateVerificationFlowBody(&kratos.UpdateVerificationFlowWithLinkMethod{Method: "link", Email: address, TransientPayload: payload})
		_, _, err = st.Public.FrontendAPI.UpdateVerificationFlow(ctx).Flow(f.Id).UpdateVerificationFlowBody(body).Execute()
		return err
	case "recovery":
		f, _, err := st.Public.FrontendAPI.CreateNativeRecoveryFlow(ctx).Execute()
		if err != nil {
			return err
		}
		body := kratos.UpdateRecoveryFlowWithLinkMethodAsUpdateRecoveryFlowBody(kratos.NewUpdateRecoveryFlowWithLinkMethod(address, "link"))
		_, _, err = st.Public.FrontendAPI.UpdateRecoveryFlow(ctx).Flow(f.Id).UpdateRecoveryFlowBody(body).Execute()
		return err
	}
	return fmt.Errorf("no such mail %q", kind)
}

// courierDone waits until Kratos's courier has handed over every message
// to address (none queued or in progress).
func courierDone(t *testing.T, address string) {
	t.Helper()
	st := shared.Get(t)
	ctx, cancel := context.WithTimeout(t.Context(), time.Minute)
	defer cancel()
	for {
		pending := 0
		for _, s := range []kratos.CourierMessageStatus{kratos.COURIERMESSAGESTATUS_QUEUED, kratos.COURIERMESSAGESTATUS_PROCESSING} {
			msgs, _, err := st.Admin.CourierAPI.ListCourierMessages(ctx).Recipient(strings.ToLower(address)).Status(s).PageSize(100).Execute()
			if err != nil {
				t.Fatalf("list courier messages: %v", err)
			}
			pending += len(msgs)
		}
		if pending == 0 {
			return
		}
		select {
		case <-ctx.Done():
			t.Fatalf("%d messages to %s still queued after a minute", pending, address)
		case <-time.After(200 * time.Millisecond):
		}
	}
}

// Twenty parallel calls to Kratos's public verification and recovery
// APIs for one address mail at most the limit, and a forged "expired"
// payload gets the ordinary text.
func TestPublicAPIFloodMailsAtMostTheLimit(t *testing.T) {
	st := shared.Get(t)
	ctx := t.Context()
	u := stacktest.NewUser("acme-widgets.com")
	if _, err := st.CreateIdentity(ctx, u); err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct {
		kind  string
		limit int
	}{{"verification", 8}, {"recovery", 1}} {
		var wg sync.WaitGroup
		errs := make(chan error, 20)
		for range 20 {
			wg.Go(func() { errs <- sendByAPI(ctx, st, tt.kind, u.Email, map[string]any{"reason": "expired"}) })
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			if err != nil {
				t.Fatalf("%s by API: %v", tt.kind, err)
			}
		}
		courierDone(t, u.Email)
	}
	msgs, err := st.Mail(ctx, strings.ToLower(u.Email))
	if err != nil {
		t.Fatal(err)
	}
	var verification, recovery int
	for _, m := range msgs {
		switch {
		case strings.Contains(m.Subject, "verify"):
			verification++
		case strings.Contains(m.Subject, "password"):
			recovery++
		}
		if strings.Contains(m.Subject+m.Text, "expired") {
			t.Errorf("a forged reason=expired payload mailed the expiry text: %q", m.Subject)
		}
	}
	if verification != 8 || recovery != 1 || len(msgs) != 9 {
		t.Errorf("40 API calls mailed %d verifications and %d recoveries (%d in all), want the limits: 8 and 1", verification, recovery, len(msgs))
	}
}

// A scanner's GET of a recovery link signs nobody in; the person's press
// does, and ends the account's other sessions.
func TestRecoveryLinkNeedsThePressAndEndsOtherSessions(t *testing.T) {
	st := shared.Get(t)
	ctx := t.Context()
	u := stacktest.NewUser("acme-widgets.com")
	if _, err := st.CreateIdentity(ctx, u); err != nil {
		t.Fatal(err)
	}
	other, err := st.Login(ctx, u.Username, u.Password)
	if err != nil {
		t.Fatal(err)
	}
	if err := sendByAPI(ctx, st, "recovery", u.Email, nil); err != nil {
		t.Fatal(err)
	}
	wctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	msgs, err := st.WaitForMail(wctx, strings.ToLower(u.Email), 1)
	if err != nil {
		t.Fatal(err)
	}
	link, err := msgs[0].Link(stacktest.RecoverPage)
	if err != nil {
		t.Fatal(err)
	}
	scanned, err := st.Follow(ctx, link)
	if err != nil {
		t.Fatal(err)
	}
	if c := sessionCookie(t, scanned.Jar); c != "" {
		t.Fatal("a GET of the recovery link got a session: a scanner would be signed in")
	}
	if !strings.Contains(scanned.Body, "Reset your password") || !strings.Contains(scanned.Body, strings.ToLower(u.Email)) {
		t.Errorf("the recovery link's page does not say what it does for %s", u.Email)
	}
	if _, err := st.Whoami(ctx, other); err != nil {
		t.Fatalf("the scanner's GET ended the account's session: %v", err)
	}

	pressed, err := st.Press(ctx, link)
	if err != nil {
		t.Fatal(err)
	}
	if c := sessionCookie(t, pressed.Jar); c == "" {
		t.Fatalf("the press on the recovery page signed nobody in (ended at %s)", pressed.Final)
	}
	if !strings.HasPrefix(pressed.Final.String(), st.UIURL+"/settings") {
		t.Errorf("the press ended at %s, want the Profile page to set a password", pressed.Final)
	}
	if _, err := st.Whoami(ctx, other); err == nil {
		t.Error("a session from before the recovery still works, want it ended")
	}
}

func sessionCookie(t *testing.T, jar http.CookieJar) string {
	t.Helper()
	st := shared.Get(t)
	u, err := url.Parse(st.KratosPublicURL)
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range jar.Cookies(u) {
		if c.Name == "ory_kratos_session" {
			return c.Value
		}
	}
	return ""
}

// An email change tells the old address and ends every other session; a
// password change ends them too.
func TestChangesEndOtherSessions(t *testing.T) {
	st, ctx := shared.Get(t), t.Context()
	u, mine := registered(t)
	copied, err := st.Login(ctx, u.Username, u.Password)
	if err != nil {
		t.Fatal(err)
	}
	// The registration's link names the address while it is the
	// account's (and again below, after the change, names none).
	first := waitForSubject(t, u.Email, "verify")
	link, err := first.Link(stacktest.VerifyPage)
	if err != nil {
		t.Fatal(err)
	}
	if opened, err := st.Follow(ctx, link); err != nil || !strings.Contains(opened.Body, "Verify "+strings.ToLower(u.Email)) {
		t.Fatalf("the registration's link before the change does not name %s (%v)", u.Email, err)
	}
	traits := u.Traits()
	moved := strings.Replace(u.Email, "@acme-widgets.com", "@contoso-engineering.com", 1)
	traits["email"] = moved
	if _, err := st.UpdateProfile(ctx, mine, traits); err != nil {
		t.Fatalf("change the email: %v", err)
	}
	notice := waitForSubject(t, u.Email, "address was changed")
	masked := string(moved[0]) + "***@contoso-engineering.com"
	if !strings.Contains(notice.Subject, "address was changed") || !strings.Contains(notice.Text, masked) {
		t.Errorf("the old address got %q, want the change notice naming %s:\n%s", notice.Subject, masked, notice.Text)
	}
	if strings.Contains(notice.Text, moved) {
		t.Error("the notice prints the new address in full, want it masked")
	}
	// Nor does the link mailed at registration, opened from the old
	// mailbox after the change: its page names no address.
	opened, err := st.Follow(ctx, link)
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(strings.ToLower(opened.Body), strings.ToLower(moved)) || !strings.Contains(opened.Body, "Verify your email address") {
		t.Errorf("the registration's link, opened after the change, names the new address or nothing sensible:\n%s", opened.Body)
	}
	// Through the API, Kratos tells the hook no session token: every
	// session ends. (A browser keeps its own: TestJourney goes on after
	// its email change.)
	waitSessionEnded(t, copied, "an email change")
	waitSessionEnded(t, mine, "an email change through the API")

	mine, err = st.Login(ctx, u.Username, u.Password)
	if err != nil {
		t.Fatal(err)
	}
	copied, err = st.Login(ctx, u.Username, u.Password)
	if err != nil {
		t.Fatal(err)
	}
	if err := changePassword(ctx, st, mine, u.Password+"-and-more"); err != nil {
		t.Fatalf("change the password: %v", err)
	}
	waitSessionEnded(t, copied, "a password change")
	if _, err := st.Whoami(ctx, mine); err != nil {
		t.Errorf("the session that changed the password was ended too: %v", err)
	}
}

// waitForSubject waits for a mail to address whose subject holds part.
// (The verification mailed at registration may never come: once the
// address changed, the mail to the old one is held back.)
func waitForSubject(t *testing.T, address, part string) stacktest.Message {
	t.Helper()
	st := shared.Get(t)
	deadline := time.Now().Add(30 * time.Second)
	for {
		msgs, err := st.Mail(t.Context(), strings.ToLower(address))
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range msgs {
			if strings.Contains(m.Subject, part) {
				return m
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("no mail to %s with %q in its subject within 30 s (%d others)", address, part, len(msgs))
		}
		time.Sleep(200 * time.Millisecond)
	}
}

// waitSessionEnded waits for a session to be refused: the email change
// ends sessions from a hook Kratos does not wait for.
func waitSessionEnded(t *testing.T, token, after string) {
	t.Helper()
	st := shared.Get(t)
	deadline := time.Now().Add(15 * time.Second)
	for {
		if _, err := st.Whoami(t.Context(), token); err != nil {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("a session copied before %s still works 15 s later, want it ended", after)
		}
		time.Sleep(200 * time.Millisecond)
	}
}

func changePassword(ctx context.Context, st *stacktest.Stack, token, password string) error {
	flow, _, err := st.Public.FrontendAPI.CreateNativeSettingsFlow(ctx).XSessionToken(token).Execute()
	if err != nil {
		return err
	}
	body := kratos.UpdateSettingsFlowWithPasswordMethodAsUpdateSettingsFlowBody(kratos.NewUpdateSettingsFlowWithPasswordMethod("password", password))
	_, _, err = st.Public.FrontendAPI.UpdateSettingsFlow(ctx).Flow(flow.Id).XSessionToken(token).UpdateSettingsFlowBody(body).Execute()
	return err
}

// The limits are the recipient's, not the account's: an account made,
// used up and moved away from the address gives the next account with
// that address no fresh allowance.
func TestLimitsOutliveTheAccount(t *testing.T) {
	st := shared.Get(t)
	ctx := t.Context()
	u := stacktest.NewUser("acme-widgets.com")
	first, err := st.CreateIdentity(ctx, u)
	if err != nil {
		t.Fatal(err)
	}
	for range 8 {
		if err := sendByAPI(ctx, st, "verification", u.Email, nil); err != nil {
			t.Fatal(err)
		}
	}
	courierDone(t, u.Email)
	moved := strings.Replace(u.Email, "@", ".moved@", 1)
	patch := []kratos.JsonPatch{{Op: "replace", Path: "/traits/email", Value: moved}}
	if _, _, err := st.Admin.IdentityAPI.PatchIdentity(ctx, first.Id).JsonPatch(patch).Execute(); err != nil {
		t.Fatalf("move the first account away: %v", err)
	}
	second := u
	second.Username += "2"
	if _, err := st.CreateIdentity(ctx, second); err != nil {
		t.Fatal(err)
	}
	for range 4 {
		if err := sendByAPI(ctx, st, "verification", u.Email, nil); err != nil {
			t.Fatal(err)
		}
	}
	courierDone(t, u.Email)
	msgs, err := st.Mail(ctx, strings.ToLower(u.Email))
	if err != nil {
		t.Fatal(err)
	}
	if len(msgs) != 8 {
		t.Errorf("%s received %d mails through two accounts, want the limit of 8", u.Email, len(msgs))
	}
}

// Email-change notices are limited to ten a day per account, counted in
// WorkID's database: the eleventh change in a day is held back, not
// announced again.
func TestEmailChangeNoticesAreLimited(t *testing.T) {
	st, ctx := shared.Get(t), t.Context()
	u, token := registered(t)
	const sent, held = `workid_mail_sent_total{kind="email_changed"}`, `workid_mail_held_total{kind="email_changed",reason="limit"}`
	hooks := st.HooksReplicas[0]
	before := hooks.Metrics(t)
	addresses := []string{u.Email, strings.Replace(u.Email, "@acme-widgets.com", "@contoso-engineering.com", 1)}
	for i := 1; i <= 11; i++ {
		traits := u.Traits()
		traits["email"] = addresses[i%2]
		if _, err := st.UpdateProfile(ctx, token, traits); err != nil {
			t.Fatalf("change %d of the email: %v", i, err)
		}
		// Every change through the API ends every session, from a hook
		// Kratos does not wait for: sign in again once it has.
		waitSessionEnded(t, token, fmt.Sprintf("change %d", i))
		var err error
		if token, err = st.Login(ctx, u.Username, u.Password); err != nil {
			t.Fatal(err)
		}
	}
	deadline := time.Now().Add(30 * time.Second)
	for {
		now := hooks.Metrics(t)
		s, h := now[sent]-before[sent], now[held]-before[held]
		if s == 10 && h == 1 {
			break
		}
		if s > 10 || h > 1 || time.Now().After(deadline) {
			t.Fatalf("after 11 changes: %v notices sent and %v held for the limit, want 10 and 1", s, h)
		}
		time.Sleep(200 * time.Millisecond)
	}
	for _, a := range addresses {
		if msgs, err := st.Mail(ctx, strings.ToLower(a)); err != nil {
			t.Fatal(err)
		} else if n := countSubject(msgs, "address was changed"); n != 5 {
			t.Errorf("%s got %d change notices, want 5 (each of the ten went to the address before the change)", a, n)
		}
	}
}

func countSubject(msgs []stacktest.Message, part string) (n int) {
	for _, m := range msgs {
		if strings.Contains(m.Subject, part) {
			n++
		}
	}
	return n
}

// registered registers a new user at acme-widgets.com through Kratos's
// API and returns it with its session token.
func registered(t *testing.T) (stacktest.User, string) {
	t.Helper()
	u := stacktest.NewUser("acme-widgets.com")
	reg, err := shared.Get(t).Register(t.Context(), u)
	if err != nil {
		t.Fatal(err)
	}
	return u, reg.SessionToken
}
