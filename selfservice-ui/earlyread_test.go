package selfserviceui

import (
	"fmt"
	"net/http/httptest"
	"path/filepath"
	"testing"

	"github.com/workid/workid/internal/companies"
	"github.com/workid/workid/internal/emailstate"
)

// An early company read is only ever the answer for the account it was
// begun for: a cookie remembered for one account and presented by another
// (a session ended and a new one made, a hash collision) gets the other's
// own company, read again.
func TestMembershipOfEarlyRead(t *testing.T) {
	ctx := t.Context()
	s := testServer(t)
	now := s.Now()
	url := "sqlite:" + filepath.Join(t.TempDir(), "workid.db")
	index, err := companies.Open(ctx, url, companies.Options{Rule: s.policy, Now: s.Now, Log: quiet})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { index.Close() })
	at := now.AddDate(0, 0, -10)
	for id, email := range map[string]string{"ann": "ann@acme-widgets.com", "bob": "bob@globex-corp.com"} {
		st := emailstate.Of(emailstate.Address{Value: email, Verified: true, VerifiedAt: &at}, nil, now, emailstate.DefaultMaxAge)
		if _, err := index.Observe(ctx, companies.Member{IdentityID: id, Address: email, State: st}); err != nil {
			t.Fatal(err)
		}
	}
	s.Companies = index

	company := func(early *membershipRead, id string) string {
		t.Helper()
		m, err := s.membershipOf(ctx, early, id)
		if err != nil || m == nil {
			t.Fatalf("membershipOf(%s) = %v, %v", id, m, err)
		}
		return m.Company.Name
	}
	if got := company(s.readMembership(ctx, "ann"), "ann"); got != "acme-widgets.com" {
		t.Errorf("ann's early read gave %q, want acme-widgets.com", got)
	}
	annEarly := s.readMembership(ctx, "ann")
	if got := company(annEarly, "bob"); got != "globex-corp.com" {
		t.Errorf("bob with ann's early read got %q, want his own globex-corp.com", got)
	}
	_, _ = annEarly.wait()
	if got := company(nil, "bob"); got != "globex-corp.com" {
		t.Errorf("bob without an early read got %q, want globex-corp.com", got)
	}
	if mr := s.readMembership(ctx, ""); mr != nil {
		t.Errorf("readMembership of no account began a read")
	}
	s.Companies = nil
	if mr := s.readMembership(ctx, "ann"); mr != nil {
		t.Errorf("readMembership without a database began a read")
	}
}

func TestRecentAccounts(t *testing.T) {
	a := newRecentAccounts()
	if got := a.last("ory_kratos_session=x"); got != "" {
		t.Errorf("an unseen cookie is %q's", got)
	}
	a.remember("ory_kratos_session=x", "ann")
	a.remember("ory_kratos_session=y", "bob")
	if got := a.last("ory_kratos_session=x"); got != "ann" {
		t.Errorf("last(x) = %q, want ann", got)
	}
	a.remember("ory_kratos_session=x", "carol")
	if got := a.last("ory_kratos_session=x"); got != "carol" {
		t.Errorf("after a new session on the cookie, last(x) = %q, want carol", got)
	}
	if got := a.last(""); got != "" {
		t.Errorf("no cookie is %q's", got)
	}
	// A session Kratos refused (ended, replayed) is forgotten.
	a.forget("ory_kratos_session=x")
	if got := a.last("ory_kratos_session=x"); got != "" {
		t.Errorf("a refused session's cookie is still %q's", got)
	}
	if got := a.last("ory_kratos_session=y"); got != "bob" {
		t.Errorf("forgetting x forgot y: %q", got)
	}
	// Bounded: past maxRecentAccounts it starts again.
	for i := range maxRecentAccounts + 1 {
		a.remember(fmt.Sprintf("c=%d", i), "someone")
	}
	if n := len(a.ids); n > maxRecentAccounts {
		t.Errorf("recentAccounts holds %d, more than %d", n, maxRecentAccounts)
	}
	if got := a.last(fmt.Sprintf("c=%d", maxRecentAccounts)); got != "someone" {
		t.Errorf("the newest cookie was forgotten: %q", got)
	}
}

// A cookie Kratos does not accept (here Kratos cannot be reached) is
// forgotten by the page that sent it, so replaying an ended session
// begins no more early reads.
func TestSessionAndCompanyForgetsARefusedCookie(t *testing.T) {
	s := testServer(t)
	const cookie = "ory_kratos_session=ended"
	s.accounts.remember(cookie, "ann")
	r := pageRequest("/")
	r.Header.Set("Cookie", cookie)
	w := httptest.NewRecorder()
	if _, _, ok := s.sessionAndCompany(w, r, ""); ok {
		t.Fatal("a session Kratos never confirmed was accepted")
	}
	if got := s.accounts.last(cookie); got != "" {
		t.Errorf("the refused cookie is still remembered as %q's", got)
	}
}
