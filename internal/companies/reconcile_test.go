package companies

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/workid/workid/internal/emailstate"
)

func TestObserveAllRecordsAPageInOneGo(t *testing.T) {
	stores(t, func(t *testing.T, s *Store, c *clock) {
		ctx := context.Background()
		page := []Member{
			verified("ann", "ann@acme-widgets.com", start),
			verified("bob", "bob@acme-widgets.com", start),
			unverified("cat", "cat@globex-corp.com"),
			verified("dan", "dan@gmail.com", start),
		}
		got, err := s.ObserveAll(ctx, c.now(), page)
		if err != nil {
			t.Fatal(err)
		}
		if len(got) != len(page) {
			t.Fatalf("ObserveAll returned %d results for %d members", len(got), len(page))
		}
		// The first colleague forms acme-widgets.com, the second joins it.
		if !got[0].Formed || got[1].Formed || got[1].CompanyID != got[0].CompanyID || got[0].Domain != "acme-widgets.com" {
			t.Errorf("acme-widgets.com colleagues = %+v, %+v; want one company formed by the first", got[0], got[1])
		}
		for _, o := range got[2:] {
			if o.CompanyID != "" || o.Formed {
				t.Errorf("%+v: want no company for an unverified or a personal address", o)
			}
		}
		for i, o := range got {
			if !o.Changed || o.Stale {
				t.Errorf("%s: %+v, want a new row", page[i].IdentityID, o)
			}
		}
		// The same page again, later: nothing changes, nothing forms.
		c.advance(time.Hour)
		again, err := s.ObserveAll(ctx, c.now(), page)
		if err != nil {
			t.Fatal(err)
		}
		for i, o := range again {
			if o.Changed || o.Formed || o.Stale || o.CompanyID != got[i].CompanyID {
				t.Errorf("%s observed again = %+v, want unchanged in company %q", page[i].IdentityID, o, got[i].CompanyID)
			}
		}
		co, err := s.Company(ctx, "acme-widgets.com")
		if err != nil || co.Members != 2 {
			t.Errorf("acme-widgets.com = %+v, %v; want 2 members", co, err)
		}
		if all, _ := s.Companies(ctx); len(all) != 1 {
			t.Errorf("%d companies, want 1", len(all))
		}
	})
}

// A page listed before a hook's call must not undo what the hook recorded.
func TestObserveAllKeepsANewerRow(t *testing.T) {
	stores(t, func(t *testing.T, s *Store, c *clock) {
		ctx := context.Background()
		listed := c.now()
		c.advance(2 * time.Second)
		// The hook: the address was verified after the page was listed.
		observe(t, s, verified("ann", "ann@acme-widgets.com", c.now()))
		got, err := s.ObserveAll(ctx, listed, []Member{unverified("ann", "ann@acme-widgets.com"), unverified("bob", "bob@acme-widgets.com")})
		if err != nil {
			t.Fatal(err)
		}
		if !got[0].Stale || got[0].Changed {
			t.Errorf("ann from an older page = %+v, want stale", got[0])
		}
		if got[1].Stale || !got[1].Changed {
			t.Errorf("bob = %+v, want recorded", got[1])
		}
		if m, err := s.MembershipOf(ctx, "ann"); err != nil || m == nil {
			t.Errorf("MembershipOf(ann) = %+v, %v; want the hook's verification kept", m, err)
		}
	})
}

// A row a hook wrote wrongly, or a row left from a change the hooks never
// heard of, is put right by the next page.
func TestObserveAllCorrectsTheIndex(t *testing.T) {
	stores(t, func(t *testing.T, s *Store, c *clock) {
		ctx := context.Background()
		observe(t, s, verified("ann", "ann@acme-widgets.com", start))
		c.advance(time.Minute)
		// Kratos says ann moved to an unverified address elsewhere.
		got, err := s.ObserveAll(ctx, c.now(), []Member{unverified("ann", "ann@globex-corp.com")})
		if err != nil {
			t.Fatal(err)
		}
		if !got[0].Changed {
			t.Errorf("ObserveAll = %+v, want the row changed", got[0])
		}
		if m, _ := s.MembershipOf(ctx, "ann"); m != nil {
			t.Errorf("ann is still a member of %s", m.Company.Name)
		}
		co, _ := s.Company(ctx, "acme-widgets.com")
		pending, err := s.Members(ctx, co.ID, MemberQuery{Pending: true})
		if err != nil || co.Members != 0 || pending.Total != 0 {
			t.Errorf("acme-widgets.com: %d members, %d pending (%v); want ann gone from both", co.Members, pending.Total, err)
		}
	})
}

