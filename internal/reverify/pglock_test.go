package reverify

import (
	"testing"

	"github.com/workid/workid/internal/pgtest"
)

// The advisory lock on a real PostgreSQL: one holder at a time, free
// again after unlock, and a dead DSN is an error, not a skipped pass.
func TestPostgresLock(t *testing.T) {
	dsn := pgtest.Start(t)
	a, b := PostgresLock{DSN: dsn}, PostgresLock{DSN: dsn}
	unlock, ok, err := a.TryLock(t.Context())
	if err != nil || !ok {
		t.Fatalf("first TryLock = %v, %v; want the lock", ok, err)
	}
	if _, ok, err := b.TryLock(t.Context()); err != nil || ok {
		t.Fatalf("second TryLock while held = %v, %v; want refused", ok, err)
	}
	unlock()
	unlock2, ok, err := b.TryLock(t.Context())
	if err != nil || !ok {
		t.Fatalf("TryLock after unlock = %v, %v; want the lock", ok, err)
	}
	unlock2()

	// A pass over the real Kratos with the PostgreSQL lock.
	j := New(st.Admin, st.Public, Options{SendsPerSecond: 100, DryRun: true}, PostgresLock{DSN: dsn}, quiet)
	if r, err := j.RunOnce(t.Context()); err != nil || r.Skipped {
		t.Errorf("a pass with the PostgreSQL lock: %+v, %v", r, err)
	}

	if _, _, err := (PostgresLock{DSN: "postgres://postgres@127.0.0.1:1/postgres?sslmode=disable"}).TryLock(t.Context()); err == nil {
		t.Error("TryLock against no database = nil error, want the connection error")
	}
}
