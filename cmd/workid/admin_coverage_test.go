package main

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// email coverage counts, per file, the domains an address at which the
// rule refuses, by reason, and shows what it allows.
func TestAdminEmailCoverage(t *testing.T) {
	path := filepath.Join(t.TempDir(), "list.txt")
	list := "# a comment\ngmail.com\nx.mailinator.com\n\nacme-widgets.com\ngamil.com\n"
	if err := os.WriteFile(path, []byte(list), 0o600); err != nil {
		t.Fatal(err)
	}
	var stdout, stderr bytes.Buffer
	if err := run(t.Context(), []string{"workid", "admin", "email", "coverage", "--json", path}, listsEnv, &stdout, &stderr); err != nil {
		t.Fatalf("email coverage: %v (%s)", err, stderr.String())
	}
	var got coverage
	if err := json.Unmarshal(stdout.Bytes(), &got); err != nil {
		t.Fatalf("%v in %s", err, stdout.String())
	}
	want := map[string]int{"free_mail": 1, "disposable": 1, "provider_typo": 1}
	if got.Domains != 4 || got.Refused != 3 || got.Percent != 75 || len(got.ByReason) != len(want) ||
		strings.Join(got.Allowed, ",") != "acme-widgets.com" {
		t.Errorf("email coverage = %+v, want 4 domains, 3 refused (%v), acme-widgets.com allowed", got, want)
	}
	for r, n := range want {
		if got.ByReason[r] != n {
			t.Errorf("by reason %s = %d, want %d", r, got.ByReason[r], n)
		}
	}
	if err := run(t.Context(), []string{"workid", "admin", "email", "coverage", filepath.Join(t.TempDir(), "none.txt")}, listsEnv, &stdout, &stderr); err == nil {
		t.Error("email coverage of a missing file = nil, want an error")
	}
}
