package limit

import (
	"sync"
	"time"
)

// Window allows at most Events events in any Window for each key: a
// sliding window log, one timestamp per allowed event, so a key costs at
// most Events timestamps. Refused events are not recorded: a client that
// keeps trying is let in again as soon as its oldest event leaves the
// window.
//
// Memory is bounded: a key whose events have all left the window is the
// same as a key never seen, and Sweep drops it; past MaxKeys keys, a new
// key evicts an arbitrary other one (which then starts afresh) rather
// than grow the table or refuse the newcomer.
type Window struct {
	events  int
	window  time.Duration
	maxKeys int
	now     func() time.Time
	epoch   time.Time

	mu      sync.Mutex
	keys    map[string]*log
	evicted uint64
}

// log holds a key's allowed events as offsets from the window's epoch,
// oldest at next once the ring is full.
type log struct {
	times []time.Duration
	next  int
}

// NewWindow returns a limiter of events per window and key, keeping at
// most maxKeys keys, reading the time from now.
func NewWindow(events int, window time.Duration, maxKeys int, now func() time.Time) *Window {
	return &Window{
		events: events, window: window, maxKeys: maxKeys, now: now, epoch: now(),
		keys: make(map[string]*log),
	}
}

// Allow records an event for key and reports true if the key has had
// fewer than Events events in the last Window; otherwise it records
// nothing and reports how long until the next event would be allowed.
func (w *Window) Allow(key string) (bool, time.Duration) {
	w.mu.Lock()
	defer w.mu.Unlock()
	now := w.now().Sub(w.epoch)
	l, ok := w.keys[key]
	if !ok {
		if len(w.keys) >= w.maxKeys {
			w.evictOne()
		}
		l = &log{times: make([]time.Duration, 0, min(w.events, 4))}
		w.keys[key] = l
	}
	if len(l.times) < w.events {
		l.times = append(l.times, now)
		return true, 0
	}
	oldest := l.times[l.next]
	if wait := oldest + w.window - now; wait > 0 {
		return false, wait
	}
	l.times[l.next] = now
	l.next = (l.next + 1) % w.events
	return true, 0
}

// evictOne drops an arbitrary key (Go's map order is random), called with
// mu held.
func (w *Window) evictOne() {
	for k := range w.keys {
		delete(w.keys, k)
		w.evicted++
		return
	}
}

// newest is the time of l's last allowed event.
func (l *log) newest() time.Duration {
	if len(l.times) == 0 {
		return 0
	}
	return l.times[(l.next+len(l.times)-1)%len(l.times)]
}

// Sweep drops every key whose events have all left the window and
// returns how many keys remain.
func (w *Window) Sweep() int {
	w.mu.Lock()
	defer w.mu.Unlock()
	now := w.now().Sub(w.epoch)
	for k, l := range w.keys {
		if l.newest()+w.window <= now {
			delete(w.keys, k)
		}
	}
	return len(w.keys)
}

// Len is how many keys the limiter holds.
func (w *Window) Len() int {
	w.mu.Lock()
	defer w.mu.Unlock()
	return len(w.keys)
}

// Evicted is how many keys were dropped to stay within MaxKeys.
func (w *Window) Evicted() uint64 {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.evicted
}
