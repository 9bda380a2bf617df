package stacktest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"log/slog"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/workid/workid/internal/businessemail"
	"github.com/workid/workid/internal/companies"
	"github.com/workid/workid/internal/stack"
)

// indexPolicy is the business-email rule the tests' stores use, read once
// from the repository's lists.
var indexPolicy = sync.OnceValues(func() (*businessemail.Policy, error) {
	root, err := stack.FindRoot()
	if err != nil {
		return nil, err
	}
	return businessemail.LoadPolicy(context.Background(), filepath.Join(root, "config", "lists", "node_modules"),
		businessemail.OperatorFiles{}, slog.New(slog.DiscardHandler))
})

// OpenIndex opens the stack's own WorkID database, the one its servers
// use (companies and the member index), with the business-email rule;
// now is the store's clock (nil for time.Now). It is closed when t ends.
func (s *Stack) OpenIndex(t testing.TB, now func() time.Time) *companies.Store {
	t.Helper()
	policy, err := indexPolicy()
	if err != nil {
		t.Fatal(err)
	}
	db, err := companies.Open(t.Context(), s.Layout.WorkIDDatabaseURL(), companies.Options{Rule: policy, Now: now})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

// UniqueDomain is a business domain no other test uses, so the company
// it forms is the calling test's alone.
func UniqueDomain(prefix string) string {
	b := make([]byte, 4)
	_, _ = rand.Read(b)
	return prefix + "-" + hex.EncodeToString(b) + ".com"
}
