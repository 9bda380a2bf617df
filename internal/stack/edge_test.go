package stack

import (
	"os"
	"regexp"
	"slices"
	"strings"
	"testing"
)

// Caddy leaves a placeholder that is not set empty, silently: every
// {$WORKID_EDGE_...} in config/Caddyfile without a default must be set by
// EdgeEnv, and every variable EdgeEnv sets must be one the file reads.
func TestEdgeEnvPlacesTheCaddyfile(t *testing.T) {
	b, err := os.ReadFile("../../config/Caddyfile")
	if err != nil {
		t.Fatal(err)
	}
	placeholder := regexp.MustCompile(`\{\$(WORKID_EDGE_[A-Z_]+)(:[^}]*)?\}`)
	read := map[string]bool{} // name -> has a default
	for _, m := range placeholder.FindAllStringSubmatch(string(b), -1) {
		read[m[1]] = read[m[1]] || m[2] != ""
	}
	env := defaultLayout().EdgeEnv()
	var set []string
	for _, kv := range env {
		name, _, _ := strings.Cut(kv, "=")
		set = append(set, name)
		if _, ok := read[name]; !ok && strings.HasPrefix(name, "WORKID_EDGE_") {
			t.Errorf("EdgeEnv sets %s, which config/Caddyfile does not read", name)
		}
	}
	for name, hasDefault := range read {
		// Operators' settings: not set for development, where none is
		// trusted, and the limits keep the file's defaults.
		if name == "WORKID_EDGE_TRUSTED_PROXIES" || strings.HasSuffix(name, "_PER_MINUTE") {
			continue
		}
		if !hasDefault && !slices.Contains(set, name) {
			t.Errorf("config/Caddyfile reads %s without a default, and EdgeEnv does not set it", name)
		}
		if !slices.Contains(set, name) {
			t.Errorf("EdgeEnv does not set %s: development would take the file's default, whatever its ports", name)
		}
	}
}

// With the design's ports, EdgeEnv gives the Caddyfile's own defaults:
// the file stays a true picture of development.
func TestEdgeEnvMatchesTheCaddyfileDefaults(t *testing.T) {
	b, err := os.ReadFile("../../config/Caddyfile")
	if err != nil {
		t.Fatal(err)
	}
	def := regexp.MustCompile(`\{\$(WORKID_EDGE_[A-Z_]+):([^}]*)\}`)
	defaults := map[string]string{}
	for _, m := range def.FindAllStringSubmatch(string(b), -1) {
		defaults[m[1]] = m[2]
	}
	for _, kv := range defaultLayout().EdgeEnv() {
		name, value, _ := strings.Cut(kv, "=")
		if d, ok := defaults[name]; ok && d != value {
			t.Errorf("EdgeEnv sets %s=%s with the design's ports, but config/Caddyfile's default is %s", name, value, d)
		}
	}
}

// Browsers, mails and connected services are given the edge's address
// for everything; WorkID's servers call Kratos on its own port.
func TestBrowsersAreGivenTheEdge(t *testing.T) {
	secrets := Secrets{HooksKey: "k", KratosCookie: "c", KratosCipher: "x", HydraSystem: "s"}
	browserFacing := func(name string) bool {
		switch {
		case strings.Contains(name, "_HOOKS_"):
			return false // Kratos calls the hooks server itself
		case name == "SERVE_PUBLIC_BASE_URL", name == "URLS_SELF_ISSUER",
			strings.HasPrefix(name, "SELFSERVICE_") && (strings.HasSuffix(name, "_URL") || strings.HasSuffix(name, "_URLS")),
			strings.HasPrefix(name, "URLS_"),
			name == "WORKID_UI_PUBLIC_URL", name == "WORKID_KRATOS_BROWSER_URL", name == "WORKID_HYDRA_PUBLIC_URL":
			return true
		}
		return false
	}
	l := defaultLayout()
	edge := "http://127.0.0.1:4400"
	checked := 0
	for _, kv := range slices.Concat(l.KratosEnv(secrets), l.HydraEnv(secrets), l.WorkIDEnv(secrets)) {
		name, value, _ := strings.Cut(kv, "=")
		if !browserFacing(name) {
			continue
		}
		checked++
		if !strings.Contains(value, edge) {
			t.Errorf("%s=%s, want the edge's address %s", name, value, edge)
		}
	}
	if checked < 15 {
		t.Errorf("%d browser-facing settings checked, want all of them (at least 15)", checked)
	}
	for _, kv := range l.WorkIDEnv(secrets) {
		if name, value, _ := strings.Cut(kv, "="); name == "WORKID_KRATOS_PUBLIC_URL" && value != "http://127.0.0.1:4433" {
			t.Errorf("WORKID_KRATOS_PUBLIC_URL=%s, want Kratos's own port: the servers' calls are not limited", value)
		}
	}
}
