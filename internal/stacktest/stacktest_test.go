package stacktest_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/workid/workid/internal/stacktest"
)

var st *stacktest.Stack

func TestMain(m *testing.M) { stacktest.Main(m, &st, stacktest.Options{}) }

// A registration through the API signs the user in, and a verification
// email with a working single-use link reaches Mailpit within 20 seconds.
func TestRegistrationSignsInAndSendsASingleUseLink(t *testing.T) {
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
		t.Errorf("subject = %q, want WorkID's template (config/courier-templates)", got)
	}
	if !strings.Contains(msgs[0].Text, "The link works once.") {
		t.Errorf("plain-text body lacks WorkID's text:\n%s", msgs[0].Text)
	}
	link, err := msgs[0].Link("/self-service/verification")
	if err != nil {
		t.Fatal(err)
	}

	f, err := st.Follow(ctx, link)
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

	// The link is single-use: the second visit ends on a verification flow
	// whose message says the token is invalid or used (Kratos id 4070001).
	again, err := st.Follow(ctx, link)
	if err != nil {
		t.Fatal(err)
	}
	ids, err := st.FlowMessageIDs(ctx, again)
	if err != nil {
		t.Fatalf("second use: %v", err)
	}
	if len(ids) != 1 || ids[0] != 4070001 {
		t.Errorf("second use of the link: flow messages %v, want [4070001] (link already used)", ids)
	}
}

// AgeVerification moves verified_at into the past, as the re-verification
// tests need.
func TestAgeVerification(t *testing.T) {
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
	link, err := msgs[0].Link("/self-service/verification")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := st.Follow(ctx, link); err != nil {
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
