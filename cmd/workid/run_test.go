package main

import (
	"bytes"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"
)

func TestRunRefusesUnknownCommands(t *testing.T) {
	tests := []struct {
		args      []string
		wantUsage bool
		want      string
	}{
		{[]string{"workid"}, true, "no command given"},
		{[]string{"workid", "serve"}, true, `unknown command "serve"`},
		{[]string{"workid", "hooks", "extra"}, true, "unexpected arguments: extra"},
		{[]string{"workid", "dev", "--no-such-flag"}, true, "flag provided but not defined"},
		{[]string{"workid", "reverify", "--every", "1s"}, true, "--every must be at least 1m"},
		{[]string{"workid", "probe"}, true, "usage: workid probe URL"},
		{[]string{"workid", "probe", "localhost:4455"}, true, "is not an http(s) URL"},
		{[]string{"workid", "probe", "http://127.0.0.1:1/readyz"}, false, "connection refused"},
		{[]string{"workid", "admin", "identities", "list", "--status", "gone"}, true, `--status "gone" must be verified, unverified or expired`},
		{[]string{"workid", "admin", "identities", "list", "--format", "xml"}, true, `--format "xml" must be table, json or csv`},
		{[]string{"workid", "admin", "identities", "show"}, true, "give exactly one identity ID"},
		{[]string{"workid", "admin", "reverify", "a", "b"}, true, "give exactly one identity ID"},
		{[]string{"workid", "admin", "identities", "delete", "x"}, true, `unknown command "identities delete x"`},
		{[]string{"workid", "admin"}, true, "admin: no command given"},
		{[]string{"workid", "admin", "email"}, true, `admin: unknown command "email"`},
		{[]string{"workid", "admin", "email", "check"}, true, "no address given"},
		{[]string{"workid", "admin", "email", "check", "--csv", "a@b.com"}, true, "flag provided but not defined: -csv"},
	}
	for _, tt := range tests {
		t.Run(strings.Join(tt.args[1:], " "), func(t *testing.T) {
			var stdout, stderr bytes.Buffer
			err := run(t.Context(), tt.args, nil, &stdout, &stderr)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("run(%q) = %v, want an error containing %q", tt.args, err, tt.want)
			}
			var u usageError
			if got := errors.As(err, &u); got != tt.wantUsage {
				t.Errorf("run(%q) usage error = %v, want %v", tt.args, got, tt.wantUsage)
			}
		})
	}
}

// A broken configuration stops start-up with every problem listed at once.
func TestRunListsEveryConfigurationProblem(t *testing.T) {
	tests := []struct {
		cmd     string
		environ []string
		want    []string
		dont    []string
	}{
		{"hooks", []string{"WORKID_HOOKS_ADDR=nonsense", "WORKID_LOG_FORMAT=xml", "WORKID_LOG_LEVEL=loud"}, []string{
			`WORKID_HOOKS_ADDR="nonsense" is not a host:port address`,
			"WORKID_HOOKS_KEY is required",
			"WORKID_LINK_KEY is required",
			`WORKID_LOG_FORMAT="xml" must be text or json`,
			`WORKID_LOG_LEVEL="loud" must be debug, info, warn or error`,
		}, nil},
		{"hooks", []string{"WORKID_HOOKS_KEY=short"}, []string{"WORKID_HOOKS_KEY must be at least 16 characters long"}, nil},
		{"hooks", []string{"WORKID_HOOKS_KEY=change-me-to-32-random-characters"}, []string{"WORKID_HOOKS_KEY still holds the .env.example placeholder"}, nil},
		{"ui", []string{"WORKID_HYDRA_TOKEN_HOOK_KEY=change-me-to-another-32-characters"}, []string{"WORKID_HYDRA_TOKEN_HOOK_KEY still holds the .env.example placeholder"}, nil},
		{"ui", []string{"WORKID_HYDRA_TOKEN_HOOK_KEY=short"}, []string{"WORKID_HYDRA_TOKEN_HOOK_KEY must be at least 16 characters long"}, nil},
		{"ui", []string{"WORKID_LINK_KEY=change-me-to-a-third-32-characters"}, []string{"WORKID_LINK_KEY still holds the .env.example placeholder"}, nil},
		{"ui", []string{"WORKID_KRATOS_PUBLIC_URL=ftp://kratos", "WORKID_HYDRA_ADMIN_URL=not a url", "WORKID_UI_ADDR=:99999"}, []string{
			`WORKID_KRATOS_PUBLIC_URL="ftp://kratos" is not an http(s) URL with a host`,
			`WORKID_HYDRA_ADMIN_URL="not a url" is not an http(s) URL with a host`,
			`WORKID_UI_ADDR=":99999" has an invalid port`,
		}, nil},
		{"dev", []string{"WORKID_DEV_KRATOS_PUBLIC_PORT=abc", "WORKID_DEV_UI_PORT=70000", "WORKID_DEV_HOOKS_PORT=8025", "WORKID_LOG_FORMAT=yaml"}, []string{
			`WORKID_DEV_KRATOS_PUBLIC_PORT="abc" is not a whole number`,
			"the ui port 70000 is not between 1 and 65535",
			"the mailpit web and hooks ports are both 8025",
			`WORKID_LOG_FORMAT="yaml" must be text or json`,
		}, []string{"port 0"}},
	}
	for _, tt := range tests {
		t.Run(tt.cmd, func(t *testing.T) {
			var stdout, stderr bytes.Buffer
			err := run(t.Context(), []string{"workid", tt.cmd}, tt.environ, &stdout, &stderr)
			if err == nil {
				t.Fatalf("run(%s) with %q = nil, want a configuration error", tt.cmd, tt.environ)
			}
			for _, w := range tt.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("run(%s) error = %q, want it to contain %q", tt.cmd, err, w)
				}
			}
			for _, d := range tt.dont {
				if strings.Contains(err.Error(), d) {
					t.Errorf("run(%s) error = %q, want no %q: an unreadable value is reported once", tt.cmd, err, d)
				}
			}
		})
	}
}

