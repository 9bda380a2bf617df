package companies

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sync"
	"testing"

	"github.com/workid/workid/internal/pgtest"
)

func TestParseURL(t *testing.T) {
	for _, tt := range []struct {
		in       string
		postgres bool
		path     string
		bad      bool
	}{
		{in: "sqlite:.workid/workid.db", path: ".workid/workid.db"},
		{in: "sqlite:///var/lib/workid/workid.db", path: "/var/lib/workid/workid.db"},
		{in: "postgres://workid:pw@postgres:5432/workid?sslmode=disable", postgres: true},
		{in: "postgresql://workid@db/workid", postgres: true},
		{in: "sqlite:", bad: true},
		{in: "sqlite:a.db?mode=memory", bad: true},
		{in: "mysql://x", bad: true},
		{in: "", bad: true},
	} {
		loc, err := ParseURL(tt.in)
		if (err != nil) != tt.bad || loc.Postgres != tt.postgres || loc.Path != tt.path {
			t.Errorf("ParseURL(%q) = %+v, %v; want postgres %v, path %q, error %v", tt.in, loc, err, tt.postgres, tt.path, tt.bad)
		}
	}
}

func TestQuestionMarksBecomeNumbered(t *testing.T) {
	s := &Store{pg: true}
	if got := s.q("a = ? AND b IN (?, ?)"); got != "a = $1 AND b IN ($2, $3)" {
		t.Errorf("q = %q", got)
	}
	if got := (&Store{}).q("a = ?"); got != "a = ?" {
		t.Errorf("q for SQLite = %q, want it unchanged", got)
	}
}

// Every WorkID process opens the database at start, so several migrate
// one new database at once: all succeed, and it is migrated once.
func TestConcurrentOpens(t *testing.T) {
	pg, err := pgtest.CreateDatabase(context.Background(), pgDSN, "concurrent_opens")
	if err != nil {
		t.Fatal(err)
	}
	for name, url := range map[string]string{"sqlite": "sqlite:" + filepath.Join(t.TempDir(), "new", "workid.db"), "postgres": pg} {
		t.Run(name, func(t *testing.T) {
			var wg sync.WaitGroup
			errs := make([]error, 4)
			for i := range errs {
				wg.Go(func() {
					policy, err := testPolicy()
					if err != nil {
						errs[i] = err
						return
					}
					s, err := Open(context.Background(), url, Options{Rule: policy})
					if err != nil {
						errs[i] = fmt.Errorf("open %d: %w", i, err)
						return
					}
					errs[i] = s.Close()
				})
			}
			wg.Wait()
			if err := errors.Join(errs...); err != nil {
				t.Fatal(err)
			}
			c := &clock{}
			c.set(start)
			s := openStore(t, url, c)
			files, err := fs.Glob(migrations, "migrations/*.sql")
			if err != nil || len(files) == 0 {
				t.Fatalf("migrations: %v, %v", files, err)
			}
			var n int
			if err := s.db.QueryRow(`SELECT count(*) FROM ` + migrationsTable + ` WHERE version_id > 0`).Scan(&n); err != nil || n != len(files) {
				t.Errorf("migrations recorded = %d, %v; want %d, once each", n, err, len(files))
			}
		})
	}
}

func TestOpenRefusesABadURL(t *testing.T) {
	policy, err := testPolicy()
	if err != nil {
		t.Fatal(err)
	}
	if _, err := Open(context.Background(), "mysql://db/workid", Options{Rule: policy}); err == nil {
		t.Error("Open(mysql://...) succeeded")
	}
	if _, err := Open(context.Background(), "postgres://127.0.0.1:1/none?connect_timeout=2", Options{Rule: policy}); err == nil {
		t.Error("Open of a dead PostgreSQL succeeded")
	}
}

// The SQLite file holds names and addresses: its owner alone reads it.
func TestSQLiteFileIsPrivate(t *testing.T) {
	path := filepath.Join(t.TempDir(), "data", "workid.db")
	c := &clock{}
	c.set(start)
	s := openStore(t, "sqlite:"+path, c)
	observe(t, s, verified("ann", "ann@acme-widgets.com", start))
	for _, p := range []string{path, path + "-wal"} {
		info, err := os.Stat(p)
		if err != nil {
			t.Fatal(err)
		}
		if mode := info.Mode().Perm(); mode != 0o600 {
			t.Errorf("%s has mode %o, want 600", filepath.Base(p), mode)
		}
	}
}
