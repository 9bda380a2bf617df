package config

import (
	"errors"
	"fmt"
	"reflect"
	"strings"
	"time"

	"github.com/caarlos0/env/v11"
)

// Validator is a configuration that can check itself.
type Validator interface {
	Validate() error
}

// Load reads a configuration of type T from environ (as from os.Environ) and
// validates it. Every problem is reported in one *Error: values that cannot
// be read (a port that is not a number) and values that are wrong.
func Load[T Validator](environ []string) (T, error) {
	m := toMap(environ)
	gone := removedSettings(m)
	var cfg T
	err := env.ParseWithOptions(&cfg, env.Options{Environment: m})
	if err == nil {
		err = cfg.Validate()
		if len(gone) == 0 {
			return cfg, err
		}
		var ce *Error
		if errors.As(err, &ce) {
			gone = append(gone, ce.Problems...)
		}
		return cfg, gone.err()
	}
	var agg env.AggregateError
	if !errors.As(err, &agg) {
		return cfg, fmt.Errorf("read configuration: %w", err)
	}
	keys := envKeys(reflect.TypeFor[T]())
	p := gone
	for _, e := range agg.Errors {
		var pe env.ParseError
		if !errors.As(e, &pe) {
			p.add(e.Error())
			continue
		}
		for _, k := range keys[field{pe.Name, pe.Type}] {
			if v, ok := m[k]; ok {
				p.add(fmt.Sprintf("%s=%q is not %s", k, v, kind(pe.Type)))
				delete(m, k)
			}
		}
	}
	// Validate the rest with the unreadable values at their defaults, so
	// each problem is reported once and a bad number is not also "port 0".
	var rest T
	if env.ParseWithOptions(&rest, env.Options{Environment: m}) == nil {
		var ce *Error
		if errors.As(rest.Validate(), &ce) {
			p = append(p, ce.Problems...)
		}
	}
	return cfg, p.err()
}

// removed are the settings WorkID no longer reads, with where they went:
// one left set would be ignored without a word (an old support contact in
// the email-change notice, say), so start stops and says where it lives now.
var removed = []struct{ name, now string }{
	{"WORKID_MAIL_FROM_NAME", "mail_from_name in the brand file (WORKID_BRAND_FILE)"},
	{"WORKID_SUPPORT_CONTACT", "support in the brand file (WORKID_BRAND_FILE)"},
}

func removedSettings(m map[string]string) problems {
	var p problems
	for _, r := range removed {
		if strings.TrimSpace(m[r.name]) != "" {
			p.add(fmt.Sprintf("%s is no longer read: set %s", r.name, r.now))
		}
	}
	return p
}

// field names a struct field as caarlos0/env's ParseError does.
type field struct {
	name string
	typ  reflect.Type
}

// envKeys maps each field of t (nested structs included) to the
// environment variables it is read from. Field names repeat across nested
// structs (Kratos.PublicURL, Hydra.PublicURL), so a parse error may name
// several variables; only those actually set are reported.
func envKeys(t reflect.Type) map[field][]string {
	keys := map[field][]string{}
	var walk func(reflect.Type)
	walk = func(t reflect.Type) {
		for i := range t.NumField() {
			f := t.Field(i)
			if f.Type.Kind() == reflect.Struct {
				walk(f.Type)
				continue
			}
			if k, _, _ := strings.Cut(f.Tag.Get("env"), ","); k != "" {
				keys[field{f.Name, f.Type}] = append(keys[field{f.Name, f.Type}], k)
			}
		}
	}
	walk(t)
	return keys
}

func kind(t reflect.Type) string {
	if t == reflect.TypeFor[time.Duration]() {
		return "a duration such as 10s or 1m30s"
	}
	switch t.Kind() {
	case reflect.Bool:
		return "true or false"
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		return "a whole number"
	default:
		return "a valid " + t.String()
	}
}

func toMap(environ []string) map[string]string {
	m := make(map[string]string, len(environ))
	for _, kv := range environ {
		if k, v, ok := strings.Cut(kv, "="); ok {
			m[k] = v
		}
	}
	return m
}
