package reverify

import (
	"context"
	"errors"
	"fmt"
	"os"
	"syscall"
)

// Locker makes passes exclusive. TryLock returns ok=false, without
// waiting, when another pass holds the lock. The pass runs under the
// returned context, which ends if the lock is lost.
type Locker interface {
	TryLock(ctx context.Context) (lockCtx context.Context, unlock func(), ok bool, err error)
}

// FileLock is a Locker for instances that share a file system: an
// exclusive flock on Path. The kernel releases it if the process dies.
type FileLock struct{ Path string }

// TryLock takes the lock if it is free.
func (l FileLock) TryLock(ctx context.Context) (context.Context, func(), bool, error) {
	f, err := os.OpenFile(l.Path, os.O_CREATE|os.O_RDWR, 0o600)
	if err != nil {
		return nil, nil, false, fmt.Errorf("open lock file: %w", err)
	}
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB); err != nil {
		f.Close()
		if errors.Is(err, syscall.EWOULDBLOCK) {
			return nil, nil, false, nil
		}
		return nil, nil, false, fmt.Errorf("lock %s: %w", l.Path, err)
	}
	return ctx, func() {
		_ = syscall.Flock(int(f.Fd()), syscall.LOCK_UN)
		f.Close()
	}, true, nil
}
