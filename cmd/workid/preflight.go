package main

import (
	"flag"
	"fmt"
	"io"
	"slices"
	"strings"

	"github.com/workid/workid/config"
	"github.com/workid/workid/internal/logging"
)

// placeholder marks the secrets .env.example ships: a deployment that kept
// one would run on a value anyone can read.
const placeholder = "change-me"

// runPreflight fails while a variable in its environment still holds a
// .env.example placeholder. docker-compose.yml hands it every secret and
// runs it before PostgreSQL starts, so a copied .env.example never comes
// up. It names the variables, never their values.
func runPreflight(args, environ []string, stderr io.Writer) error {
	if err := parseFlags(flag.NewFlagSet("preflight", flag.ContinueOnError), args, stderr); err != nil {
		return err
	}
	cfg, err := config.Load[config.Preflight](environ)
	if err != nil {
		return err
	}
	log := logging.New(stderr, cfg.Log)
	var found []string
	for _, kv := range environ {
		name, value, _ := strings.Cut(kv, "=")
		if strings.Contains(strings.ToLower(value), placeholder) {
			found = append(found, name)
		}
	}
	if len(found) > 0 {
		slices.Sort(found)
		return fmt.Errorf("preflight: %s still hold the .env.example placeholder: generate them (scripts/new-env.sh writes a .env with fresh secrets)", strings.Join(found, ", "))
	}
	log.Info("preflight passed: no placeholder secrets")
	return nil
}
