package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"slices"
	"strings"
)

// usageError is a mistake in the command line; main exits 2 for it.
type usageError struct{ msg string }

// Error returns the mistake.
func (e usageError) Error() string { return e.msg }

const usage = `usage: workid <command> [flags]

commands:
  dev        start the whole development stack (Mailpit, Kratos, Hydra, hooks, UI)
  hooks      serve Kratos's web hooks
  ui         serve the self-service pages
  reverify   expire year-old verifications and send new links
  admin      administer identities on the Kratos admin API
  demo       serve two demonstration services that sign in with WorkID (development)
  probe URL  exit 0 when URL answers 200 (a container health check)
  preflight  refuse to pass while a setting still holds a .env.example placeholder

Settings come from WORKID_* environment variables; see README.md.
`

// run is the whole program: main only calls it, so tests can too. environ
// is the process environment as from os.Environ (caarlos0/env reads a map,
// which a getenv function cannot enumerate).
func run(ctx context.Context, args, environ []string, stdout, stderr io.Writer) error {
	if len(args) < 2 {
		fmt.Fprint(stderr, usage)
		return usageError{"no command given"}
	}
	err := dispatch(ctx, args[1], args[2:], environ, stdout, stderr)
	if errors.Is(err, errHelp) {
		return nil
	}
	return err
}

func dispatch(ctx context.Context, cmd string, rest, environ []string, stdout, stderr io.Writer) error {
	switch cmd {
	case "dev":
		return runDev(ctx, rest, environ, stdout, stderr)
	case "hooks":
		return runHooks(ctx, rest, environ, stderr)
	case "ui":
		return runUI(ctx, rest, environ, stderr)
	case "probe":
		return runProbe(ctx, rest)
	case "demo":
		return runDemo(ctx, rest, environ, stderr)
	case "reverify":
		return runReverify(ctx, rest, environ, stdout, stderr)
	case "admin":
		return runAdmin(ctx, rest, environ, stdout, stderr)
	case "preflight":
		return runPreflight(rest, environ, stderr)
	case "help", "-h", "-help", "--help":
		fmt.Fprint(stdout, usage)
		return nil
	default:
		fmt.Fprint(stderr, usage)
		return usageError{fmt.Sprintf("unknown command %q", cmd)}
	}
}

// errHelp ends a command that printed its help: exit 0.
var errHelp = errors.New("help printed")

// parseFlags parses a subcommand's flags, turning mistakes into usage
// errors. The flag package prints nothing itself: the error is reported
// once, by main, after the flags are listed.
func parseFlags(fs *flag.FlagSet, args []string, stderr io.Writer) error {
	if err := parseFlagsAndArgs(fs, args, fmt.Sprintf("usage: workid %s [flags]", fs.Name()), stderr); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return usageError{fmt.Sprintf("%s: unexpected arguments: %s", fs.Name(), strings.Join(fs.Args(), " "))}
	}
	return nil
}

// parseFlagsAndArgs is parseFlags for a command that also takes
// arguments: they are left in fs.Args. Flags may come before or after the
// arguments (`show ann@acme.com --json`); everything after "--" is an
// argument. usage is the command's usage line.
func parseFlagsAndArgs(fs *flag.FlagSet, args []string, usage string, stderr io.Writer) error {
	fs.SetOutput(io.Discard)
	if err := parseInterleaved(fs, args); err != nil {
		fmt.Fprintln(stderr, usage)
		fs.SetOutput(stderr)
		fs.PrintDefaults()
		if errors.Is(err, flag.ErrHelp) {
			return errHelp
		}
		return usageError{err.Error()}
	}
	return nil
}

// parseInterleaved parses flags wherever they stand among the arguments
// and leaves the arguments, in order, in fs.Args.
func parseInterleaved(fs *flag.FlagSet, args []string) error {
	var positional, afterDashes []string
	if i := slices.Index(args, "--"); i >= 0 {
		args, afterDashes = args[:i], args[i+1:]
	}
	for {
		if err := fs.Parse(args); err != nil {
			return err
		}
		if fs.NArg() == 0 {
			break
		}
		positional = append(positional, fs.Arg(0))
		args = fs.Args()[1:]
	}
	// Parsing "--" and the arguments sets fs.Args to them.
	return fs.Parse(append([]string{"--"}, append(positional, afterDashes...)...))
}
