package selfserviceui

import (
	"context"
	"path/filepath"
	"testing"

	"github.com/workid/workid/internal/companies"
)

// DeadURL is an address nothing listens on.
func DeadURL(t testing.TB) string { return deadURL(t) }

// PressSend presses "Send me a verification link" for identityID presses
// times, in process, on a UI whose Kratos public API (which sends the
// link) is publicURL and admin API adminURL, with a database of its own.
// It returns each press's notice.
func PressSend(t *testing.T, publicURL, adminURL, identityID string, presses int) []string {
	t.Helper()
	cfg := testConfig(publicURL)
	cfg.Kratos.AdminURL = adminURL
	s, err := NewServer(cfg, nil, quiet)
	if err != nil {
		t.Fatal(err)
	}
	if s.Companies, err = companies.Open(t.Context(), "sqlite:"+filepath.Join(t.TempDir(), "workid.db"), companies.Options{}); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Companies.Close() })
	var notices []string
	for range presses {
		notice, _ := s.trySend(context.Background(), identityID)
		notices = append(notices, notice)
	}
	return notices
}
