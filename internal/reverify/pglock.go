package reverify

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
)

// lockKey is the advisory lock every WorkID re-verification pass takes
// (an arbitrary constant: "WRKIDRVF" in ASCII).
const lockKey int64 = 0x57524B4944525646

// errLockLost ends a pass whose database session (and so lock) is gone.
var errLockLost = errors.New("the advisory lock's database session was lost")

// PostgresLock is a Locker for instances that share a PostgreSQL database
// (the production one): a session advisory lock, held on its own
// connection for the pass. PostgreSQL releases it when the session ends,
// also when the process dies; the session is checked every 30 s and the
// pass stops if it is gone, since another pass may then take the lock.
// The DSN must reach PostgreSQL directly, not through a pooler in
// transaction mode, which does not keep sessions.
type PostgresLock struct {
	DSN string
	// CheckEvery is how often the session is checked (30 s when zero).
	CheckEvery time.Duration
}

// TryLock takes the lock if it is free.
func (l PostgresLock) TryLock(ctx context.Context) (context.Context, func(), bool, error) {
	cctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	conn, err := pgx.Connect(cctx, l.DSN)
	if err != nil {
		return nil, nil, false, fmt.Errorf("connect to the lock database: %w", err)
	}
	var ok bool
	if err := conn.QueryRow(cctx, "SELECT pg_try_advisory_lock($1)", lockKey).Scan(&ok); err != nil {
		conn.Close(context.Background())
		return nil, nil, false, fmt.Errorf("take the advisory lock: %w", err)
	}
	if !ok {
		conn.Close(context.Background())
		return nil, nil, false, nil
	}
	lockCtx, lose := context.WithCancelCause(ctx)
	watchDone := make(chan struct{})
	stopWatch := make(chan struct{})
	go func() {
		defer close(watchDone)
		every := l.CheckEvery
		if every <= 0 {
			every = 30 * time.Second
		}
		t := time.NewTicker(every)
		defer t.Stop()
		for {
			select {
			case <-stopWatch:
				return
			case <-lockCtx.Done():
				return
			case <-t.C:
				pctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
				err := conn.Ping(pctx)
				cancel()
				if err != nil {
					lose(fmt.Errorf("%w: %v", errLockLost, err))
					return
				}
			}
		}
	}()
	return lockCtx, func() {
		close(stopWatch)
		<-watchDone
		uctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		_, _ = conn.Exec(uctx, "SELECT pg_advisory_unlock($1)", lockKey)
		conn.Close(uctx)
		lose(nil)
	}, true, nil
}
