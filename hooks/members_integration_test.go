package hooks_test

import (
	"strings"
	"testing"
	"time"

	"github.com/workid/workid/internal/companies"
	"github.com/workid/workid/internal/stacktest"
)

// Kratos calls the member index's hooks after registration, verification
// and a settings change; the tests read the stack's own database, as the
// UI and the job do.

// waitForRow waits until the index's row of id satisfies ok: Kratos calls
// these hooks without waiting for them, so they land a moment after the
// flow's answer.
func waitForRow(t *testing.T, s *companies.Store, id, what string, ok func(companies.Row, bool) bool) companies.Row {
	t.Helper()
	deadline := time.Now().Add(15 * time.Second)
	for {
		row, found, err := s.Member(t.Context(), id)
		if err != nil {
			t.Fatal(err)
		}
		if ok(row, found) {
			return row
		}
		if time.Now().After(deadline) {
			t.Fatalf("the index's row of %s is %+v (found %v), want %s", id, row, found, what)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// Register, verify, move to another domain: the row follows each step,
// the verification forms the domain's company, the move ends membership.
func TestMemberIndexFollowsTheAccount(t *testing.T) {
	st := shared.Get(t)
	ctx := t.Context()
	index := shared.Get(t).OpenIndex(t, nil)
	domain := stacktest.UniqueDomain("feed")
	u := stacktest.NewUser(domain)
	reg, err := st.Register(ctx, u)
	if err != nil {
		t.Fatal(err)
	}
	id := reg.Identity.Id
	row := waitForRow(t, index, id, "unverified", func(r companies.Row, found bool) bool { return found })
	if row.State != companies.StateUnverified || row.Address != strings.ToLower(u.Email) || row.Username != u.Username || row.Name != u.First+" "+u.Last {
		t.Errorf("after registration the row is %+v, want %s unverified, %s, %s %s", row, u.Email, u.Username, u.First, u.Last)
	}
	if _, err := index.Company(ctx, domain); err == nil {
		t.Errorf("an unverified registration formed %s", domain)
	}

	// Kratos mailed the verification link at registration.
	if _, err := st.VerifyByMail(ctx, u.Email); err != nil {
		t.Fatal(err)
	}
	waitForRow(t, index, id, "verified", func(r companies.Row, _ bool) bool { return r.State == companies.StateVerified })
	m, err := index.MembershipOf(ctx, id)
	if err != nil || m == nil || m.Company.Name != domain || m.Company.Named {
		t.Fatalf("after verification MembershipOf = %+v, %v; want a company named %s", m, err, domain)
	}
	company := m.Company.ID

	// A new address on another domain: unverified, so no longer a member.
	token, err := st.Login(ctx, u.Username, u.Password)
	if err != nil {
		t.Fatal(err)
	}
	moved := u
	moved.Email = strings.Replace(u.Email, domain, stacktest.UniqueDomain("moved"), 1)
	if _, err := st.UpdateProfile(ctx, token, moved.Traits()); err != nil {
		t.Fatal(err)
	}
	row = waitForRow(t, index, id, "the new address", func(r companies.Row, _ bool) bool { return r.Address == strings.ToLower(moved.Email) })
	if row.State != companies.StateUnverified {
		t.Errorf("after the move the row is %+v, want unverified", row)
	}
	if m, _ := index.MembershipOf(ctx, id); m != nil {
		t.Errorf("after the move: still a member of %s", m.Company.Name)
	}
	co, err := index.Company(ctx, company)
	if err != nil || co.Members != 0 {
		t.Errorf("%s after the move = %+v, %v; want no members", domain, co, err)
	}
	if p, _ := index.Members(ctx, company, companies.MemberQuery{Pending: true}); p.Total != 0 {
		t.Errorf("%s lists %d pending accounts after the move, want 0", domain, p.Total)
	}
}

// A personal address, verified, forms no company: an account made
// through the admin API before the rule, whose owner changes the name.
func TestMemberIndexPersonalAddressFormsNoCompany(t *testing.T) {
	st := shared.Get(t)
	ctx := t.Context()
	index := shared.Get(t).OpenIndex(t, nil)
	u := stacktest.NewUser("gmail.com")
	ident, err := st.CreateVerifiedIdentity(ctx, u, time.Now().Add(-time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	token, err := st.Login(ctx, u.Email, u.Password)
	if err != nil {
		t.Fatal(err)
	}
	u.First = "Renamed"
	if _, err := st.UpdateProfile(ctx, token, u.Traits()); err != nil {
		t.Fatal(err)
	}
	row := waitForRow(t, index, ident.Id, "recorded", func(r companies.Row, found bool) bool { return found })
	if row.State != companies.StateVerified || row.Name != "Renamed "+u.Last {
		t.Errorf("the gmail.com row = %+v, want verified, renamed", row)
	}
	if m, err := index.MembershipOf(ctx, ident.Id); err != nil || m != nil {
		t.Errorf("MembershipOf(gmail.com account) = %+v, %v; want none", m, err)
	}
	if _, err := index.Company(ctx, "gmail.com"); err == nil {
		t.Error("gmail.com formed a company")
	}
}
