package stacktest_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/workid/workid/internal/stacktest"
)

var shared = &stacktest.Shared{}

func TestMain(m *testing.M) { shared.Main(m) }

// A registration through the API signs the user in, and a verification
// email with a working single-use link reaches Mailpit within 20 seconds.
func TestRegistrationSignsInAndSendsASingleUseLink(t *testing.T) {
	st := shared.Get(t)
	ctx := t.Context()
	u := stacktest.NewUser("northwind-traders.com")
	reg, err := st.Register(ctx, u)
	if err != nil {
		t.Fatalf("Register(%s) = %v, want success", u.Email, err)
	}
	if reg.SessionToken == "" {
		t.Fatal("registration returned no session token: the session hook is not configured")
	}
	sess, err := st.Whoami(ctx, reg.SessionToken)
	if err != nil {
		t.Fatalf("Whoami(new session) = %v, want an active session", err)
	}
	if got := sess.Identity.Traits.(map[string]any)["email"]; got != u.Email {
		t.Errorf("session identity email = %v, want %s", got, u.Email)
	}
	addr := reg.Identity.VerifiableAddresses[0]
	if addr.Verified || addr.Status != "sent" {
		t.Errorf("new address verified=%v status=%q, want false and %q", addr.Verified, addr.Status, "sent")
	}

	wctx, cancel := context.WithTimeout(ctx, 20*time.Second)
	defer cancel()
	msgs, err := st.WaitForMail(wctx, u.Email, 1)
	if err != nil {
		t.Fatalf("no verification email within 20 s: %v", err)
	}
	if len(msgs) != 1 {
		t.Fatalf("got %d messages to %s, want exactly 1", len(msgs), u.Email)
	}
	if got := msgs[0].Subject; got != "Please verify your work email address" {
		t.Errorf("subject = %q, want WorkID's text (internal/mail)", got)
	}
	if !strings.Contains(msgs[0].Read(), "open the link and press “Verify”") {
		t.Errorf("plain-text body lacks WorkID's text:\n%s", msgs[0].Text)
	}
	link, err := msgs[0].Link(stacktest.VerifyPage)
	if err != nil {
		t.Fatal(err)
	}

	// A mail scanner opens every link: a cookie-less GET and a HEAD of it
	// change nothing.
	if _, err := st.Follow(ctx, link); err != nil {
		t.Fatal(err)
	}
	if resp, err := st.HTTP.Head(link); err != nil {
		t.Fatal(err)
	} else {
		resp.Body.Close()
	}
	if ident, err := st.Identity(ctx, reg.Identity.Id); err != nil {
		t.Fatal(err)
	} else if a := ident.VerifiableAddresses[0]; a.Verified {
		t.Fatalf("a GET and a HEAD of the mailed link verified the address (verified_at %v): a scanner would", a.VerifiedAt)
	}

	// The person's press on the page's button verifies it.
	f, err := st.Press(ctx, link)
	if err != nil {
		t.Fatal(err)
	}
	ident, err := st.Identity(ctx, reg.Identity.Id)
	if err != nil {
		t.Fatal(err)
	}
	got := ident.VerifiableAddresses[0]
	if !got.Verified || got.VerifiedAt == nil {
		t.Fatalf("after following the link: verified=%v verified_at=%v, want true and a time (hops %v)", got.Verified, got.VerifiedAt, f.Hops)
	}
	if age := time.Since(*got.VerifiedAt); age < 0 || age > time.Minute {
		t.Errorf("verified_at = %v, want about now", got.VerifiedAt)
	}
	if !strings.HasPrefix(f.Final.String(), st.UIURL+"/") {
		t.Errorf("the link ended at %s, want a page of the UI (%s)", f.Final, st.UIURL)
	}

	// Opened again, the link says the address is verified, and since when:
	// not "this link cannot be used", not "send a new link".
	again, err := st.Follow(ctx, link)
	if err != nil {
		t.Fatal(err)
	}
	want := stacktest.AlreadyVerified(u.Email, *got.VerifiedAt)
	if !strings.Contains(again.Body, want) || strings.Contains(again.Body, "new link") {
		t.Errorf("second opening of the link: the page does not say %q:\n%s", want, again.Body)
	}
}

// AgeVerification moves verified_at into the past, as the re-verification
// tests need.
func TestAgeVerification(t *testing.T) {
	st := shared.Get(t)
	ctx := t.Context()
	u := stacktest.NewUser("contoso-engineering.com")
	reg, err := st.Register(ctx, u)
	if err != nil {
		t.Fatal(err)
	}
	wctx, cancel := context.WithTimeout(ctx, 20*time.Second)
	defer cancel()
	msgs, err := st.WaitForMail(wctx, u.Email, 1)
	if err != nil {
		t.Fatal(err)
	}
	link, err := msgs[0].Link(stacktest.VerifyPage)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := st.Press(ctx, link); err != nil {
		t.Fatal(err)
	}

	want := time.Now().Add(-400 * 24 * time.Hour).UTC().Truncate(time.Second)
	if err := st.AgeVerification(ctx, reg.Identity.Id, want); err != nil {
		t.Fatal(err)
	}
	ident, err := st.Identity(ctx, reg.Identity.Id)
	if err != nil {
		t.Fatal(err)
	}
	got := ident.VerifiableAddresses[0]
	if !got.Verified || got.VerifiedAt == nil || !got.VerifiedAt.Equal(want) {
		t.Errorf("after AgeVerification(%v): verified=%v verified_at=%v, want true and %v", want, got.Verified, got.VerifiedAt, want)
	}
}

// Kratos really calls WorkID's hooks server before it saves an identity:
// without the server, registration is refused and nothing is saved.
func TestRegistrationNeedsTheHooksServer(t *testing.T) {
	ctx := t.Context()
	down, err := stacktest.Start(ctx, stacktest.Options{NoHooks: true})
	if err != nil {
		t.Fatalf("start a stack without hooks: %v", err)
	}
	defer down.Close()

	u := stacktest.NewUser("fabrikam-logistics.com")
	_, err = down.Register(ctx, u)
	var fe *stacktest.FlowError
	if !errors.As(err, &fe) || fe.Status < 400 || fe.Status > 499 {
		t.Fatalf("Register with the hooks server down = %v, want a 4xx refusal from Kratos", err)
	}
	ids, _, err := down.Admin.IdentityAPI.ListIdentities(ctx).CredentialsIdentifier(u.Email).Execute()
	if err != nil {
		t.Fatal(err)
	}
	if len(ids) != 0 {
		t.Errorf("an identity was saved for %s although the hook failed", u.Email)
	}
}
