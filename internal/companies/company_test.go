package companies

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"
)

func TestAddDomain(t *testing.T) {
	stores(t, func(t *testing.T, s *Store, c *clock) {
		ctx := context.Background()
		acme := observe(t, s, verified("ann", "ann@acme-widgets.com", start)).CompanyID
		globex := observe(t, s, verified("bob", "bob@globex-corp.com", start)).CompanyID
		co, err := s.AddDomain(ctx, acme, " Acme-Widgets.CO.UK ")
		if err != nil {
			t.Fatal(err)
		}
		if strings.Join(co.Domains, " ") != "acme-widgets.co.uk acme-widgets.com" {
			t.Errorf("domains = %v", co.Domains)
		}
		if _, err := s.AddDomain(ctx, "acme-widgets.co.uk", "acme-widgets.co.uk"); err != nil {
			t.Errorf("adding a domain the company holds: %v, want nothing changed", err)
		}
		tests := []struct {
			ref, domain string
			want        error
			says        string
		}{
			{acme, "gmail.com", ErrDomainRefused, "gmail.com"},
			{acme, "mailinator.com", ErrDomainRefused, "mailinator.com"},
			{acme, "not a domain", ErrDomainRefused, "not a domain"},
			{acme, "mail.acme-widgets.de", ErrInvalid, "add acme-widgets.de"},
			{acme, "globex-corp.com", ErrDomainTaken, globex},
			{"no-such-company", "initech-systems.com", ErrNoCompany, "no-such-company"},
		}
		for _, tt := range tests {
			_, err := s.AddDomain(ctx, tt.ref, tt.domain)
			if !errors.Is(err, tt.want) || !strings.Contains(err.Error(), tt.says) {
				t.Errorf("AddDomain(%s, %q) = %v, want %v saying %q", tt.ref, tt.domain, err, tt.want, tt.says)
			}
		}
		// Nothing half-done: the refusals added nothing.
		if co, _ := s.Company(ctx, acme); len(co.Domains) != 2 {
			t.Errorf("domains after refusals = %v", co.Domains)
		}
	})
}

func TestSetName(t *testing.T) {
	stores(t, func(t *testing.T, s *Store, c *clock) {
		ctx := context.Background()
		id := observe(t, s, verified("ann", "ann@acme-widgets.com", start)).CompanyID
		co, err := s.SetName(ctx, "acme-widgets.com", "  Acme Widgets  ")
		if err != nil || co.Name != "Acme Widgets" || !co.Named || co.ID != id {
			t.Errorf("SetName = %+v, %v; want Acme Widgets, named", co, err)
		}
		for _, bad := range []string{"", "   ", "a\x00b", "Acme\u200bWidgets", strings.Repeat("x", 121), "\xff"} {
			if _, err := s.SetName(ctx, id, bad); !errors.Is(err, ErrInvalid) {
				t.Errorf("SetName(%q) = %v, want ErrInvalid", bad, err)
			}
		}
		if co, _ := s.Company(ctx, id); co.Name != "Acme Widgets" {
			t.Errorf("name after refusals = %q", co.Name)
		}
		// Later colleagues keep the operator's name.
		observe(t, s, verified("bob", "bob@acme-widgets.com", start))
		if co, _ := s.Company(ctx, id); co.Name != "Acme Widgets" || co.Members != 2 {
			t.Errorf("after a colleague: %+v", co)
		}
	})
}

func TestMerge(t *testing.T) {
	stores(t, func(t *testing.T, s *Store, c *clock) {
		ctx := context.Background()
		acme := observe(t, s, verified("ann", "ann@acme-widgets.com", start)).CompanyID
		uk := observe(t, s, verified("bob", "bob@acme-widgets.co.uk", start)).CompanyID
		for _, step := range []func() (Company, error){
			func() (Company, error) { return s.GrantAdmin(ctx, acme, "ann", Operator) },
			func() (Company, error) { return s.GrantAdmin(ctx, uk, "bob", Operator) },
			func() (Company, error) { return s.Subscribe(ctx, acme, "support", "2027-01-31") },
			func() (Company, error) { return s.Subscribe(ctx, uk, "support", "2027-06-30") },
			func() (Company, error) { return s.Subscribe(ctx, uk, "training", "2027-03-31") },
			func() (Company, error) { return s.SetName(ctx, acme, "Acme Widgets") },
		} {
			if _, err := step(); err != nil {
				t.Fatal(err)
			}
		}
		co, err := s.Merge(ctx, acme, "acme-widgets.co.uk")
		if err != nil {
			t.Fatal(err)
		}
		if co.Name != "Acme Widgets" || len(co.Domains) != 2 || len(co.Admins) != 2 || co.Members != 2 {
			t.Errorf("merged = %+v, want Acme Widgets with 2 domains, 2 admins, 2 members", co)
		}
		want := []Subscription{{"support", "2027-06-30"}, {"training", "2027-03-31"}}
		if len(co.Subscriptions) != 2 || co.Subscriptions[0] != want[0] || co.Subscriptions[1] != want[1] {
			t.Errorf("subscriptions = %v, want %v (the later end of both)", co.Subscriptions, want)
		}
		if _, err := s.Company(ctx, uk); !errors.Is(err, ErrNoCompany) {
			t.Errorf("the merged company: %v, want ErrNoCompany", err)
		}
		if m, _ := s.MembershipOf(ctx, "bob"); m == nil || m.Company.ID != acme || !m.Admin {
			t.Errorf("bob's membership = %+v, want admin of %s", m, acme)
		}
		if _, err := s.Merge(ctx, acme, "acme-widgets.com"); !errors.Is(err, ErrInvalid) {
			t.Errorf("merge into itself: %v, want ErrInvalid", err)
		}
		if _, err := s.Merge(ctx, acme, "nobody.example"); !errors.Is(err, ErrNoCompany) {
			t.Errorf("merge of an unknown company: %v, want ErrNoCompany", err)
		}
	})
}

