package companies

import (
	"context"
	"database/sql"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"testing"
	"time"

	"github.com/workid/workid/internal/pgtest"
)

// BenchmarkCompanyPage measures the database's part of a company page at
// scale: what one GET /company asks of it (the viewer's membership, a
// page of 50 members with the total, the other tab's total), on SQLite
// and PostgreSQL, for a company of 50 members and for one of a tenth of
// everyone. WORKID_SCALE sets how many members the index holds (10,000
// by default; docs/benchmarks.md records 100,000), in companies of 50,
// with the tenth-of-everyone company among them and a tenth of each
// company pending.
//
//	WORKID_SCALE=100000 go test -run '^$' -bench CompanyPage -benchtime 400x ./internal/companies
func BenchmarkCompanyPage(b *testing.B) {
	n := 10_000
	if v, err := strconv.Atoi(os.Getenv("WORKID_SCALE")); err == nil && v >= 1000 {
		n = v
	}
	for _, db := range []string{"sqlite", "postgres"} {
		b.Run(db, func(b *testing.B) {
			url := "sqlite:" + filepath.Join(b.TempDir(), "workid.db")
			if db == "postgres" {
				var err error
				if url, err = pgtest.CreateDatabase(context.Background(), pgDSN, fmt.Sprintf("bench_%d", dbCount.Add(1))); err != nil {
					b.Fatal(err)
				}
			}
			c := &clock{}
			c.set(start)
			s := openStore(b, url, c)
			small, large := seedScale(b, s, n)
			// First as the tables are after the load, without statistics,
			// then as the database settles (autovacuum on PostgreSQL, an
			// ANALYZE on SQLite).
			settle := "ANALYZE"
			if db == "postgres" {
				settle = "VACUUM ANALYZE"
			}
			for _, stats := range []string{"fresh", "analysed"} {
				if stats == "analysed" {
					if _, err := s.db.Exec(settle); err != nil {
						b.Fatal(err)
					}
				}
				for _, co := range []struct {
					name  string
					id    string
					pages int
				}{{"company-of-50", small, 1}, {fmt.Sprintf("company-of-%d", n/10), large, 5}} {
					b.Run(stats+"/"+co.name, func(b *testing.B) {
						viewer := co.id + "-0"
						times := make([]time.Duration, 0, b.N)
						b.ResetTimer()
						for i := range b.N {
							t0 := time.Now()
							companyPageQueries(b, s, viewer, co.id, i%co.pages)
							times = append(times, time.Since(t0))
						}
						b.StopTimer()
						sort.Slice(times, func(i, j int) bool { return times[i] < times[j] })
						b.ReportMetric(float64(times[len(times)/2].Microseconds())/1000, "ms-p50")
						b.ReportMetric(float64(times[len(times)*99/100].Microseconds())/1000, "ms-p99")
					})
				}
			}
		})
	}
}

// companyPageQueries is what GET /company?page=N asks of the database.
func companyPageQueries(b *testing.B, s *Store, viewer, companyID string, page int) {
	ctx := context.Background()
	m, err := s.MembershipOf(ctx, viewer)
	if err != nil || m == nil || m.Company.ID != companyID {
		b.Fatalf("membership of %s = %+v, %v", viewer, m, err)
	}
	p, err := s.Members(ctx, companyID, MemberQuery{Offset: page * 50, Limit: 50})
	if err != nil || len(p.Rows) == 0 {
		b.Fatalf("members: %d rows, %v", len(p.Rows), err)
	}
	if _, err := s.Members(ctx, companyID, MemberQuery{Pending: true, Limit: 1}); err != nil {
		b.Fatal(err)
	}
}

// seedScale fills the index with n members in one transaction per 1,000,
// in companies of 50 except one of n/10, and returns the id of a company
// of 50 and of the large one. Company ids are their domains'
// "c<k>", members "c<k>-<i>".
func seedScale(b *testing.B, s *Store, n int) (small, large string) {
	b.Helper()
	ctx := context.Background()
	now := start.Unix()
	verified := start.Add(-100 * 24 * time.Hour).Unix()
	largeSize := n / 10
	type row struct{ company, id string }
	var rows []row
	for i := range largeSize {
		rows = append(rows, row{"c0", fmt.Sprintf("c0-%d", i)})
	}
	for k := 1; len(rows) < n; k++ {
		for i := 0; i < 50 && len(rows) < n; i++ {
			rows = append(rows, row{fmt.Sprintf("c%d", k), fmt.Sprintf("c%d-%d", k, i)})
		}
	}
	for lo := 0; lo < len(rows); lo += 1000 {
		err := s.inTx(ctx, func(tx *sql.Tx) error {
			seen := map[string]bool{}
			for _, r := range rows[lo:min(lo+1000, len(rows))] {
				domain := r.company + "-bench.com"
				if !seen[r.company] {
					seen[r.company] = true
					if _, err := tx.ExecContext(ctx, s.q(`INSERT INTO companies (id, name, named, created_at, updated_at) VALUES (?, ?, 0, ?, ?) ON CONFLICT (id) DO NOTHING`),
						r.company, domain, now, now); err != nil {
						return err
					}
					if _, err := tx.ExecContext(ctx, s.q(`INSERT INTO company_domains (domain, company_id, added_at) VALUES (?, ?, ?) ON CONFLICT (domain) DO NOTHING`),
						domain, r.company, now); err != nil {
						return err
					}
				}
				status, at := "verified", any(verified)
				if r.id[len(r.id)-1] == '9' { // a tenth pending
					status, at = "unverified", nil
				}
				if _, err := tx.ExecContext(ctx, s.q(`INSERT INTO members (identity_id, address, domain, name, username, status, verified_at, changed_at, seen_at)
					VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`), r.id, r.id+"@"+domain, domain, "Name "+r.id, r.id, status, at, now, now); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			b.Fatal(err)
		}
	}
	return "c1", "c0"
}