// The hooks and UI commands serve /healthz and stop cleanly when their
// context ends (SIGINT or SIGTERM in main).
func TestServersAnswerHealthAndStop(t *testing.T) {
	for _, cmd := range []string{"hooks", "ui"} {
		t.Run(cmd, func(t *testing.T) {
			addr := freeAddr(t)
			environ := []string{
				"WORKID_HOOKS_ADDR=" + addr, "WORKID_UI_ADDR=" + addr,
				// Not the default 4458: `make run` may be up on this machine.
				"WORKID_UI_METRICS_ADDR=" + freeAddr(t),
				"WORKID_HOOKS_KEY=0123456789abcdef0123", "WORKID_LINK_KEY=fedcba9876543210fedcba",
				"WORKID_LISTS_DIR=../../config/lists/node_modules",
				"WORKID_SERVICES_FILE=../../config/services.json",
				"WORKID_BRAND_FILE=../../config/brand.json",
				// Not the default under the working folder: the hooks open it.
				"WORKID_DATABASE_URL=sqlite:" + filepath.Join(t.TempDir(), "workid.db"),
			}
			ctx, cancel := context.WithCancel(t.Context())
			var stderr bytes.Buffer
			done := make(chan error, 1)
			go func() { done <- run(ctx, []string{"workid", cmd}, environ, &bytes.Buffer{}, &stderr) }()

			if err := waitHealthy(t.Context(), "http://"+addr+"/healthz"); err != nil {
				cancel()
				runErr := <-done // the server has stopped writing to stderr
				t.Fatalf("%s: %v (run: %v; log: %s)", cmd, err, runErr, stderr.String())
			}
			cancel()
			select {
			case err := <-done:
				if err != nil {
					t.Errorf("run(%s) after stop = %v, want nil", cmd, err)
				}
			case <-time.After(15 * time.Second):
				t.Fatalf("run(%s) did not return within 15 s of its context ending", cmd)
			}
		})
	}
}

// A taken port is reported in one line that names it and its user.
func TestServerReportsATakenPort(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	environ := []string{"WORKID_HOOKS_ADDR=" + ln.Addr().String(), "WORKID_HOOKS_KEY=0123456789abcdef0123",
		"WORKID_LINK_KEY=fedcba9876543210fedcba", "WORKID_LISTS_DIR=../../config/lists/node_modules",
		"WORKID_BRAND_FILE=../../config/brand.json", "WORKID_DATABASE_URL=sqlite:" + filepath.Join(t.TempDir(), "workid.db")}
	err = run(t.Context(), []string{"workid", "hooks"}, environ, &bytes.Buffer{}, &bytes.Buffer{})
	want := "listen on " + ln.Addr().String()
	if err == nil || !strings.Contains(err.Error(), want) {
		t.Errorf("run(hooks) on a taken port = %v, want an error containing %q", err, want)
	}
}