func TestAdmins(t *testing.T) {
	stores(t, func(t *testing.T, s *Store, c *clock) {
		ctx := context.Background()
		acme := observe(t, s, verified("ann", "ann@acme-widgets.com", start)).CompanyID
		observe(t, s, verified("bob", "bob@acme-widgets.com", start))
		observe(t, s, unverified("new", "new@acme-widgets.com"))
		globex := observe(t, s, verified("eve", "eve@globex-corp.com", start)).CompanyID
		if _, err := s.GrantAdmin(ctx, globex, "eve", Operator); err != nil {
			t.Fatal(err)
		}
		if _, err := s.GrantAdmin(ctx, acme, "ann", Operator); err != nil {
			t.Fatal(err)
		}
		refusals := []struct {
			company, who, by string
			want             error
		}{
			{acme, "new", "ann", ErrNotMember},    // not verified yet
			{acme, "eve", Operator, ErrNotMember}, // another company's
			{acme, "bob", "eve", ErrNotAdmin},     // an admin of another company
			{acme, "bob", "bob", ErrNotAdmin},     // not an admin
			{globex, "eve", "ann", ErrNotAdmin},   // ann acting outside her company
		}
		for _, r := range refusals {
			if _, err := s.GrantAdmin(ctx, r.company, r.who, r.by); !errors.Is(err, r.want) {
				t.Errorf("GrantAdmin(%s, by %s) = %v, want %v", r.who, r.by, err, r.want)
			}
		}
		co, err := s.GrantAdmin(ctx, acme, "bob", "ann")
		if err != nil || len(co.Admins) != 2 || co.Admins[1].GrantedBy != "ann" {
			t.Fatalf("ann makes bob an admin: %+v, %v", co.Admins, err)
		}
		// An admin whose verification expires can no longer act.
		c.advance(366 * 24 * time.Hour)
		observe(t, s, verified("bob", "bob@acme-widgets.com", c.now()))
		if _, err := s.RevokeAdmin(ctx, acme, "bob", "ann"); !errors.Is(err, ErrNotAdmin) {
			t.Errorf("expired ann revokes bob: %v, want ErrNotAdmin", err)
		}
		if co, err := s.RevokeAdmin(ctx, acme, "ann", "bob"); err != nil || len(co.Admins) != 1 {
			t.Errorf("bob revokes ann: %+v, %v", co.Admins, err)
		}
		if _, err := s.RevokeAdmin(ctx, acme, "ann", Operator); !errors.Is(err, ErrNotAdmin) {
			t.Errorf("revoking a non-admin: %v, want ErrNotAdmin", err)
		}
	})
}

