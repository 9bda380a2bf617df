package selfserviceui

import (
	"context"
	"path/filepath"
	"testing"
	"time"

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
	return PressSendEvery(t, publicURL, adminURL, identityID, presses, 0)
}

// PressSendEvery is PressSend with the UI's clock moved on by every
// before each press after the first (0: the real clock).
func PressSendEvery(t *testing.T, publicURL, adminURL, identityID string, presses int, every time.Duration) []string {
	t.Helper()
	cfg := testConfig(publicURL)
	cfg.Kratos.AdminURL = adminURL
	s, err := NewServer(cfg, nil, quiet)
	if err != nil {
		t.Fatal(err)
	}
	start, pressed := time.Now(), 0
	if every > 0 {
		s.Now = func() time.Time { return start.Add(time.Duration(pressed) * every) }
	}
	if s.Companies, err = companies.Open(t.Context(), "sqlite:"+filepath.Join(t.TempDir(), "workid.db"), companies.Options{}); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Companies.Close() })
	var notices []string
	for ; pressed < presses; pressed++ {
		notice, _ := s.trySend(context.Background(), identityID)
		notices = append(notices, notice)
	}
	return notices
}
