package main

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/workid/workid/internal/reverify"
	"github.com/workid/workid/internal/stacktest"
)

// `workid reverify --once` against the real stack: the summary line, the
// JSON report, --dry-run, and a clear failure when Kratos is unreachable.
func TestReverifyCommand(t *testing.T) {
	st, err := stacktest.Start(t.Context(), stacktest.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	st.NewVerifiedUser(t, "acme-widgets.com", time.Now().AddDate(-1, 0, -30))
	dir := t.TempDir()
	environ := []string{
		"WORKID_KRATOS_PUBLIC_URL=" + st.KratosPublicURL, "WORKID_KRATOS_ADMIN_URL=" + st.KratosAdminURL,
		"WORKID_REVERIFY_LOCK_FILE=" + filepath.Join(dir, "lock"),
	}
	reverifyOnce := func(extra ...string) (string, error) {
		var out bytes.Buffer
		err := run(t.Context(), append([]string{"workid", "reverify", "--once"}, extra...), environ, &out, &bytes.Buffer{})
		return out.String(), err
	}

	out, err := reverifyOnce("--dry-run")
	if err != nil || !strings.Contains(out, "expired 1") || !strings.Contains(out, "notified 0") || !strings.Contains(out, "dry run") {
		t.Errorf("dry run printed %q (%v), want one expiry and nothing sent", out, err)
	}

	report := filepath.Join(dir, "report.json")
	out, err = reverifyOnce("--report", report)
	if err != nil || !strings.Contains(out, "expired 1, notified 1 (resumed 0)") {
		t.Errorf("pass printed %q (%v), want one expiry notified", out, err)
	}
	b, err := os.ReadFile(report)
	if err != nil {
		t.Fatal(err)
	}
	var r reverify.Report
	if err := json.Unmarshal(b, &r); err != nil || r.Notified != 1 || r.Scanned < 1 {
		t.Errorf("report %s = %+v (%v), want one notified", b, r, err)
	}

	environ = []string{"WORKID_KRATOS_PUBLIC_URL=http://127.0.0.1:1", "WORKID_KRATOS_ADMIN_URL=http://127.0.0.1:1",
		"WORKID_REVERIFY_LOCK_FILE=" + filepath.Join(dir, "lock")}
	if _, err := reverifyOnce(); err == nil || !strings.Contains(err.Error(), "list identities") {
		t.Errorf("reverify against a dead Kratos = %v, want an error naming the listing", err)
	}
}
