package companies

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"
)

func TestObserveFormsOneCompanyPerDomain(t *testing.T) {
	stores(t, func(t *testing.T, s *Store, c *clock) {
		ctx := context.Background()
		first := observe(t, s, verified("ann", "Ann.Lee@Mail.Acme-Widgets.com", start))
		if !first.Formed || first.CompanyID == "" || !first.Changed {
			t.Fatalf("first verified address = %+v, want a company formed", first)
		}
		again := observe(t, s, verified("ann", "Ann.Lee@Mail.Acme-Widgets.com", start))
		if again.Formed || again.Changed || again.CompanyID != first.CompanyID {
			t.Errorf("the same identity again = %+v, want the same company, nothing changed", again)
		}
		colleague := observe(t, s, verified("bob", "bob@acme-widgets.com", start))
		if colleague.Formed || colleague.CompanyID != first.CompanyID {
			t.Errorf("a colleague = %+v, want company %s", colleague, first.CompanyID)
		}
		co, err := s.Company(ctx, "acme-widgets.com")
		if err != nil {
			t.Fatal(err)
		}
		if co.Name != "acme-widgets.com" || co.Named || co.Members != 2 || len(co.Domains) != 1 || co.Domains[0] != "acme-widgets.com" {
			t.Errorf("company = %+v, want acme-widgets.com, unnamed, 2 members, its one domain", co)
		}
		// Neither a free-mail address nor an unverified one forms a company.
		for _, m := range []Member{verified("cat", "cat@gmail.com", start), unverified("dan", "dan@globex-corp.com")} {
			if o := observe(t, s, m); o.CompanyID != "" || o.Formed {
				t.Errorf("%s = %+v, want no company", m.Address, o)
			}
		}
		all, err := s.Companies(ctx)
		if err != nil || len(all) != 1 {
			t.Errorf("companies = %d, %v; want only acme-widgets.com", len(all), err)
		}
	})
}

func TestMembershipFollowsTheVerification(t *testing.T) {
	stores(t, func(t *testing.T, s *Store, c *clock) {
		ctx := context.Background()
		id := observe(t, s, verified("ann", "ann@acme-widgets.com", start)).CompanyID
		m, err := s.MembershipOf(ctx, "ann")
		if err != nil || m == nil || m.Company.ID != id {
			t.Fatalf("MembershipOf(ann) = %+v, %v; want company %s", m, err, id)
		}
		// A year on, the verification has expired: no longer a member,
		// shown among the pending accounts.
		c.advance(365*24*time.Hour + time.Second)
		if m, err := s.MembershipOf(ctx, "ann"); err != nil || m != nil {
			t.Errorf("MembershipOf(ann) after a year = %+v, %v; want none", m, err)
		}
		pending, err := s.Members(ctx, id, MemberQuery{Pending: true})
		if err != nil || pending.Total != 1 || pending.Rows[0].State != StateExpired {
			t.Errorf("pending after a year = %+v, %v; want ann, expired", pending, err)
		}
		// Verified again: a member again, of the same company.
		if o := observe(t, s, verified("ann", "ann@acme-widgets.com", c.now())); o.CompanyID != id || o.Formed {
			t.Errorf("verified again = %+v, want company %s back", o, id)
		}
		// A new address on another domain ends it until that one is
		// verified, which makes a member of another company.
		observe(t, s, unverified("ann", "ann@globex-corp.com"))
		if m, _ := s.MembershipOf(ctx, "ann"); m != nil {
			t.Errorf("after moving to an unverified address: member of %s", m.Company.Name)
		}
		if co, _ := s.Company(ctx, id); co.Members != 0 {
			t.Errorf("acme-widgets.com has %d members, want 0", co.Members)
		}
		if o := observe(t, s, verified("ann", "ann@globex-corp.com", c.now())); !o.Formed || o.CompanyID == id {
			t.Errorf("verified on globex-corp.com = %+v, want a new company", o)
		}
	})
}

func TestStates(t *testing.T) {
	stores(t, func(t *testing.T, s *Store, c *clock) {
		ctx := context.Background()
		day := 24 * time.Hour
		id := observe(t, s, verified("a-fresh", "fresh@acme-widgets.com", start.Add(-10*day))).CompanyID
		observe(t, s, verified("b-soon", "soon@acme-widgets.com", start.Add(-340*day)))
		observe(t, s, verified("c-old", "old@acme-widgets.com", start.Add(-400*day)))
		observe(t, s, unverified("d-new", "new@acme-widgets.com"))
		members, err := s.Members(ctx, id, MemberQuery{})
		if err != nil {
			t.Fatal(err)
		}
		pending, err := s.Members(ctx, id, MemberQuery{Pending: true})
		if err != nil {
			t.Fatal(err)
		}
		got := map[string]State{}
		for _, r := range append(members.Rows, pending.Rows...) {
			got[r.IdentityID] = r.State
		}
		want := map[string]State{"a-fresh": StateVerified, "b-soon": StateExpiring, "c-old": StateExpired, "d-new": StateUnverified}
		for id, st := range want {
			if got[id] != st {
				t.Errorf("state of %s = %q, want %q", id, got[id], st)
			}
		}
		if members.Total != 2 || pending.Total != 2 {
			t.Errorf("members %d, pending %d; want 2 and 2", members.Total, pending.Total)
		}
	})
}

