package companies

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/workid/workid/internal/businessemail"
	"github.com/workid/workid/internal/emailstate"
	"github.com/workid/workid/internal/pgtest"
)

var quiet = slog.New(slog.NewTextHandler(io.Discard, nil))

// pgDSN is the PostgreSQL server every test of the package shares (each
// test gets a database of its own on it).
var pgDSN string

func TestMain(m *testing.M) {
	dsn, stop, err := pgtest.StartServer()
	if err != nil {
		fmt.Fprintln(os.Stderr, "start PostgreSQL:", err)
		os.Exit(1)
	}
	pgDSN = dsn
	code := m.Run()
	if err := stop(); err != nil {
		fmt.Fprintln(os.Stderr, "stop PostgreSQL:", err)
	}
	os.Exit(code)
}

var testPolicy = sync.OnceValues(func() (*businessemail.Policy, error) {
	return businessemail.LoadPolicy(context.Background(), "../../config/lists/node_modules", businessemail.OperatorFiles{}, quiet)
})

// clock is a test's time, moved by the test.
type clock struct{ t atomic.Int64 }

func (c *clock) now() time.Time          { return time.Unix(0, c.t.Load()).UTC() }
func (c *clock) set(t time.Time)         { c.t.Store(t.UnixNano()) }
func (c *clock) advance(d time.Duration) { c.t.Add(int64(d)) }

var start = time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC)

var dbCount atomic.Int64

// stores runs test against a new SQLite file and a new PostgreSQL
// database, each with its own clock set to start.
func stores(t *testing.T, test func(t *testing.T, s *Store, c *clock)) {
	t.Run("sqlite", func(t *testing.T) {
		c := &clock{}
		c.set(start)
		test(t, openStore(t, "sqlite:"+filepath.Join(t.TempDir(), "workid.db"), c), c)
	})
	t.Run("postgres", func(t *testing.T) {
		c := &clock{}
		c.set(start)
		dsn, err := pgtest.CreateDatabase(context.Background(), pgDSN, fmt.Sprintf("companies_%d", dbCount.Add(1)))
		if err != nil {
			t.Fatal(err)
		}
		test(t, openStore(t, dsn, c), c)
	})
}

func openStore(t testing.TB, url string, c *clock) *Store {
	t.Helper()
	policy, err := testPolicy()
	if err != nil {
		t.Fatal(err)
	}
	s, err := Open(context.Background(), url, Options{Rule: policy, Now: c.now, Log: quiet})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

// verified is a member whose address was verified at.
func verified(id, address string, at time.Time) Member {
	return Member{IdentityID: id, Address: address, Name: "Name of " + id, Username: id,
		State: emailstate.State{Address: address, Status: emailstate.Verified, VerifiedAt: at}}
}

// unverified is a member who has not verified the address.
func unverified(id, address string) Member {
	return Member{IdentityID: id, Address: address, Name: "Name of " + id, Username: id,
		State: emailstate.State{Address: address, Status: emailstate.Unverified}}
}

func observe(t *testing.T, s *Store, m Member) Observed {
	t.Helper()
	o, err := s.Observe(context.Background(), m)
	if err != nil {
		t.Fatal(err)
	}
	return o
}
