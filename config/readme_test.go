package config

import (
	"os"
	"reflect"
	"regexp"
	"testing"
)

// Every placeholder of the edge's Caddyfile is documented in the README's
// edge table, with the file's default, and the table names no other.
func TestREADMEDocumentsEveryEdgePlaceholder(t *testing.T) {
	readme, err := os.ReadFile("../README.md")
	if err != nil {
		t.Fatal(err)
	}
	caddyfile, err := os.ReadFile("Caddyfile")
	if err != nil {
		t.Fatal(err)
	}
	inFile := map[string]string{}
	for _, m := range regexp.MustCompile(`\{\$(WORKID_EDGE_[A-Z_]+)(?::([^}]*))?\}`).FindAllStringSubmatch(string(caddyfile), -1) {
		inFile[m[1]] = m[2]
	}
	if len(inFile) < 10 {
		t.Fatalf("Caddyfile has %d placeholders, want its addresses and limits (at least 10)", len(inFile))
	}
	documented := map[string]string{}
	for _, m := range regexp.MustCompile("(?m)^\\| `\\{\\$(WORKID_EDGE_[A-Z_]+)\\}` \\| ([^|]+?) \\|").FindAllStringSubmatch(string(readme), -1) {
		documented[m[1]] = m[2]
	}
	for name, def := range inFile {
		want := "`" + def + "`"
		if def == "" {
			want = "(none)"
		}
		switch doc, ok := documented[name]; {
		case !ok:
			t.Errorf("README.md does not document the Caddyfile's {$%s}", name)
		case doc != want:
			t.Errorf("README.md gives {$%s} the default %s, the Caddyfile %s", name, doc, want)
		}
	}
	for name := range documented {
		if _, ok := inFile[name]; !ok {
			t.Errorf("README.md documents {$%s}, which the Caddyfile does not read", name)
		}
	}
}

// Every setting is documented in the README's configuration table, with
// its real default.
func TestREADMEDocumentsEverySetting(t *testing.T) {
	b, err := os.ReadFile("../README.md")
	if err != nil {
		t.Fatal(err)
	}
	row := regexp.MustCompile("(?m)^\\| `(WORKID_[A-Z_]+)` \\| ([^|]+?) \\|")
	documented := map[string]string{}
	for _, m := range row.FindAllStringSubmatch(string(b), -1) {
		documented[m[1]] = m[2]
	}
	defaults := map[string]string{}
	for _, v := range processConfigs {
		collectDefaults(reflect.TypeOf(v), defaults)
	}
	for key, def := range defaults {
		doc, ok := documented[key]
		if !ok {
			t.Errorf("README.md does not document %s", key)
			continue
		}
		want := "`" + def + "`"
		if def == "" {
			want = "(none)"
			if key == "WORKID_HOOKS_KEY" || key == "WORKID_LINK_KEY" {
				want = "(required)"
			}
		}
		if doc != want {
			t.Errorf("README.md gives %s the default %q, want %q", key, doc, want)
		}
	}
	for key := range documented {
		if _, ok := defaults[key]; !ok {
			t.Errorf("README.md documents %s, which no configuration reads", key)
		}
	}
}

func collectDefaults(t reflect.Type, out map[string]string) {
	for i := range t.NumField() {
		f := t.Field(i)
		if f.Type.Kind() == reflect.Struct {
			collectDefaults(f.Type, out)
			continue
		}
		if key := f.Tag.Get("env"); key != "" {
			out[key] = f.Tag.Get("envDefault")
		}
	}
}
