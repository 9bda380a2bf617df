package stack

import (
	"bytes"
	"database/sql"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// Kratos's queries for an identity's addresses, as its identity persister
// sends them (HydrateIdentityAssociations) on every whoami and admin read.
var addressQueries = []struct{ table, query string }{
	{"identity_verifiable_addresses", `SELECT * FROM identity_verifiable_addresses WHERE identity_id=? AND nid=? ORDER BY id`},
	{"identity_recovery_addresses", `SELECT * FROM identity_recovery_addresses WHERE identity_id=? AND nid=? ORDER BY id`},
}

// At 100,000 identities in Kratos's own SQLite schema (migrated by the
// real Kratos), the addresses of one identity are read through the index
// on identity_id once OptimizeSQLite has run, and not before: without
// statistics SQLite scans the (nid, id) index, every row of the table.
// Statistics taken while the tables were empty do not prevent that; the
// refresh, run as the database grows, does, for every connection opened
// after it.
func TestSQLitePlansAtScale(t *testing.T) {
	root, err := FindRoot()
	if err != nil {
		t.Fatal(err)
	}
	bin := filepath.Join(root, "bin")
	if _, err := os.Stat(filepath.Join(bin, "kratos")); err != nil {
		t.Fatalf("%v: `make servers` builds Kratos", err)
	}
	// The design's ports only fill in the configuration: migrating
	// listens on none, so `make run` may hold them meanwhile.
	l := Layout{Root: root, Bin: bin, Data: t.TempDir(), Ports: defaultLayout().Ports}
	var out bytes.Buffer
	sup := NewSupervisor(NewOutput(&out, "kratos", "hydra"), nil)
	if err := l.Migrate(t.Context(), sup, Secrets{HooksKey: "k", KratosCookie: "c", KratosCipher: "0123456789abcdef0123456789abcdef", HydraSystem: "s"}); err != nil {
		t.Fatalf("%v\n%s", err, out.String())
	}
	if err := l.OptimizeSQLite(t.Context()); err != nil {
		t.Fatal(err) // on the empty tables: no help, as the plans below show
	}
	db, err := sql.Open("sqlite", "file:"+filepath.Join(l.Data, "kratos.sqlite"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	db.SetMaxOpenConns(1)
	nid := seedIdentities(t, db, 100_000)
	probe := "00000000-0000-4000-8000-000000050000"
	for _, q := range addressQueries {
		if p := queryPlan(t, db, q.query, probe, nid); !strings.Contains(p, q.table+"_nid_id_idx") {
			t.Errorf("before the refresh %s is read by %q; this test expects SQLite's scan of (nid, id) there, did SQLite change?", q.table, p)
		}
	}
	start := time.Now()
	if err := l.OptimizeSQLite(t.Context()); err != nil {
		t.Fatal(err)
	}
	t.Logf("the refresh took %v at 100,000 identities", time.Since(start))
	// A connection reads the statistics when it opens: Kratos's are
	// recycled (max_conn_lifetime in its DSN), and a new one plans well.
	fresh, err := sql.Open("sqlite", "file:"+filepath.Join(l.Data, "kratos.sqlite"))
	if err != nil {
		t.Fatal(err)
	}
	defer fresh.Close()
	for _, q := range addressQueries {
		if p := queryPlan(t, fresh, q.query, probe, nid); !strings.Contains(p, "identity_id=?") {
			t.Errorf("after the refresh %s is read by %q, want the index on identity_id", q.table, p)
		}
	}
}

// seedIdentities inserts a network (Kratos makes its own when it first
// serves) and n identities in it, with one verifiable and one recovery
// address each, into Kratos's tables, and returns the network's id. Only
// this test's throwaway copy is written so.
func seedIdentities(t *testing.T, db *sql.DB, n int) string {
	t.Helper()
	tx, err := db.Begin()
	if err != nil {
		t.Fatal(err)
	}
	defer tx.Rollback()
	now := time.Now().UTC().Format("2006-01-02 15:04:05")
	const nid = "5d874f47-d7d4-4a53-8704-8d7980e9df6c"
	if _, err := tx.Exec(`INSERT INTO networks (id, created_at, updated_at) VALUES (?, ?, ?)`, nid, now, now); err != nil {
		t.Fatal(err)
	}
	stmts := []string{
		`INSERT INTO identities (id, schema_id, traits, created_at, updated_at, nid, state) VALUES (?, 'default', '{}', ?, ?, ?, 'active')`,
		`INSERT INTO identity_verifiable_addresses (id, status, via, verified, value, identity_id, created_at, updated_at, nid) VALUES (?, 'completed', 'email', 1, ?, ?, ?, ?, ?)`,
		`INSERT INTO identity_recovery_addresses (id, via, value, identity_id, created_at, updated_at, nid) VALUES (?, 'email', ?, ?, ?, ?, ?)`,
	}
	prepared := make([]*sql.Stmt, len(stmts))
	for i, s := range stmts {
		if prepared[i], err = tx.Prepare(s); err != nil {
			t.Fatal(err)
		}
	}
	for i := range n {
		id, addr := fmt.Sprintf("00000000-0000-4000-8000-%012d", i), fmt.Sprintf("user-%d@acme-widgets.com", i)
		for j, args := range [][]any{
			{id, now, now, nid},
			{fmt.Sprintf("10000000-0000-4000-8000-%012d", i), addr, id, now, now, nid},
			{fmt.Sprintf("20000000-0000-4000-8000-%012d", i), addr, id, now, now, nid},
		} {
			if _, err := prepared[j].Exec(args...); err != nil {
				t.Fatal(err)
			}
		}
	}
	if err := tx.Commit(); err != nil {
		t.Fatal(err)
	}
	return nid
}

func queryPlan(t *testing.T, db *sql.DB, query string, args ...any) string {
	t.Helper()
	rows, err := db.Query("EXPLAIN QUERY PLAN "+query, args...)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var steps []string
	for rows.Next() {
		var id, parent, unused int
		var detail string
		if err := rows.Scan(&id, &parent, &unused, &detail); err != nil {
			t.Fatal(err)
		}
		steps = append(steps, detail)
	}
	return strings.Join(steps, "; ")
}
