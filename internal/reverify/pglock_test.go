package reverify

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/workid/workid/internal/pgtest"
)

// The advisory lock on a real PostgreSQL: one holder at a time, free
// again after unlock, and a dead DSN is an error, not a skipped pass.
func TestPostgresLock(t *testing.T) {
	st := shared.Get(t)
	dsn := pgtest.Start(t)
	a, b := PostgresLock{DSN: dsn}, PostgresLock{DSN: dsn}
	_, unlock, ok, err := a.TryLock(t.Context())
	if err != nil || !ok {
		t.Fatalf("first TryLock = %v, %v; want the lock", ok, err)
	}
	if _, _, ok, err := b.TryLock(t.Context()); err != nil || ok {
		t.Fatalf("second TryLock while held = %v, %v; want refused", ok, err)
	}
	unlock()
	_, unlock2, ok, err := b.TryLock(t.Context())
	if err != nil || !ok {
		t.Fatalf("TryLock after unlock = %v, %v; want the lock", ok, err)
	}
	unlock2()

	// A lost session ends the pass's context: another pass could now take
	// the lock, so this one must stop.
	watched := PostgresLock{DSN: dsn, CheckEvery: 50 * time.Millisecond}
	lockCtx, unlock3, ok, err := watched.TryLock(t.Context())
	if err != nil || !ok {
		t.Fatalf("TryLock = %v, %v", ok, err)
	}
	defer unlock3()
	admin, err := pgx.Connect(t.Context(), dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer admin.Close(t.Context())
	if _, err := admin.Exec(t.Context(), "SELECT pg_terminate_backend(pid) FROM pg_locks WHERE locktype = 'advisory'"); err != nil {
		t.Fatal(err)
	}
	select {
	case <-lockCtx.Done():
		if !errors.Is(context.Cause(lockCtx), errLockLost) {
			t.Errorf("lock context ended with %v, want errLockLost", context.Cause(lockCtx))
		}
	case <-time.After(5 * time.Second):
		t.Error("the lock's session was terminated, but the pass's context did not end")
	}

	// A pass over the real Kratos with the PostgreSQL lock.
	j := New(st.Admin, st.Public, Options{SendsPerSecond: 100, DryRun: true}, PostgresLock{DSN: dsn}, quiet)
	if r, err := j.RunOnce(t.Context()); err != nil || r.Skipped {
		t.Errorf("a pass with the PostgreSQL lock: %+v, %v", r, err)
	}

	if _, _, _, err := (PostgresLock{DSN: "postgres://postgres@127.0.0.1:1/postgres?sslmode=disable"}).TryLock(t.Context()); err == nil {
		t.Error("TryLock against no database = nil error, want the connection error")
	}
}
