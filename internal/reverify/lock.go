package reverify

import (
	"context"
	"errors"
	"fmt"
	"os"
	"syscall"
)

// Locker makes passes exclusive. TryLock returns ok=false, without
// waiting, when another pass holds the lock.
type Locker interface {
	TryLock(ctx context.Context) (unlock func(), ok bool, err error)
}

// FileLock is a Locker for instances that share a file system: an
// exclusive flock on Path.
type FileLock struct{ Path string }

// TryLock takes the lock if it is free.
func (l FileLock) TryLock(context.Context) (func(), bool, error) {
	f, err := os.OpenFile(l.Path, os.O_CREATE|os.O_RDWR, 0o600)
	if err != nil {
		return nil, false, fmt.Errorf("open lock file: %w", err)
	}
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB); err != nil {
		f.Close()
		if errors.Is(err, syscall.EWOULDBLOCK) {
			return nil, false, nil
		}
		return nil, false, fmt.Errorf("lock %s: %w", l.Path, err)
	}
	return func() {
		_ = syscall.Flock(int(f.Fd()), syscall.LOCK_UN)
		f.Close()
	}, true, nil
}
