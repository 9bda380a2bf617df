package pgsuite_test

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/workid/workid/internal/businessemail"
	"github.com/workid/workid/internal/stacktest"
)

// Kratos and Hydra keep their data in PostgreSQL: the harness gave them
// postgres DSNs, their tables are there, and no SQLite file was made.
func TestServersUsePostgres(t *testing.T) {
	st := shared.Get(t)
	for name, dsn := range map[string]string{"kratos": st.Layout.KratosDSN, "hydra": st.Layout.HydraDSN} {
		if !strings.HasPrefix(dsn, "postgres://") || !strings.Contains(dsn, "/"+name+"?") {
			t.Errorf("%s DSN = %q, want its own PostgreSQL database", name, dsn)
		}
		if _, err := os.Stat(filepath.Join(st.Layout.Data, name+".sqlite")); !errors.Is(err, os.ErrNotExist) {
			t.Errorf("%s.sqlite exists in the data folder (%v), want none", name, err)
		}
	}
	for db, table := range map[string]string{"kratos": "identities", "hydra": "hydra_client"} {
		if n := count(t, db, "SELECT count(*) FROM information_schema.tables WHERE table_name = $1", table); n != 1 {
			t.Errorf("table %s in the %s database: %d, want 1 (migrated)", table, db, n)
		}
	}
}

const freeMailText = "gmail.com is a personal email provider. Please use your work address, e.g. name@yourcompany.com."

// The hook refuses a free-mail address on the email field in the API and
// the browser flow, and nothing is saved; a business address is saved in
// Kratos's PostgreSQL database. The four hook calls went through the
// hooks proxy, so both hooks replicas decided some.
func TestRegistrationHook(t *testing.T) {
	st := shared.Get(t)
	ctx := t.Context()
	before := served(t, st.HooksReplicas)
	for _, flow := range []struct {
		name     string
		register func(stacktest.User) error
	}{
		{"api", func(u stacktest.User) error { _, err := st.Register(ctx, u); return err }},
		{"browser", func(u stacktest.User) error { return st.NewBrowser().Register(ctx, u) }},
	} {
		t.Run(flow.name, func(t *testing.T) {
			free := stacktest.NewUser("gmail.com")
			stacktest.AssertRefusedOnEmail(t, flow.register(free), freeMailText, 9100012)
			if ids, err := st.IdentitiesByEmail(ctx, free.Email); err != nil || len(ids) != 0 {
				t.Errorf("identities for %s = %d (%v), want none", free.Email, len(ids), err)
			}
			if n := identitiesWithIdentifier(t, free.Email); n != 0 {
				t.Errorf("%d rows for %s in the kratos database, want none", n, free.Email)
			}
			if n := count(t, "kratos", "SELECT count(*) FROM identities WHERE traits->>'email' = $1", free.Email); n != 0 {
				t.Errorf("%d identities with %s in the kratos database, want none", n, free.Email)
			}

			work := stacktest.NewUser("acme-widgets.com")
			if err := flow.register(work); err != nil {
				t.Fatalf("Register(%s) = %v, want success", work.Email, err)
			}
			var email, domain string
			query(t, "kratos", "SELECT traits->>'email', metadata_public->>$2 FROM identities WHERE traits->>'email' = $1",
				[]any{work.Email, businessemail.CompanyDomainKey}, &email, &domain)
			if email != work.Email || domain != "acme-widgets.com" {
				t.Errorf("kratos database: email %q, company_domain %q; want %s and acme-widgets.com (set by the hook)", email, domain, work.Email)
			}
		})
	}
	after := servedSince(t, st.HooksReplicas, before, 4)
	for i := range after {
		if after[i] == before[i] {
			t.Errorf("hooks replica %d served no hook call of four (served %v -> %v)", i+1, before, after)
		}
	}
}

// served returns how many requests each replica has answered so far.
func served(t *testing.T, replicas []*stacktest.Replica) []int64 {
	out := make([]int64, len(replicas))
	for i, r := range replicas {
		out[i] = r.Served(t)
	}
	return out
}

// servedSince returns the replicas' counts once together they have
// answered at least want requests since before, or after two seconds: a
// replica records a request just after it answers it.
func servedSince(t *testing.T, replicas []*stacktest.Replica, before []int64, want int64) []int64 {
	deadline := time.Now().Add(2 * time.Second)
	for {
		after := served(t, replicas)
		var n int64
		for i := range after {
			n += after[i] - before[i]
		}
		if n >= want || time.Now().After(deadline) {
			return after
		}
		time.Sleep(20 * time.Millisecond)
	}
}
