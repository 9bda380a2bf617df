package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/workid/workid/internal/reverify"
	"github.com/workid/workid/internal/stacktest"
)

// `workid reverify --once` against the real stack: the summary line, the
// JSON report, --dry-run, and a clear failure when Kratos is unreachable.
// The stack is shared, so other tests' expired identities may be due too:
// the pass must expire as many as its dry run counted, this test's due
// one among them and not its recent one. (An identity an earlier test left
// that the pass cannot handle would fail it: the pass exits 1 on errors.)
func TestReverifyCommand(t *testing.T) {
	st := shared.Get(t)
	u := stacktest.NewUser("acme-widgets.com")
	due, err := st.CreateVerifiedIdentity(t.Context(), u, time.Now().AddDate(-1, 0, -30))
	if err != nil {
		t.Fatal(err)
	}
	recent, err := st.CreateVerifiedIdentity(t.Context(), stacktest.NewUser("acme-widgets.com"), time.Now().AddDate(0, 0, -300))
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	// The stack's own member index, which the pass reconciles.
	index := []string{
		"WORKID_DATABASE_URL=sqlite:" + filepath.Join(st.Layout.Data, "workid.db"),
		"WORKID_LISTS_DIR=" + filepath.Join(st.Layout.Root, "config", "lists", "node_modules"),
	}
	environ := append([]string{
		"WORKID_KRATOS_PUBLIC_URL=" + st.KratosPublicURL, "WORKID_KRATOS_ADMIN_URL=" + st.KratosAdminURL,
		"WORKID_REVERIFY_LOCK_FILE=" + filepath.Join(dir, "lock"),
	}, index...)
	reverifyOnce := func(extra ...string) (string, error) {
		var out bytes.Buffer
		err := run(t.Context(), append([]string{"workid", "reverify", "--once"}, extra...), environ, &out, &bytes.Buffer{})
		return out.String(), err
	}
	expired := func(out string) int {
		m := regexp.MustCompile(`expired (\d+)`).FindStringSubmatch(out)
		if m == nil {
			return -1
		}
		n, _ := strconv.Atoi(m[1])
		return n
	}

	out, err := reverifyOnce("--dry-run")
	dueCount := expired(out)
	if err != nil || dueCount < 1 || !strings.Contains(out, "notified 0") || !strings.Contains(out, "dry run") {
		t.Errorf("dry run printed %q (%v), want at least one expiry and nothing sent", out, err)
	}
	if msgs, err := st.Mail(t.Context(), u.Email); err != nil || len(msgs) != 0 {
		t.Errorf("after the dry run %s has %d mails (%v), want none", u.Email, len(msgs), err)
	}

	report := filepath.Join(dir, "report.json")
	out, err = reverifyOnce("--report", report)
	if want := fmt.Sprintf("expired %d, notified %d (resumed 0)", dueCount, dueCount); err != nil || !strings.Contains(out, want) {
		t.Errorf("pass printed %q (%v), want %q", out, err, want)
	}
	if m := regexp.MustCompile(`indexed (\d+)`).FindStringSubmatch(out); m == nil || m[1] == "0" {
		t.Errorf("pass printed %q, want the identities it indexed counted", out)
	}
	b, err := os.ReadFile(report)
	if err != nil {
		t.Fatal(err)
	}
	var r reverify.Report
	if err := json.Unmarshal(b, &r); err != nil || r.Notified != dueCount || r.Scanned < 1 {
		t.Errorf("report %s = %+v (%v), want %d notified", b, r, err, dueCount)
	}
	ctx, cancel := context.WithTimeout(t.Context(), 20*time.Second)
	defer cancel()
	if _, err := st.WaitForMail(ctx, u.Email, 1); err != nil {
		t.Errorf("no expiry mail to %s: %v", u.Email, err)
	}
	for _, tt := range []struct {
		name         string
		id           string
		wantVerified bool
	}{{"the due identity", due.Id, false}, {"the one verified 300 days ago", recent.Id, true}} {
		ident, err := st.Identity(t.Context(), tt.id)
		if err != nil {
			t.Fatal(err)
		}
		if got := ident.VerifiableAddresses[0].Verified; got != tt.wantVerified {
			t.Errorf("after the pass %s is verified=%v, want %v", tt.name, got, tt.wantVerified)
		}
	}

	environ = append([]string{"WORKID_KRATOS_PUBLIC_URL=http://127.0.0.1:1", "WORKID_KRATOS_ADMIN_URL=http://127.0.0.1:1",
		"WORKID_REVERIFY_LOCK_FILE=" + filepath.Join(dir, "lock")}, index...)
	if _, err := reverifyOnce(); err == nil || !strings.Contains(err.Error(), "list identities") {
		t.Errorf("reverify against a dead Kratos = %v, want an error naming the listing", err)
	}
}
