package config

import (
	"errors"
	"strings"

	"github.com/caarlos0/env/v11"
)

// Validator is a configuration that can check itself.
type Validator interface {
	Validate() error
}

// Load reads a configuration of type T from environ (as from os.Environ) and
// validates it. Parse errors and validation problems are reported together.
func Load[T Validator](environ []string) (T, error) {
	var cfg T
	opts := env.Options{Environment: toMap(environ)}
	if err := env.ParseWithOptions(&cfg, opts); err != nil {
		var agg env.AggregateError
		if errors.As(err, &agg) {
			var p problems
			for _, e := range agg.Errors {
				p.add(e.Error())
			}
			// Fields that did parse may still have problems of their own.
			if verr := cfg.Validate(); verr != nil {
				var ce *Error
				if errors.As(verr, &ce) {
					p = append(p, ce.Problems...)
				}
			}
			return cfg, p.err()
		}
		return cfg, err
	}
	return cfg, cfg.Validate()
}

func toMap(environ []string) map[string]string {
	m := make(map[string]string, len(environ))
	for _, kv := range environ {
		k, v, ok := strings.Cut(kv, "=")
		if ok {
			m[k] = v
		}
	}
	return m
}
