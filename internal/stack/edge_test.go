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