func TestObserveAllRefusesBadInput(t *testing.T) {
	stores(t, func(t *testing.T, s *Store, c *clock) {
		ctx := context.Background()
		if _, err := s.ObserveAll(ctx, c.now(), []Member{verified("ann", "ann@acme-widgets.com", start), {Address: "x@acme-widgets.com"}}); err == nil {
			t.Error("ObserveAll with a member without an id succeeded")
		}
		// Nothing of the refused page was written.
		if m, _ := s.MembershipOf(ctx, "ann"); m != nil {
			t.Errorf("a refused page still recorded ann in %s", m.Company.Name)
		}
		if got, err := s.ObserveAll(ctx, c.now(), nil); err != nil || got != nil {
			t.Errorf("ObserveAll(nil) = %v, %v; want nothing", got, err)
		}
	})
}

func TestObserveAllNeedsTheRule(t *testing.T) {
	s := &Store{}
	if _, err := s.ObserveAll(context.Background(), time.Now(), []Member{unverified("ann", "ann@acme-widgets.com")}); !errors.Is(err, errNoRule) {
		t.Errorf("ObserveAll without the rule = %v, want errNoRule", err)
	}
}

func TestForgetUnseen(t *testing.T) {
	stores(t, func(t *testing.T, s *Store, c *clock) {
		ctx := context.Background()
		id := observe(t, s, verified("gone", "gone@acme-widgets.com", start)).CompanyID
		observe(t, s, verified("kept", "kept@acme-widgets.com", start))
		if _, err := s.GrantAdmin(ctx, id, "gone", Operator); err != nil {
			t.Fatal(err)
		}
		// A day later a pass starts and lists only "kept"; "late" arrives
		// by a hook during the pass.
		c.advance(24 * time.Hour)
		passStart := c.now()
		if _, err := s.ObserveAll(ctx, c.now(), []Member{verified("kept", "kept@acme-widgets.com", start)}); err != nil {
			t.Fatal(err)
		}
		c.advance(time.Second)
		observe(t, s, unverified("late", "late@acme-widgets.com"))
		// More to forget than allowed: nothing goes.
		if n, err := s.ForgetUnseen(ctx, passStart, 0); !errors.Is(err, ErrTooManyUnseen) || n != 0 {
			t.Fatalf("ForgetUnseen(at most 0) = %d, %v; want ErrTooManyUnseen", n, err)
		}
		if _, found, _ := s.Member(ctx, "gone"); !found {
			t.Fatal("a refused ForgetUnseen removed the row")
		}
		n, err := s.ForgetUnseen(ctx, passStart, 1)
		if err != nil || n != 1 {
			t.Fatalf("ForgetUnseen = %d, %v; want 1 (gone)", n, err)
		}
		co, err := s.Company(ctx, id)
		if err != nil {
			t.Fatal(err)
		}
		// The grant stays (a wrong pass must not cost a company its
		// admins) and gives nothing without the member row.
		if co.Members != 1 || len(co.Admins) != 1 {
			t.Errorf("company after ForgetUnseen = %+v, want kept only, the grant kept", co)
		}
		if m, _ := s.MembershipOf(ctx, "gone"); m != nil {
			t.Error("a forgotten identity is still a member")
		}
		pending, _ := s.Members(ctx, id, MemberQuery{Pending: true})
		if pending.Total != 1 || pending.Rows[0].IdentityID != "late" {
			t.Errorf("pending = %+v, want late kept", pending.Rows)
		}
		// Again: nothing more to forget.
		if n, err := s.ForgetUnseen(ctx, passStart, 10); err != nil || n != 0 {
			t.Errorf("ForgetUnseen again = %d, %v; want 0", n, err)
		}
	})
}

// Hooks and a pass write at once: every row ends as one of them wrote it
// and one company forms, in both databases.
func TestObserveAllBesideHooks(t *testing.T) {
	stores(t, func(t *testing.T, s *Store, c *clock) {
		ctx := context.Background()
		var page []Member
		for i := range 50 {
			page = append(page, verified(fmt.Sprintf("p%02d", i), fmt.Sprintf("p%02d@initech-systems.com", i), start))
		}
		var wg sync.WaitGroup
		errs := make([]error, 9)
		wg.Go(func() { _, errs[0] = s.ObserveAll(ctx, c.now(), page) })
		for i := range 8 {
			wg.Go(func() { _, errs[i+1] = s.Observe(ctx, page[i*5]) })
		}
		wg.Wait()
		if err := errors.Join(errs...); err != nil {
			t.Fatal(err)
		}
		all, err := s.Companies(ctx)
		if err != nil || len(all) != 1 || all[0].Members != 50 {
			t.Errorf("companies = %+v, %v; want one with 50 members", all, err)
		}
	})
}

