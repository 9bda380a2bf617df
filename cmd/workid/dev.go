package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"time"

	"github.com/workid/workid/config"
	"github.com/workid/workid/internal/stack"
)

// runDev builds what is missing, migrates, starts the whole stack, waits
// until ctx is done or a process dies, and stops everything.
func runDev(ctx context.Context, args, environ []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("dev", flag.ContinueOnError)
	buildOnly := fs.Bool("build-only", false, "build Kratos, Hydra, Mailpit and Caddy into the bin folder, then exit")
	if err := parseFlags(fs, args, stderr); err != nil {
		return err
	}
	cfg, err := config.Load[config.Dev](environ)
	if err != nil {
		return err
	}
	root, err := stack.FindRoot()
	if err != nil {
		return err
	}
	// Relative folders are taken from the repository root, wherever the
	// command was started.
	fromRoot := func(p string) string {
		if filepath.IsAbs(p) {
			return p
		}
		return filepath.Join(root, p)
	}
	l := stack.Layout{
		Root: root, Bin: fromRoot(cfg.BinDir), Data: fromRoot(cfg.DataDir),
		Ports: cfg.Ports, PasswordBreachCheck: cfg.PasswordBreachCheck,
	}
	out := stack.NewOutput(stdout, "mailpit", "kratos", "hydra", "edge", "hooks", "ui", "reverify", "demo", "build", "workid")
	if cfg.AccessLog == "summary" {
		out.SummariseAccessLogs(time.Minute)
	}
	say := out.Writer("workid")
	defer say.Flush()

	// A taken port is reported before a build that may take minutes.
	if !*buildOnly {
		if err := portsFree(cfg.Ports); err != nil {
			return err
		}
	}
	if err := stack.Build(ctx, root, l.Bin, out.Writer("build")); err != nil {
		return err
	}
	if *buildOnly {
		return nil
	}
	secrets, err := stack.LoadSecrets(l.Data)
	if err != nil {
		return err
	}
	exe, err := os.Executable()
	if err != nil {
		return fmt.Errorf("find the workid binary: %w", err)
	}
	workidEnv := []string{"WORKID_LOG_FORMAT=" + cfg.Log.Format, "WORKID_LOG_LEVEL=" + cfg.Log.Level}

	start := time.Now()
	sup := stack.NewSupervisor(out, environ)
	defer func() {
		fmt.Fprintln(say, "stopping the stack")
		sup.Stop(10 * time.Second)
		fmt.Fprintln(say, "stopped")
	}()
	fmt.Fprintf(say, "data folder %s\n", l.Data)
	if err := l.Migrate(ctx, sup, secrets); err != nil {
		return err
	}
	// The planner statistics of Kratos's and Hydra's SQLite, before they
	// start and as the databases grow (internal/stack/sqlitestats.go).
	warn := func(err error) {
		fmt.Fprintf(say, "warning: %v (the pages may slow down as the database grows)\n", err)
	}
	if err := l.OptimizeSQLite(ctx); err != nil {
		warn(err)
	}
	plansCtx, stopPlans := context.WithCancel(ctx)
	defer stopPlans()
	go l.KeepSQLitePlans(plansCtx, warn)
	fmt.Fprintln(say, "databases migrated; starting the servers")
	// The Ory servers first: WorkID's UI is ready only once they are. The
	// edge needs nothing behind it to start.
	for _, group := range [][]stack.Process{
		{l.Mailpit(), l.Kratos(secrets), l.Hydra(secrets), l.Edge()},
		{l.WorkID("hooks", exe, secrets, workidEnv), l.WorkID("ui", exe, secrets, workidEnv), l.WorkID("reverify", exe, secrets, workidEnv), l.WorkID("demo", exe, secrets, workidEnv)},
	} {
		for _, p := range group {
			if err := sup.Start(p); err != nil {
				return err
			}
		}
		if err := sup.WaitReady(ctx); err != nil {
			if errors.Is(err, context.Canceled) {
				return nil
			}
			return err
		}
	}
	fmt.Fprint(say, banner(cfg.Ports, time.Since(start)))
	return sup.Wait(ctx)
}

// portsFree reports every taken port of the stack in one error, before
// anything starts.
func portsFree(p config.Ports) error {
	var errs []error
	for _, np := range p.Named() {
		if err := stack.PortFree(np.Port); err != nil {
			errs = append(errs, fmt.Errorf("%w (needed by %s; set %s to move it)", err, np.What, np.Env))
		}
	}
	return errors.Join(errs...)
}

func banner(p config.Ports, took time.Duration) string {
	return fmt.Sprintf(`
WorkID is running (ready in %s). Press Ctrl-C to stop everything.

  Open              %s
                    the edge: the UI, Kratos's and Hydra's public APIs at
                    one address, with the sign-in and sign-up limits

  Mailpit inbox     %s
  Behind the edge   UI %s  Kratos public %s  Hydra public %s
  Admin APIs        Kratos %s  Hydra %s
  Hooks             %s
  Metrics           %s  %s  %s  %s

  Try single sign-on: %s (a service that needs a verified email)
                  and %s (one that does not)

`, took.Round(100*time.Millisecond),
		stack.URL(p.Edge, "/"), stack.URL(p.MailpitWeb, "/"),
		stack.URL(p.UI, "/"), stack.URL(p.KratosPublic, "/"), stack.URL(p.HydraPublic, "/"),
		stack.URL(p.KratosAdmin, "/"), stack.URL(p.HydraAdmin, "/"),
		stack.URL(p.Hooks, "/"),
		stack.URL(p.Hooks, "/metrics"), stack.URL(p.UIMetrics, "/metrics"), stack.URL(p.Reverify, "/metrics"), stack.URL(p.EdgeMetrics, "/metrics"),
		stack.URL(p.Demo, "/support/"), stack.URL(p.Demo, "/community/"))
}