func TestSubscriptions(t *testing.T) {
	stores(t, func(t *testing.T, s *Store, c *clock) {
		ctx := context.Background()
		id := observe(t, s, verified("ann", "ann@acme-widgets.com", start)).CompanyID
		for _, bad := range [][2]string{{"Support", "2027-06-30"}, {"", "2027-06-30"}, {"sup port", "2027-06-30"},
			{"support", "30/06/2027"}, {"support", "2027-02-30"}, {"support", ""}} {
			if _, err := s.Subscribe(ctx, id, bad[0], bad[1]); !errors.Is(err, ErrInvalid) {
				t.Errorf("Subscribe(%q, %q) = %v, want ErrInvalid", bad[0], bad[1], err)
			}
		}
		if _, err := s.Subscribe(ctx, id, "support", "2026-12-31"); err != nil {
			t.Fatal(err)
		}
		m, err := s.MembershipOf(ctx, "ann")
		if err != nil || len(m.Active(c.now())) != 1 {
			t.Fatalf("active = %v, %v; want support", m, err)
		}
		// Open through its last day, closed the day after.
		if !m.Company.Subscriptions[0].Active(time.Date(2026, 12, 31, 23, 59, 0, 0, time.UTC)) ||
			m.Company.Subscriptions[0].Active(time.Date(2027, 1, 1, 0, 0, 0, 0, time.UTC)) {
			t.Error("a subscription to 2026-12-31 should be open on that day only, not the next")
		}
		co, err := s.Subscribe(ctx, id, "support", "2027-06-30")
		if err != nil || len(co.Subscriptions) != 1 || co.Subscriptions[0].EndsOn != "2027-06-30" {
			t.Errorf("moved end = %+v, %v", co.Subscriptions, err)
		}
		if co, err := s.Unsubscribe(ctx, id, "support"); err != nil || len(co.Subscriptions) != 0 {
			t.Errorf("Unsubscribe = %+v, %v", co.Subscriptions, err)
		}
		if _, err := s.Unsubscribe(ctx, id, "support"); !errors.Is(err, ErrInvalid) {
			t.Errorf("Unsubscribe of none: %v, want ErrInvalid", err)
		}
	})
}

// A change to a company while it is merged away is either carried into
// the company it joins or refused: never accepted and then lost.
func TestMergeBesideChanges(t *testing.T) {
	stores(t, func(t *testing.T, s *Store, c *clock) {
		ctx := context.Background()
		for i := range 6 {
			into := observe(t, s, verified(fmt.Sprintf("a%d", i), fmt.Sprintf("a@into-%d-widgets.com", i), start)).CompanyID
			from := observe(t, s, verified(fmt.Sprintf("b%d", i), fmt.Sprintf("b@from-%d-widgets.com", i), start)).CompanyID
			var wg sync.WaitGroup
			var subErr, grantErr, mergeErr error
			wg.Go(func() { _, subErr = s.Subscribe(ctx, from, "support", "2099-01-31") })
			wg.Go(func() { _, grantErr = s.GrantAdmin(ctx, from, fmt.Sprintf("b%d", i), Operator) })
			wg.Go(func() { _, mergeErr = s.Merge(ctx, into, from) })
			wg.Wait()
			if mergeErr != nil {
				t.Fatal(mergeErr)
			}
			co, err := s.Company(ctx, into)
			if err != nil {
				t.Fatal(err)
			}
			if subErr == nil && len(co.Subscriptions) != 1 {
				t.Errorf("round %d: the subscription was accepted and lost in the merge: %+v", i, co.Subscriptions)
			}
			if subErr != nil && !errors.Is(subErr, ErrNoCompany) {
				t.Errorf("round %d: subscribe beside the merge = %v, want ErrNoCompany if refused", i, subErr)
			}
			if grantErr == nil && len(co.Admins) != 1 {
				t.Errorf("round %d: the grant was accepted and lost in the merge: %+v", i, co.Admins)
			}
			if grantErr != nil && !errors.Is(grantErr, ErrNoCompany) {
				t.Errorf("round %d: grant beside the merge = %v, want ErrNoCompany if refused", i, grantErr)
			}
		}
	})
}

// On SQLite the company read is prepared once and shared by every
// goroutine; each read sees the company as it stands, a change made
// meanwhile too. On PostgreSQL pgx's own statement cache does this.
func TestMembershipReadsSharePreparedStatement(t *testing.T) {
	stores(t, func(t *testing.T, s *Store, _ *clock) {
		ctx := context.Background()
		id := observe(t, s, verified("ann", "ann@acme-widgets.com", start)).CompanyID
		var wg sync.WaitGroup
		for range 16 {
			wg.Go(func() {
				for range 20 {
					if m, err := s.MembershipOf(ctx, "ann"); err != nil || m == nil || m.Company.ID != id {
						t.Errorf("MembershipOf(ann) = %+v, %v; want company %s", m, err, id)
						return
					}
				}
			})
		}
		wg.Wait()
		if _, err := s.Subscribe(ctx, id, "support", "2027-06-30"); err != nil {
			t.Fatal(err)
		}
		if m, err := s.MembershipOf(ctx, "ann"); err != nil || len(m.Company.Subscriptions) != 1 {
			t.Errorf("after Subscribe: %+v, %v; want the subscription", m, err)
		}
		n := 0
		s.stmts.Range(func(_, _ any) bool { n++; return true })
		if want := map[bool]int{false: 1, true: 0}[s.pg]; n != want {
			t.Errorf("%d statements kept, want %d (the membership's company read, on SQLite only)", n, want)
		}
	})
}