func TestMembersSearchAndPaging(t *testing.T) {
	stores(t, func(t *testing.T, s *Store, c *clock) {
		ctx := context.Background()
		var id string
		for i := range 120 {
			id = observe(t, s, verified(fmt.Sprintf("id-%03d", i), fmt.Sprintf("user%03d@acme-widgets.com", i), start)).CompanyID
		}
		observe(t, s, verified("pct", "100_percent@acme-widgets.com", start))
		page, err := s.Members(ctx, id, MemberQuery{Offset: 50, Limit: 50})
		if err != nil {
			t.Fatal(err)
		}
		if page.Total != 121 || len(page.Rows) != 50 || page.Rows[0].Address != "user049@acme-widgets.com" {
			t.Errorf("page 2 = %d of %d from %q, want 50 of 121 from user049@", len(page.Rows), page.Total, page.Rows[0].Address)
		}
		for search, want := range map[string]int{"USER11": 10, "name of id-00": 10, "_percent": 1, "%": 0, `\`: 0, "nobody": 0} {
			p, err := s.Members(ctx, id, MemberQuery{Search: search})
			if err != nil || p.Total != want {
				t.Errorf("Members(search %q) = %d, %v; want %d", search, p.Total, err, want)
			}
		}
	})
}

// Hooks and the job may see a new domain's first colleagues at once, in
// several processes: one company forms.
func TestConcurrentObserversFormOneCompany(t *testing.T) {
	stores(t, func(t *testing.T, s *Store, c *clock) {
		var wg sync.WaitGroup
		ids := make([]string, 8)
		errs := make([]error, 8)
		for i := range ids {
			wg.Go(func() {
				o, err := s.Observe(context.Background(), verified(fmt.Sprintf("p%d", i), fmt.Sprintf("p%d@initech-systems.com", i), start))
				ids[i], errs[i] = o.CompanyID, err
			})
		}
		wg.Wait()
		if err := errors.Join(errs...); err != nil {
			t.Fatal(err)
		}
		for _, id := range ids {
			if id != ids[0] {
				t.Fatalf("companies = %v, want one", ids)
			}
		}
		all, err := s.Companies(context.Background())
		if err != nil || len(all) != 1 || all[0].Members != 8 {
			t.Errorf("companies = %+v, %v; want one with 8 members", all, err)
		}
	})
}

func TestForget(t *testing.T) {
	stores(t, func(t *testing.T, s *Store, c *clock) {
		ctx := context.Background()
		id := observe(t, s, verified("ann", "ann@acme-widgets.com", start)).CompanyID
		if _, err := s.GrantAdmin(ctx, id, "ann", Operator); err != nil {
			t.Fatal(err)
		}
		if err := s.Forget(ctx, "ann"); err != nil {
			t.Fatal(err)
		}
		co, err := s.Company(ctx, id)
		if err != nil || co.Members != 0 || len(co.Admins) != 0 {
			t.Errorf("after Forget: %+v, %v; want no members, no admins", co, err)
		}
	})
}

// Kratos's hooks arrive in any order: the registration's (unverified)
// after the verification's must not undo it, and a page listed before
// either must not either. Kratos's own updated_at times order them.
func TestTheNewestStateWins(t *testing.T) {
	stores(t, func(t *testing.T, s *Store, c *clock) {
		ctx := context.Background()
		registered, verifiedAt := start.Add(-time.Minute), start
		v := verified("ann", "ann@acme-widgets.com", verifiedAt)
		v.Version = verifiedAt
		if o := observe(t, s, v); o.CompanyID == "" {
			t.Fatalf("the verification = %+v, want a member", o)
		}
		late := unverified("ann", "ann@acme-widgets.com")
		late.Version = registered
		if o := observe(t, s, late); !o.Stale {
			t.Errorf("the registration's hook after the verification's = %+v, want stale", o)
		}
		if _, err := s.ObserveAll(ctx, c.now().Add(time.Hour), []Member{late}); err != nil {
			t.Fatal(err)
		}
		if m, _ := s.MembershipOf(ctx, "ann"); m == nil {
			t.Fatal("an older state undid the verification")
		}
		// The same version again is the same state: written, idempotent.
		if o := observe(t, s, v); o.Stale || o.Changed {
			t.Errorf("the verification again = %+v, want unchanged, not stale", o)
		}
		// A newer one wins, whoever sends it.
		moved := unverified("ann", "ann@globex-corp.com")
		moved.Version = verifiedAt.Add(time.Minute)
		if o, err := s.ObserveAll(ctx, c.now().Add(-time.Hour), []Member{moved}); err != nil || o[0].Stale || !o[0].Changed {
			t.Errorf("a newer state in an older page = %+v, %v; want it written", o, err)
		}
		if m, _ := s.MembershipOf(ctx, "ann"); m != nil {
			t.Error("the newer state (a move to an unverified address) did not end the membership")
		}
	})
}
