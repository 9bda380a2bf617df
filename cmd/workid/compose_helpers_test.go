package main

import (
	"fmt"
	"log/slog"
	"maps"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/compose-spec/compose-go/v2/types"

	"github.com/workid/workid/config"
	"github.com/workid/workid/hooks"
	"github.com/workid/workid/internal/metrics"
	"github.com/workid/workid/internal/reverify"
	selfserviceui "github.com/workid/workid/selfservice-ui"
)

// What the checks read besides the project: the servers' routes, the
// services by role, and small helpers.

// routeSet is the handlers one `workid` command serves, by the
// development port each listens on (the UI has two addresses: public and
// private). A path is routed on a port when its handler does not answer
// 404 to it; the probe's method is OPTIONS, which no route accepts, so the
// router answers 405 for a routed path without running its handler.
type routeSet map[int]http.Handler

func (r routeSet) has(port int, p string) bool {
	h, ok := r[port]
	if !ok {
		return false
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest(http.MethodOptions, cleanPath(p), nil))
	return rec.Code != http.StatusNotFound
}

// workidRoutes builds each `workid` command's real handlers on their
// development ports, with dependencies they never reach while only routing.
func workidRoutes(t *testing.T, dev config.Ports) map[string]routeSet {
	t.Helper()
	quiet := slog.New(slog.DiscardHandler)
	dead := "http://127.0.0.1:1"
	ui, err := selfserviceui.NewServer(config.UI{
		Links: config.Links{UIPublicURL: dead}, KratosBrowserURL: dead, ServicesFile: filepath.Join(repoRoot, "config", "services.json"), Brand: config.Brand{BrandFile: filepath.Join(repoRoot, "config", "brand.json")},
		Kratos: config.Kratos{PublicURL: dead, AdminURL: dead}, Hydra: config.Hydra{PublicURL: dead, AdminURL: dead},
	}, nil, quiet)
	if err != nil {
		t.Fatal(err)
	}
	return map[string]routeSet{
		"hooks":    {dev.Hooks: hooks.NewServer("a-key-of-sixteen-chars", nil, nil, &hooks.Mailer{}, &hooks.MemberFeed{}, quiet)},
		"ui":       {dev.UI: ui.Handler(), dev.UIMetrics: ui.MetricsHandler()},
		"reverify": {dev.Reverify: reverify.OpsHandler(metrics.NewRegistry(), dead, quiet)},
	}
}

// The project's services, seen from the checks.

func (s *composeStack) serviceNames() []string { return slices.Sorted(maps.Keys(s.p.Services)) }

// builtImages are the images docker-compose.yml builds from the Dockerfile.
func (s *composeStack) builtImages() map[string]bool {
	built := map[string]bool{}
	for _, svc := range s.p.Services {
		if svc.Build != nil {
			built[svc.Image] = true
		}
	}
	return built
}

// workidCommand returns the `workid` command service name runs, or "".
func (s *composeStack) workidCommand(name string) string {
	svc, ok := s.p.Services[name]
	if !ok || !s.builtImages()[svc.Image] || len(svc.Command) == 0 {
		return ""
	}
	return svc.Command[0]
}

// serviceRunning returns the service that runs `workid cmd`, or "".
func (s *composeStack) serviceRunning(cmd string) string {
	for _, name := range s.serviceNames() {
		if s.workidCommand(name) == cmd {
			return name
		}
	}
	return ""
}

func (s *composeStack) serviceWithImage(repo string) string {
	for _, name := range s.serviceNames() {
		if imageName(s.p.Services[name].Image) == repo {
			return name
		}
	}
	return ""
}

// oryServer reports whether service name serves Kratos or Hydra, and which.
func (s *composeStack) oryServer(name string) (string, bool) {
	svc := s.p.Services[name]
	kind, ok := oryKinds[imageName(svc.Image)]
	return kind, ok && len(svc.Command) > 0 && svc.Command[0] == "serve"
}

func (s *composeStack) oryDoc(kind string) any {
	if kind == "kratos" {
		return s.kratos
	}
	return s.hydra
}

func (s *composeStack) oryFile(kind string) string {
	if kind == "kratos" {
		return "kratos.yml"
	}
	return "config/hydra.yml"
}

// Small helpers.

func envOf(svc types.ServiceConfig) map[string]string {
	env := map[string]string{}
	for k, v := range svc.Environment {
		if v != nil {
			env[k] = *v
		}
	}
	return env
}

func deref(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}

func first(s []string, n int) []string { return s[:min(n, len(s))] }

// defaultSettings returns a command's settings with an empty environment:
// the defaults, whether or not they validate.
func defaultSettings(load func([]string) (any, error)) map[string]string {
	cfg, _ := load(nil)
	return settings(cfg)
}

// settings returns a loaded configuration's values by environment variable.
func settings(cfg any) map[string]string {
	out := map[string]string{}
	var walk func(v reflect.Value)
	walk = func(v reflect.Value) {
		for i := range v.NumField() {
			f, fv := v.Type().Field(i), v.Field(i)
			if f.Type.Kind() == reflect.Struct {
				walk(fv)
				continue
			}
			if k, _, _ := strings.Cut(f.Tag.Get("env"), ","); k != "" {
				out[k] = fmt.Sprint(fv.Interface())
			}
		}
	}
	walk(reflect.ValueOf(cfg))
	return out
}

// walkLeaves calls fn with the path and value of each leaf of a YAML document.
func walkLeaves(doc any, at []string, fn func([]string, any)) {
	switch v := doc.(type) {
	case map[string]any:
		for _, k := range slices.Sorted(maps.Keys(v)) {
			walkLeaves(v[k], append(slices.Clip(at), k), fn)
		}
	case []any:
		for i, child := range v {
			walkLeaves(child, append(slices.Clip(at), strconv.Itoa(i)), fn)
		}
	default:
		fn(at, v)
	}
}

// isDevValue reports whether a configuration value only works on the
// development machine: a loopback address, an SQLite file or a placeholder.
func isDevValue(v string) bool {
	if isLoopback(v) || strings.HasPrefix(v, "sqlite://") || strings.Contains(v, "set-by-environment") {
		return true
	}
	u, err := url.Parse(v)
	return err == nil && u.Host != "" && isLoopback(u.Hostname())
}

// overridden reports whether env sets key, or a list or map that holds it.
func overridden(env map[string]string, key string) bool {
	for k := range env {
		if key == k || strings.HasPrefix(key, k+"_") {
			return true
		}
	}
	return false
}

func isLoopback(host string) bool {
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

func urlPort(u *url.URL) int {
	if p := u.Port(); p != "" {
		n, _ := strconv.Atoi(p)
		return n
	}
	return map[string]int{"http": 80, "https": 443, "smtp": 25, "postgres": 5432, "postgresql": 5432}[u.Scheme]
}

func origin(u *url.URL) string { return u.Scheme + "://" + u.Host }

func mustParse(raw string) *url.URL {
	u, err := url.Parse(raw)
	if err != nil {
		return &url.URL{}
	}
	return u
}

func cleanPath(p string) string {
	if p == "" {
		return "/"
	}
	return p
}
