package selfserviceui

import (
	"context"
	"path/filepath"
	"testing"

	"github.com/workid/workid/internal/companies"
)

// PressSendWithKratosPublicDown presses "Send me a verification link" for
// identityID presses times, in process, on a UI whose Kratos admin API is
// adminURL and whose Kratos public API (which sends the link) cannot be
// reached, with a database of its own. It returns each press's notice.
func PressSendWithKratosPublicDown(t *testing.T, adminURL, identityID string, presses int) []string {
	t.Helper()
	cfg := testConfig(deadURL(t))
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
