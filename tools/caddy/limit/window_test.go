package limit

import (
	"fmt"
	"sync"
	"testing"
	"time"
)

// clock is a settable time source for the limiter.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func newClock() *clock { return &clock{t: time.Date(2026, 12, 2, 9, 0, 0, 0, time.UTC)} }

func (c *clock) now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *clock) advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

func TestWindowAllowsEventsThenRefuses(t *testing.T) {
	c := newClock()
	w := NewWindow(10, time.Minute, 100, c.now)
	for i := 1; i <= 10; i++ {
		if ok, _ := w.Allow("192.0.2.1"); !ok {
			t.Fatalf("Allow() #%d = false, want true", i)
		}
		c.advance(time.Second)
	}
	// 10 s after the first event: it leaves the window in 50 s.
	ok, wait := w.Allow("192.0.2.1")
	if ok || wait != 50*time.Second {
		t.Fatalf("Allow() #11 = %v, %v, want false, 50s", ok, wait)
	}
	if ok, _ := w.Allow("192.0.2.2"); !ok {
		t.Errorf("Allow(another key) = false, want true: keys are limited apart")
	}
}

// The window slides: each event is let in once the one ten events before
// it is a window old, and a refused event does not count.
func TestWindowSlides(t *testing.T) {
	c := newClock()
	w := NewWindow(3, time.Minute, 100, c.now)
	steps := []struct {
		after time.Duration
		want  bool
	}{
		{0, true}, {10 * time.Second, true}, {10 * time.Second, true}, // t=0, 10, 20
		{10 * time.Second, false}, // t=30: three in the last minute
		{29 * time.Second, false}, // t=59
		{1 * time.Second, true},   // t=60: the t=0 event left
		{1 * time.Second, false},  // t=61: 10, 20, 60 remain
		{9 * time.Second, true},   // t=70: 10 left
		{10 * time.Second, true},  // t=80: 20 left
		{0, false},
	}
	for i, s := range steps {
		c.advance(s.after)
		if got, _ := w.Allow("k"); got != s.want {
			t.Fatalf("step %d (+%v): Allow() = %v, want %v", i, s.after, got, s.want)
		}
	}
}

func TestWindowRetryAfterIsTheOldestEvent(t *testing.T) {
	c := newClock()
	w := NewWindow(2, 10*time.Second, 100, c.now)
	w.Allow("k")
	c.advance(3 * time.Second)
	w.Allow("k")
	c.advance(time.Second)
	if ok, wait := w.Allow("k"); ok || wait != 6*time.Second {
		t.Errorf("Allow() = %v, %v, want false, 6s", ok, wait)
	}
}

func TestWindowSweepDropsIdleKeys(t *testing.T) {
	c := newClock()
	w := NewWindow(5, time.Minute, 100, c.now)
	w.Allow("old")
	c.advance(30 * time.Second)
	w.Allow("recent")
	if got := w.Sweep(); got != 2 {
		t.Fatalf("Sweep() at 30s = %d keys, want 2", got)
	}
	c.advance(30 * time.Second)
	if got := w.Sweep(); got != 1 {
		t.Fatalf("Sweep() at 60s = %d keys, want 1 (old's event left the window)", got)
	}
	c.advance(30 * time.Second)
	if got := w.Sweep(); got != 0 {
		t.Fatalf("Sweep() at 90s = %d keys, want 0", got)
	}
}

// A swept key starts afresh, exactly as if it had been kept: nothing of
// it was inside the window.
func TestWindowSweptKeyIsFresh(t *testing.T) {
	c := newClock()
	w := NewWindow(2, time.Minute, 100, c.now)
	w.Allow("k")
	w.Allow("k")
	c.advance(time.Minute)
	w.Sweep()
	for i := range 2 {
		if ok, _ := w.Allow("k"); !ok {
			t.Fatalf("Allow() #%d after the sweep = false, want true", i+1)
		}
	}
	if ok, _ := w.Allow("k"); ok {
		t.Fatal("Allow() #3 after the sweep = true, want false")
	}
}

func TestWindowStaysWithinMaxKeys(t *testing.T) {
	c := newClock()
	w := NewWindow(1, time.Hour, 50, c.now)
	for i := range 1000 {
		if ok, _ := w.Allow(fmt.Sprintf("198.51.100.%d", i)); !ok {
			t.Fatalf("Allow(new key %d) = false, want true: a full table must not refuse newcomers", i)
		}
	}
	if got := w.Len(); got != 50 {
		t.Errorf("Len() = %d, want 50", got)
	}
	if got := w.Evicted(); got != 950 {
		t.Errorf("Evicted() = %d, want 950", got)
	}
}

func TestWindowConcurrentUse(t *testing.T) {
	w := NewWindow(100, time.Hour, 1000, time.Now)
	var wg sync.WaitGroup
	var mu sync.Mutex
	allowed := 0
	for range 8 {
		wg.Go(func() {
			for range 50 {
				if ok, _ := w.Allow("k"); ok {
					mu.Lock()
					allowed++
					mu.Unlock()
				}
			}
		})
	}
	wg.Wait()
	if allowed != 100 {
		t.Errorf("%d of 400 concurrent events allowed, want 100", allowed)
	}
}

func BenchmarkWindowAllow(b *testing.B) {
	w := NewWindow(300, time.Minute, 100000, time.Now)
	keys := make([]string, 1024)
	for i := range keys {
		keys[i] = fmt.Sprintf("203.0.113.%d/%d", i%256, i)
	}
	b.ResetTimer()
	for i := range b.N {
		w.Allow(keys[i%len(keys)])
	}
}
