package companies

import (
	"cmp"
	"context"
	"fmt"
	"path/filepath"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/workid/workid/internal/pgtest"
)

var testLimits = Limits{Gap: time.Minute, PerDay: 5}

func claim(t *testing.T, s *Store, id string, at time.Time) bool {
	t.Helper()
	c, _, err := s.ClaimLinkRequest(context.Background(), id, at, testLimits)
	if err != nil {
		t.Fatal(err)
	}
	return c != nil
}

// refusal is the limit that refuses id's request at at.
func refusal(t *testing.T, s *Store, id string, at time.Time) Refusal {
	t.Helper()
	c, why, err := s.ClaimLinkRequest(context.Background(), id, at, testLimits)
	if err != nil || c != nil {
		t.Fatalf("request at %s: %v, %v; want refused", at, c, err)
	}
	return why
}

// noticeAt claims an email-change notice for id at at: nil when refused.
func noticeAt(t *testing.T, s *Store, id string, at time.Time) *Claim {
	t.Helper()
	c, err := s.ClaimNotice(context.Background(), id, at, Limits{PerDay: 10})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func TestLinkRequestLimits(t *testing.T) {
	stores(t, func(t *testing.T, s *Store, _ *clock) {
		at := start
		if !claim(t, s, "a", at) {
			t.Fatal("first request refused")
		}
		if claim(t, s, "a", at.Add(59*time.Second)) {
			t.Error("second request within the minute claimed")
		}
		if !claim(t, s, "b", at.Add(time.Second)) {
			t.Error("another account's request refused: limits are per account")
		}
		// Five a day: the first at start, then four ten minutes apart.
		for i := 1; i <= 4; i++ {
			if !claim(t, s, "a", at.Add(time.Duration(i)*10*time.Minute)) {
				t.Fatalf("request %d refused", i+1)
			}
		}
		if claim(t, s, "a", at.Add(time.Hour)) {
			t.Error("sixth request within the day claimed")
		}
		// Which limit refused: the day's, even within the minute.
		if why := refusal(t, s, "a", at.Add(time.Hour)); why != DayFull {
			t.Errorf("a sixth request of the day refused for %d, want DayFull", why)
		}
		if why := refusal(t, s, "a", at.Add(40*time.Minute+time.Second)); why != DayFull {
			t.Errorf("a sixth request within the minute refused for %d, want DayFull", why)
		}
		if why := refusal(t, s, "b", at.Add(30*time.Second)); why != TooSoon {
			t.Errorf("a second request within the minute refused for %d, want TooSoon", why)
		}
		// A day after the first, one is free again: and only one.
		if !claim(t, s, "a", at.Add(24*time.Hour+time.Second)) {
			t.Error("request a day after the first refused")
		}
		if claim(t, s, "a", at.Add(24*time.Hour+2*time.Minute)) {
			t.Error("second request the next day claimed while four of the day are still counted")
		}
	})
}

// A claim given back (its mail could not be sent) does not count, even
// when the request that made it has ended.
func TestReleasedLinkRequestDoesNotCount(t *testing.T) {
	stores(t, func(t *testing.T, s *Store, _ *clock) {
		c, _, err := s.ClaimLinkRequest(context.Background(), "a", start, testLimits)
		if err != nil || c == nil {
			t.Fatalf("first request: %v, %v; want claimed", c, err)
		}
		ended, cancel := context.WithCancel(context.Background())
		cancel()
		if err := c.Release(ended); err != nil {
			t.Fatal(err)
		}
		if !claim(t, s, "a", start.Add(time.Second)) {
			t.Error("request after a released one refused")
		}
		if claim(t, s, "a", start.Add(2*time.Second)) {
			t.Error("a second request within the minute claimed after the release")
		}
	})
}

// A request far in the future (a process whose clock is wrong) is ignored,
// not taken to block the account for a day; one a little ahead counts.
func TestLinkRequestFromAFastClock(t *testing.T) {
	stores(t, func(t *testing.T, s *Store, _ *clock) {
		if !claim(t, s, "a", start.Add(48*time.Hour)) {
			t.Fatal("request refused")
		}
		if !claim(t, s, "a", start) {
			t.Error("a request two days ahead blocked one now")
		}
		if !claim(t, s, "b", start.Add(2*time.Minute)) {
			t.Fatal("request refused")
		}
		if claim(t, s, "b", start) {
			t.Error("a request two minutes ahead (within the skew allowed) did not count")
		}
	})
}

// Requests at once for one account, through two Stores on one database
// (two replicas), claim exactly one: whatever the interleaving.
func TestConcurrentLinkRequestsClaimOne(t *testing.T) {
	pg, err := pgtest.CreateDatabase(context.Background(), pgDSN, "concurrent_link_requests")
	if err != nil {
		t.Fatal(err)
	}
	for name, url := range map[string]string{"sqlite": "sqlite:" + filepath.Join(t.TempDir(), "workid.db"), "postgres": pg} {
		t.Run(name, func(t *testing.T) {
			c := &clock{}
			c.set(start)
			replicas := []*Store{openStore(t, url, c), openStore(t, url, c)}
			for round := range 3 {
				id := fmt.Sprintf("account-%d", round)
				var claimed atomic.Int64
				var wg sync.WaitGroup
				errs := make(chan error, 16)
				for i := range 16 {
					wg.Go(func() {
						// Each a microsecond apart, as on clocks that differ.
						at := start.Add(time.Duration(i) * time.Microsecond)
						var c *Claim
						var err error
						if round == 2 { // the notices' table takes turns alike, with the notices' limits
							c, err = replicas[i%2].ClaimNotice(context.Background(), id, at, Limits{PerDay: 10})
						} else {
							c, _, err = replicas[i%2].ClaimLinkRequest(context.Background(), id, at, testLimits)
						}
						if err != nil {
							errs <- err
						}
						if c != nil {
							claimed.Add(1)
						}
					})
				}
				wg.Wait()
				close(errs)
				for err := range errs {
					t.Error(err)
				}
				want := int64(1) // the minute's gap
				if round == 2 {
					want = 10 // the notices' day
				}
				if n := claimed.Load(); n != want {
					t.Errorf("round %d: %d of 16 concurrent requests claimed, want %d", round, n, want)
				}
			}
		})
	}
}

// Requests older than a day are deleted as new ones come in, of every
// account: the table holds at most a day of requests.
func TestOldLinkRequestsArePruned(t *testing.T) {
	stores(t, func(t *testing.T, s *Store, _ *clock) {
		for i := range 3 {
			claim(t, s, fmt.Sprint("old-", i), start)
		}
		claim(t, s, "new", start.Add(25*time.Hour))
		var n int
		if err := s.db.QueryRow(`SELECT count(*) FROM link_requests`).Scan(&n); err != nil {
			t.Fatal(err)
		}
		if n != 1 {
			t.Errorf("%d requests kept, want 1 (the three of a day before deleted)", n)
		}
	})
}

// Email-change notices have a count of their own: links asked for do not
// use it up, nor do notices links'. A notice given back does not count.
func TestNoticesCountApartFromLinks(t *testing.T) {
	stores(t, func(t *testing.T, s *Store, _ *clock) {
		for i := range 5 {
			if !claim(t, s, "a", start.Add(time.Duration(i)*10*time.Minute)) {
				t.Fatalf("link request %d refused", i+1)
			}
		}
		var first *Claim
		for i := range 10 {
			c := noticeAt(t, s, "a", start.Add(time.Duration(i)*time.Second))
			if c == nil {
				t.Fatalf("notice %d refused: the links count apart", i+1)
			}
			first = cmp.Or(first, c)
		}
		last := start.Add(time.Hour)
		if noticeAt(t, s, "a", last) != nil {
			t.Error("eleventh notice within the day claimed")
		}
		if err := first.Release(context.Background()); err != nil {
			t.Fatal(err)
		}
		if noticeAt(t, s, "a", last) == nil {
			t.Error("notice after one was given back refused")
		}
		if claim(t, s, "a", start.Add(2*time.Hour)) {
			t.Error("a sixth link request within the day claimed: notices freed links")
		}
		// No gap between notices: one from a clock a little ahead does
		// not hold back one now, and two at the same instant are one.
		if noticeAt(t, s, "b", start.Add(2*time.Minute)) == nil {
			t.Fatal("notice refused")
		}
		for i, want := range []bool{true, false} {
			if got := noticeAt(t, s, "b", start) != nil; got != want {
				t.Errorf("notice %d at one instant claimed = %v, want %v", i+1, got, want)
			}
		}
	})
}
