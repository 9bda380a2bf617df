package companies

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"
)

func TestFind(t *testing.T) {
	stores(t, func(t *testing.T, s *Store, c *clock) {
		ctx := context.Background()
		acme := observe(t, s, verified("ann", "ann@acme-widgets.com", start)).CompanyID
		if _, err := s.AddDomain(ctx, acme, "acme-widgets.co.uk"); err != nil {
			t.Fatal(err)
		}
		for _, ref := range []string{acme, "acme-widgets.com", " ACME-widgets.co.uk ", "mail.acme-widgets.com",
			"Ann.Lee@Mail.Acme-Widgets.CO.UK", "bob@acme-widgets.com"} {
			if co, err := s.Find(ctx, ref); err != nil || co.ID != acme {
				t.Errorf("Find(%q) = %s, %v; want %s", ref, co.ID, err, acme)
			}
		}
		for _, tt := range []struct{ ref, says string }{
			{"globex-corp.com", `company "globex-corp.com"`},
			{"mail.globex-corp.com", `company "mail.globex-corp.com" (domain globex-corp.com)`},
			{"ann@globex-corp.com", "(domain globex-corp.com)"},
			{"00000000-0000-0000-0000-000000000000", `company "00000000-0000-0000-0000-000000000000"`},
			{"not a domain", `company "not a domain"`},
			{"", `company ""`},
		} {
			_, err := s.Find(ctx, tt.ref)
			if !errors.Is(err, ErrNoCompany) || !strings.Contains(err.Error(), tt.says) {
				t.Errorf("Find(%q) = %v, want ErrNoCompany saying %q", tt.ref, err, tt.says)
			}
		}
	})
}

func TestAccounts(t *testing.T) {
	stores(t, func(t *testing.T, s *Store, c *clock) {
		ctx := context.Background()
		observe(t, s, verified("ann", "Ann@acme-widgets.com", start))
		observe(t, s, verified("old", "old@acme-widgets.com", start.Add(-400*24*time.Hour)))
		observe(t, s, unverified("new", "new@acme-widgets.com"))
		got, err := s.Accounts(ctx, []string{"ann", "old", "new", "gone"})
		if err != nil {
			t.Fatal(err)
		}
		want := map[string]State{"ann": StateVerified, "old": StateExpired, "new": StateUnverified}
		if len(got) != len(want) {
			t.Errorf("Accounts = %+v, want %d rows", got, len(want))
		}
		for id, st := range want {
			if r := got[id]; r.State != st || r.IdentityID != id || r.Username != id {
				t.Errorf("Accounts()[%s] = %+v, want state %s", id, r, st)
			}
		}
		if r := got["ann"]; r.Address != "ann@acme-widgets.com" || !r.ValidUntil.Equal(start.Add(365*24*time.Hour)) {
			t.Errorf("ann = %+v, want her address in lower case, valid a year", r)
		}
		if none, err := s.Accounts(ctx, nil); err != nil || len(none) != 0 {
			t.Errorf("Accounts(nil) = %v, %v; want none", none, err)
		}
	})
}
