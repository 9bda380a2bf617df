package config

import (
	"os"
	"reflect"
	"regexp"
	"testing"
)

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