func freeAddr(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}

func waitHealthy(ctx context.Context, url string) error {
	ctx, cancel := context.WithTimeout(ctx, 15*time.Second)
	defer cancel()
	for {
		req, _ := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
		resp, err := http.DefaultClient.Do(req)
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return nil
			}
			err = fmt.Errorf("status %d", resp.StatusCode)
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("GET %s never answered 200: %v", url, err)
		case <-time.After(20 * time.Millisecond):
		}
	}
}

func TestProbe(t *testing.T) {
	ok := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {}))
	defer ok.Close()
	down := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.WriteHeader(http.StatusServiceUnavailable)
	}))
	defer down.Close()
	if err := run(t.Context(), []string{"workid", "probe", ok.URL}, nil, io.Discard, io.Discard); err != nil {
		t.Errorf("probe of a 200 = %v, want nil", err)
	}
	if err := run(t.Context(), []string{"workid", "probe", down.URL}, nil, io.Discard, io.Discard); err == nil || !strings.Contains(err.Error(), "status 503") {
		t.Errorf("probe of a 503 = %v, want an error naming the status", err)
	}
}

// Flags may stand before or after a command's arguments; "--" ends them.
func TestParseFlagsAndArgs(t *testing.T) {
	for _, tt := range []struct {
		args     []string
		wantJSON bool
		wantArgs []string
	}{
		{[]string{"--json", "ann@acme-widgets.com"}, true, []string{"ann@acme-widgets.com"}},
		{[]string{"ann@acme-widgets.com", "--json"}, true, []string{"ann@acme-widgets.com"}},
		{[]string{"a@x.com", "--json", "b@y.com"}, true, []string{"a@x.com", "b@y.com"}},
		{[]string{"a@x.com", "--", "--json"}, false, []string{"a@x.com", "--json"}},
		{[]string{"a@x.com"}, false, []string{"a@x.com"}},
		{nil, false, nil},
	} {
		fs := flag.NewFlagSet("check", flag.ContinueOnError)
		asJSON := fs.Bool("json", false, "")
		if err := parseFlagsAndArgs(fs, tt.args, "usage", io.Discard); err != nil {
			t.Errorf("parseFlagsAndArgs(%q) = %v", tt.args, err)
			continue
		}
		if *asJSON != tt.wantJSON || !slices.Equal(fs.Args(), tt.wantArgs) {
			t.Errorf("parseFlagsAndArgs(%q): json=%v args=%q, want json=%v args=%q", tt.args, *asJSON, fs.Args(), tt.wantJSON, tt.wantArgs)
		}
	}
	fs := flag.NewFlagSet("check", flag.ContinueOnError)
	fs.Bool("json", false, "")
	var ue usageError
	if err := parseFlagsAndArgs(fs, []string{"a@x.com", "--jsn"}, "usage", io.Discard); !errors.As(err, &ue) {
		t.Errorf("an unknown flag after the arguments = %v, want a usage error", err)
	}
}

// preflight names every variable that still holds a placeholder, and
// never its value; without one it passes.
func TestPreflight(t *testing.T) {
	var stderr bytes.Buffer
	err := run(t.Context(), []string{"workid", "preflight"}, []string{
		"KRATOS_SECRETS_CIPHER=[\"change-me-exactly-32-characters!\"]", "POSTGRES_PASSWORD=Change-Me-postgres",
		"HYDRA_SECRETS_SYSTEM=[\"0123456789abcdef0123456789abcdef\"]",
	}, io.Discard, &stderr)
	if err == nil || !strings.Contains(err.Error(), "KRATOS_SECRETS_CIPHER, POSTGRES_PASSWORD still hold") ||
		strings.Contains(err.Error(), "HYDRA") || strings.Contains(err.Error(), "exactly-32") {
		t.Errorf("preflight with placeholders = %v, want both names and no value", err)
	}
	stderr.Reset()
	if err := run(t.Context(), []string{"workid", "preflight"}, []string{"HYDRA_SECRETS_SYSTEM=[\"0123456789abcdef0123456789abcdef\"]"}, io.Discard, &stderr); err != nil {
		t.Errorf("preflight with fresh secrets = %v, want it to pass", err)
	}
	if !strings.Contains(stderr.String(), "preflight passed") {
		t.Errorf("preflight says nothing when it passes: %q", stderr.String())
	}
}
