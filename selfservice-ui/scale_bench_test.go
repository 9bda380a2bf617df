package selfserviceui_test

import (
	"context"
	"fmt"
	"net/http"
	"os"
	"strconv"
	"testing"
	"time"

	"github.com/workid/workid/internal/stacktest"
)

// BenchmarkPagesAtScale measures a signed-in user's pages and Kratos's
// own calls behind them on a stack of its own (SQLite), in one run: with
// 1,000 identities, then with WORKID_SCALE (default 50,000) before the
// planner's statistics are refreshed, then after (what `workid dev` does
// as the database grows: internal/stack/sqlitestats.go). Each round sends
// one request of each kind in turn, so a moment of load on this shared
// machine touches them all alike. WORKID_SCALE_DB=postgres runs Kratos and
// Hydra on PostgreSQL (Debian's, as the PostgreSQL suite does) instead,
// where there are no statistics to refresh. Not part of `make test`:
//
//	WORKID_SCALE=50000 go test -run '^$' -bench PagesAtScale -benchtime 1x -timeout 30m ./selfservice-ui/
func BenchmarkPagesAtScale(b *testing.B) {
	n := 50_000
	if v, err := strconv.Atoi(os.Getenv("WORKID_SCALE")); err == nil && v >= 2000 {
		n = v
	}
	postgres := os.Getenv("WORKID_SCALE_DB") == "postgres"
	ctx := context.Background()
	// Connections renew every 5 s (10 min in make run) so that new
	// statistics reach Kratos within the benchmark; the refresh is the
	// benchmark's to run.
	st, err := stacktest.Start(ctx, stacktest.Options{SQLiteConnLifetime: 5 * time.Second, NoSQLitePlans: true, Postgres: postgres})
	if err != nil {
		b.Fatal(err)
	}
	defer st.Close()
	pb := stacktest.NewPageBrowser(b)
	u := stacktest.NewUser("acme-widgets.com")
	if _, status, body := pb.Register(st.UIURL, u); status != http.StatusOK {
		b.Fatalf("register: %d\n%s", status, body)
	}
	// Verified, as most accounts are: the pages then need no second read
	// of the identity.
	if _, err := st.VerifyByMail(ctx, u.Email); err != nil {
		b.Fatal(err)
	}
	ids, err := st.IdentitiesByEmail(ctx, u.Email)
	if err != nil || len(ids) != 1 {
		b.Fatalf("the user's identity: %v", err)
	}
	spread := func(i int) int { // verified 10-359 days ago; every tenth never
		if i%10 == 0 {
			return -1
		}
		return 10 + i%350
	}
	domains := func(i int) string { return fmt.Sprintf("company-%d.com", i%2000) }
	// Each page beside the bare whoami on the same path: through the
	// edge, as browsers go, and straight to the servers. base is the
	// whoami a call is compared with.
	calls := []struct {
		name, url string
		base      int
	}{
		{"whoami, edge", st.EdgeURL + "/sessions/whoami", 0},
		{"dashboard, edge", st.UIURL + "/", 0},
		{"profile, edge", st.UIURL + "/settings", 0},
		{"whoami, Kratos", st.KratosPublicURL + "/sessions/whoami", 3},
		{"dashboard, UI", st.UIServerURL + "/", 3},
		{"admin read, Kratos", st.KratosAdminURL + "/admin/identities/" + ids[0].Id, 3},
	}
	measure := func(phase string) {
		const rounds = 150
		took := make([][]time.Duration, len(calls))
		for range rounds {
			for i, c := range calls {
				start := time.Now()
				if _, status, _ := pb.Get(c.url); status != http.StatusOK {
					b.Fatalf("%s %s: %d", phase, c.name, status)
				}
				took[i] = append(took[i], time.Since(start))
			}
		}
		for i, c := range calls {
			p50, p99 := stacktest.Percentile(took[i], 50), stacktest.Percentile(took[i], 99)
			ratio := float64(p50) / float64(stacktest.Percentile(took[c.base], 50))
			// Printed, not logged: go test cuts a benchmark's log at ten lines.
			fmt.Printf("%-26s %-20s p50 %8.2f ms  p99 %8.2f ms  p50/whoami %.2f\n", phase, c.name, ms(p50), ms(p99), ratio)
		}
	}
	if err := st.Seed(ctx, 1000-1, domains, spread); err != nil {
		b.Fatal(err)
	}
	measure("1,000 identities")
	start := time.Now()
	if err := st.Seed(ctx, n-1000, domains, spread); err != nil {
		b.Fatal(err)
	}
	fmt.Printf("seeded %d more identities in %s\n", n-1000, time.Since(start).Round(time.Second))
	if postgres {
		measure(fmt.Sprintf("%d, PostgreSQL", n))
		return
	}
	measure(fmt.Sprintf("%d, no statistics", n))
	start = time.Now()
	if err := st.Layout.OptimizeSQLite(ctx); err != nil {
		b.Fatal(err)
	}
	fmt.Printf("refreshed the statistics in %s\n", time.Since(start).Round(time.Millisecond))
	time.Sleep(6 * time.Second) // Kratos's and Hydra's connections renew
	measure(fmt.Sprintf("%d, statistics", n))
}

func ms(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }
