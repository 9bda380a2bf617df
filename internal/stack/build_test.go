package stack

import (
	"os"
	"path/filepath"
	"testing"
)

// caddy's main package is the tools module's own: its build is named by
// the Caddy it pins, and a change to the module's Go files (WorkID's
// limiter) must rebuild it, while a change to a test must not.
func TestPinCoversTheModulesOwnSources(t *testing.T) {
	dir := t.TempDir()
	write := func(name, body string) {
		t.Helper()
		path := filepath.Join(dir, name)
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write("go.mod", "module example.com/edge\n\ngo 1.26\n\nrequire github.com/caddyserver/caddy/v2 v2.11.9\n")
	write("go.sum", "")
	write("main.go", "package main\n")
	write("limit/limit.go", "package limit\n")
	s := server{name: "caddy", pkg: "example.com/edge", pinned: "github.com/caddyserver/caddy/v2"}
	version, stamp, err := s.pin(dir, "go1.26")
	if err != nil || version != "v2.11.9" {
		t.Fatalf("pin() = %q, %v, want v2.11.9", version, err)
	}
	write("limit/limit_test.go", "package limit\n\nfunc helper() {}\n")
	if _, got, _ := s.pin(dir, "go1.26"); got != stamp {
		t.Error("a new test file changed the stamp: tests are not in the binary")
	}
	write("limit/limit.go", "package limit\n\nconst events = 10\n")
	if _, got, _ := s.pin(dir, "go1.26"); got == stamp {
		t.Error("a changed source file left the stamp as it was: bin/caddy would not be rebuilt")
	}
}

// The real pins: every server's version is found in its go.mod.
func TestServersArePinned(t *testing.T) {
	for _, s := range servers {
		version, _, err := s.pin(filepath.Join("..", "..", "tools", s.name), "go1.26")
		if err != nil || version == "" {
			t.Errorf("%s: pin() = %q, %v, want its pinned version", s.name, version, err)
		}
	}
}
