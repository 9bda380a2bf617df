package main

import (
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/compose-spec/compose-go/v2/dotenv"
)

// scripts/new-env.sh turns .env.example into a .env an operator can start
// with: every placeholder secret replaced by a random one in the shape its
// server needs, everything else as the example has it, and docker-compose.yml
// loads with it. It never overwrites an existing file.
func TestNewEnvScript(t *testing.T) {
	out := filepath.Join(t.TempDir(), ".env")
	script := filepath.Join(repoRoot, "scripts", "new-env.sh")
	if b, err := exec.Command(script, out).CombinedOutput(); err != nil {
		t.Fatalf("%s: %v\n%s", script, err, b)
	}
	example := readEnv(t, filepath.Join(repoRoot, ".env.example"))
	got := readEnv(t, out)
	hex32, hex64 := regexp.MustCompile(`^[0-9a-f]{32}$`), regexp.MustCompile(`^[0-9a-f]{64}$`)
	for name, was := range example {
		v, ok := got[name]
		switch {
		case !ok:
			t.Errorf("%s is missing from the new .env", name)
		case !strings.Contains(was, "change-me"):
			if v != was {
				t.Errorf("%s = %q, want the example's %q", name, v, was)
			}
		case strings.HasPrefix(was, "["):
			var list []string
			if err := json.Unmarshal([]byte(v), &list); err != nil || len(list) != 1 || !hex32.MatchString(list[0]) {
				t.Errorf("%s = %q, want a JSON list of one 32-character secret", name, v)
			}
		default:
			if !hex64.MatchString(v) {
				t.Errorf("%s = %q, want 64 random hex characters", name, v)
			}
		}
	}
	if info, err := os.Stat(out); err != nil {
		t.Error(err)
	} else if info.Mode().Perm() != 0o600 {
		t.Errorf("the new .env's mode is %v, want 0600", info.Mode().Perm())
	}
	compose, err := os.ReadFile(filepath.Join(repoRoot, "docker-compose.yml"))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := loadCompose(t, compose, got); err != nil {
		t.Errorf("docker-compose.yml does not load with the new .env: %v", err)
	}
	if b, err := exec.Command(script, out).CombinedOutput(); err == nil || !strings.Contains(string(b), "not overwriting") {
		t.Errorf("a second run over the same file = %v, %s; want a refusal", err, b)
	}
}

func readEnv(t *testing.T, path string) map[string]string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	env, err := dotenv.UnmarshalBytesWithLookup(b, nil)
	if err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	return env
}

// The preflight service sees every secret .env.example holds, and
// PostgreSQL, which everything else waits for, waits for it to pass.
func TestComposePreflightSeesEverySecret(t *testing.T) {
	s := loadComposeStack(t)
	pre, ok := s.p.Services["preflight"]
	if !ok {
		t.Fatal("docker-compose.yml has no preflight service")
	}
	if s.workidCommand("preflight") != "preflight" {
		t.Errorf("the preflight service does not run `workid preflight`")
	}
	given := map[string]bool{}
	for _, v := range pre.Environment {
		if v != nil {
			given[*v] = true
		}
	}
	for name := range s.example {
		if isSecret(name) && !given[s.env[name]] {
			t.Errorf("preflight is not given %s", name)
		}
	}
	if d, ok := s.p.Services["postgres"].DependsOn["preflight"]; !ok || d.Condition != "service_completed_successfully" {
		t.Errorf("postgres does not wait for preflight to pass (depends_on %+v)", s.p.Services["postgres"].DependsOn)
	}
}