func TestMemberFrom(t *testing.T) {
	now := time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC)
	at := now.AddDate(0, -1, 0)
	traits := map[string]any{"email": "Ann.Lee@Acme-Widgets.com", "username": "ann", "name": map[string]any{"first": "Ann", "last": "Lee"}}
	record := map[string]any{emailstate.MetadataKey: map[string]any{
		"address": "ann.lee@acme-widgets.com", "verified_at": "2025-10-01T10:00:00Z", "expired_at": "2026-10-02T00:00:00Z",
	}}
	tests := []struct {
		name   string
		addr   emailstate.Address
		meta   any
		want   emailstate.Status
		wantAt time.Time
	}{
		{"verified a month ago", emailstate.Address{Value: "ann.lee@acme-widgets.com", Verified: true, VerifiedAt: &at}, nil, emailstate.Verified, at},
		{"no verifiable address", emailstate.Address{}, nil, emailstate.Unverified, time.Time{}},
		{"expired by the job", emailstate.Address{Value: "ann.lee@acme-widgets.com"}, record, emailstate.Expired, time.Date(2025, 10, 1, 10, 0, 0, 0, time.UTC)},
	}
	for _, tt := range tests {
		m := MemberFrom("id-1", traits, tt.addr, tt.meta, now, emailstate.DefaultMaxAge)
		if m.IdentityID != "id-1" || m.Address != "Ann.Lee@Acme-Widgets.com" || m.Name != "Ann Lee" || m.Username != "ann" {
			t.Errorf("%s: MemberFrom = %+v, want id-1, the email trait, Ann Lee, ann", tt.name, m)
		}
		if m.State.Status != tt.want || !m.State.VerifiedAt.Equal(tt.wantAt) {
			t.Errorf("%s: state = %s verified at %v, want %s at %v", tt.name, m.State.Status, m.State.VerifiedAt, tt.want, tt.wantAt)
		}
	}
	if m := MemberFrom("id-2", map[string]any{}, emailstate.Address{}, nil, now, emailstate.DefaultMaxAge); m.Address != "" || m.Name != "" {
		t.Errorf("MemberFrom(no traits) = %+v, want empty fields", m)
	}
}

func TestMember(t *testing.T) {
	stores(t, func(t *testing.T, s *Store, c *clock) {
		ctx := context.Background()
		if _, found, err := s.Member(ctx, "ann"); err != nil || found {
			t.Errorf("Member(unknown) = found %v, %v; want not found", found, err)
		}
		id := observe(t, s, verified("ann", "Ann@Acme-Widgets.com", start)).CompanyID
		if _, err := s.GrantAdmin(ctx, id, "ann", Operator); err != nil {
			t.Fatal(err)
		}
		row, found, err := s.Member(ctx, "ann")
		if err != nil || !found || row.Address != "ann@acme-widgets.com" || row.State != StateVerified || !row.Admin || !row.VerifiedAt.Equal(start) {
			t.Errorf("Member(ann) = %+v, %v, %v; want ann@acme-widgets.com, verified at %v, admin", row, found, err, start)
		}
	})
}

// A hook's call always writes, even when a page carries a later time (the
// job's clock a little ahead of the hooks'), and never moves seen_at back,
// which would have the pass forget the identity.
func TestObserveAfterALaterPage(t *testing.T) {
	stores(t, func(t *testing.T, s *Store, c *clock) {
		ctx := context.Background()
		ahead := c.now().Add(time.Minute)
		if _, err := s.ObserveAll(ctx, ahead, []Member{unverified("ann", "ann@acme-widgets.com")}); err != nil {
			t.Fatal(err)
		}
		if o := observe(t, s, verified("ann", "ann@acme-widgets.com", c.now())); o.Stale || !o.Changed || !o.Formed {
			t.Errorf("the hook's call after a later page = %+v, want it recorded", o)
		}
		if n, err := s.ForgetUnseen(ctx, ahead, 10); err != nil || n != 0 {
			t.Errorf("ForgetUnseen(the page's time) = %d, %v; want ann kept", n, err)
		}
	})
}
