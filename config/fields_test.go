package config

import (
	"reflect"
	"testing"
	"time"
)

// processConfigs are the configurations WorkID's commands load.
var processConfigs = []any{Hooks{}, EmailCheck{}, Admin{}, UI{}, Dev{}, Reverify{}, Demo{}, Preflight{}}

// Each variable is declared by one field of one struct, however many
// configurations read it: a setting declared twice can drift (another
// default, another check).
func TestEachSettingIsOneField(t *testing.T) {
	declared := map[string]map[string]bool{}
	var walk func(reflect.Type)
	walk = func(typ reflect.Type) {
		for i := range typ.NumField() {
			f := typ.Field(i)
			if f.Type.Kind() == reflect.Struct && f.Type != reflect.TypeFor[time.Duration]() {
				walk(f.Type)
				continue
			}
			if key := f.Tag.Get("env"); key != "" {
				if declared[key] == nil {
					declared[key] = map[string]bool{}
				}
				declared[key][typ.Name()+"."+f.Name] = true
			}
		}
	}
	for _, c := range processConfigs {
		walk(reflect.TypeOf(c))
	}
	for key, fields := range declared {
		if len(fields) != 1 {
			t.Errorf("%s is declared by %d fields %v, want one", key, len(fields), fields)
		}
	}
}

// The shared settings reach every configuration that reads them, with the
// default when unset and the value when set.
func TestSharedSettingsLoad(t *testing.T) {
	base := []string{"WORKID_HOOKS_KEY=a-hooks-key-of-32-characters-long", "WORKID_LINK_KEY=a-link-key-of-32-characters-long"}
	set := append(base, "WORKID_VERIFICATION_MAX_AGE=720h", "WORKID_LISTS_DIR=/srv/lists")
	type shared struct {
		maxAge time.Duration
		lists  string
	}
	read := map[string]func(environ []string) (shared, error){
		"Hooks": func(e []string) (shared, error) { c, err := Load[Hooks](e); return shared{c.MaxAge, c.ListsDir}, err },
		"UI":    func(e []string) (shared, error) { c, err := Load[UI](e); return shared{c.MaxAge, c.ListsDir}, err },
		"Admin": func(e []string) (shared, error) { c, err := Load[Admin](e); return shared{c.MaxAge, c.ListsDir}, err },
		"Reverify": func(e []string) (shared, error) {
			c, err := Load[Reverify](e)
			return shared{c.MaxAge, c.ListsDir}, err
		},
	}
	for name, load := range read {
		if got, err := load(base); err != nil || got.maxAge != 8760*time.Hour || got.lists != "config/lists/node_modules" {
			t.Errorf("Load[%s](defaults) = %v, %v; want 8760h and config/lists/node_modules", name, got, err)
		}
		if got, err := load(set); err != nil || got != (shared{720 * time.Hour, "/srv/lists"}) {
			t.Errorf("Load[%s](720h, /srv/lists) = %v, %v; want 720h and /srv/lists", name, got, err)
		}
	}
	if _, err := Load[UI](append(base, "WORKID_VERIFICATION_MAX_AGE=1m")); err == nil {
		t.Errorf("Load[UI](WORKID_VERIFICATION_MAX_AGE=1m) = nil error, want it refused as shorter than an hour")
	}
}
