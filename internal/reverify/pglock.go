package reverify

import (
	"context"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
)

// lockKey is the advisory lock every WorkID re-verification pass takes
// (an arbitrary constant: "WRKIDRVF" in ASCII).
const lockKey int64 = 0x57524B4944525646

// PostgresLock is a Locker for instances that share a PostgreSQL database
// (the production one): a session advisory lock, held on its own
// connection for the pass. If the pass's process dies, PostgreSQL ends
// the session and so releases the lock.
type PostgresLock struct{ DSN string }

// TryLock takes the lock if it is free.
func (l PostgresLock) TryLock(ctx context.Context) (func(), bool, error) {
	cctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	conn, err := pgx.Connect(cctx, l.DSN)
	if err != nil {
		return nil, false, fmt.Errorf("connect to the lock database: %w", err)
	}
	var ok bool
	if err := conn.QueryRow(cctx, "SELECT pg_try_advisory_lock($1)", lockKey).Scan(&ok); err != nil {
		conn.Close(context.Background())
		return nil, false, fmt.Errorf("take the advisory lock: %w", err)
	}
	if !ok {
		conn.Close(context.Background())
		return nil, false, nil
	}
	return func() {
		uctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		_, _ = conn.Exec(uctx, "SELECT pg_advisory_unlock($1)", lockKey)
		conn.Close(uctx)
	}, true, nil
}
