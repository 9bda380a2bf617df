package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"sync"
	"time"

	"github.com/workid/workid/config"
	"github.com/workid/workid/internal/companies"
	"github.com/workid/workid/internal/emailrule"
	"github.com/workid/workid/internal/httpserver"
	"github.com/workid/workid/internal/kratosapi"
	"github.com/workid/workid/internal/logging"
	"github.com/workid/workid/internal/metrics"
	"github.com/workid/workid/internal/reverify"
)

// runReverify runs the yearly re-verification: one pass (--once), or a
// pass every --every until stopped.
func runReverify(ctx context.Context, args, environ []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("reverify", flag.ContinueOnError)
	once := fs.Bool("once", false, "run one pass and exit (for cron or a Kubernetes CronJob)")
	dryRun := fs.Bool("dry-run", false, "report who would expire and change nothing")
	every := fs.Duration("every", 24*time.Hour, "time between passes when not --once")
	report := fs.String("report", "", "write the pass's report as JSON to this file (with --once)")
	remind := fs.Duration("remind-before", 0, "mail a reminder once per verification this long before it expires (e.g. 720h); 0 for none")
	if err := parseFlags(fs, args, stderr); err != nil {
		return err
	}
	if *every < time.Minute {
		return usageError{"reverify: --every must be at least 1m"}
	}
	if *remind < 0 {
		return usageError{"reverify: --remind-before cannot be negative"}
	}
	cfg, err := config.Load[config.Reverify](environ)
	if err != nil {
		return err
	}
	if *remind >= cfg.MaxAge {
		return usageError{fmt.Sprintf("reverify: --remind-before %s must be shorter than a verification lasts (%s)", *remind, cfg.MaxAge)}
	}
	log := logging.New(stderr, cfg.Log)
	var lock reverify.Locker = reverify.PostgresLock{DSN: cfg.LockDSN}
	lockDesc := "postgresql advisory lock"
	if cfg.LockDSN == "" {
		path := cfg.LockFile
		if path == "" {
			path = filepath.Join(os.TempDir(), "workid-reverify.lock")
			if !*dryRun {
				log.WarnContext(ctx, "no WORKID_REVERIFY_LOCK_FILE or _DSN: passes are exclusive only on this machine, and only among those that use this file", "lock_file", path)
			}
		}
		lock = reverify.FileLock{Path: path}
		lockDesc = "file " + path
	}
	if *dryRun {
		lockDesc = "none (a dry run changes nothing)"
	}
	log.InfoContext(ctx, "re-verification lock", "lock", lockDesc)
	opts := reverify.Options{
		MaxAge: cfg.MaxAge, PageSize: cfg.PageSize, SendsPerSecond: cfg.SendRate, DryRun: *dryRun,
		RemindBefore: *remind, Terminal: terminal(stderr),
	}

	// A dry run leaves the member index alone: opening the database
	// would migrate it, a write.
	var index reverify.Index
	if !*dryRun {
		store, err := openIndex(ctx, cfg, log)
		if err != nil {
			return err
		}
		defer store.Close()
		index = store
	}

	if !*once && !*dryRun {
		return runScheduled(ctx, cfg, opts, lock, index, *every, log)
	}
	job := reverify.New(kratosapi.New(cfg.Kratos.AdminURL), kratosapi.New(cfg.Kratos.PublicURL), opts, lock, log)
	job.Index = index
	r, err := job.RunOnce(ctx)
	fmt.Fprintf(stdout, "scanned %d, expired %d, notified %d (resumed %d), reminded %d, indexed %d (forgotten %d), errors %d%s%s\n",
		r.Scanned, r.Expired, r.Notified, r.Resumed, r.Reminded, r.Observed, r.Forgotten, r.Errors,
		map[bool]string{true: " (dry run: nothing changed)"}[r.DryRun],
		map[bool]string{true: " (skipped: another pass holds the lock)"}[r.Skipped])
	if *report != "" {
		b, _ := json.MarshalIndent(r, "", "  ")
		if werr := os.WriteFile(*report, append(b, '\n'), 0o644); werr != nil {
			err = errors.Join(err, fmt.Errorf("write report: %w", werr))
		}
	}
	return err
}

// runScheduled runs a pass every interval until ctx is done, serving
// /healthz, /readyz and /metrics on cfg.Addr meanwhile (when set). The
// address is opened first, so a taken port stops the job at start.
func runScheduled(ctx context.Context, cfg config.Reverify, opts reverify.Options, lock reverify.Locker, index reverify.Index, every time.Duration, log *slog.Logger) error {
	reg := metrics.NewRegistry()
	opts.Metrics = reverify.NewMetrics(reg)
	job := reverify.New(kratosapi.New(cfg.Kratos.AdminURL), kratosapi.New(cfg.Kratos.PublicURL), opts, lock, log)
	job.Index = index
	log.InfoContext(ctx, "re-verification job started", "every", every.String(), "max_age", cfg.MaxAge.String())
	if cfg.Addr == "" {
		job.Run(ctx, every)
		return nil
	}
	ln, err := httpserver.Listen(cfg.Addr)
	if err != nil {
		return err
	}

	var wg sync.WaitGroup
	jobCtx, stopJob := context.WithCancel(ctx)
	defer stopJob()
	wg.Go(func() { job.Run(jobCtx, every) })
	err = httpserver.Serve(ctx, ln, reverify.OpsHandler(reg, cfg.Kratos.AdminURL, log), log)
	stopJob() // a failed server stops the job too: a job nobody can watch should not run on
	wg.Wait()
	return err
}

// openIndex opens the member index the passes reconcile, with the
// business-email rule that decides which domains form companies. The rule
// is read once: a change to the operator's files reaches the job at its
// next start (the hooks, which form most companies, re-read them).
func openIndex(ctx context.Context, cfg config.Reverify, log *slog.Logger) (*companies.Store, error) {
	policy, err := emailrule.LoadPolicy(ctx, cfg.EmailRule, log)
	if err != nil {
		return nil, err
	}
	return companies.Open(ctx, cfg.Database.URL, companies.Options{Rule: policy, MaxAge: cfg.MaxAge, Log: log})
}

// terminal returns w when it is a terminal a person watches, for the
// progress line; nil otherwise (logs get progress lines instead).
func terminal(w io.Writer) io.Writer {
	f, ok := w.(*os.File)
	if !ok {
		return nil
	}
	fi, err := f.Stat()
	if err != nil || fi.Mode()&os.ModeCharDevice == 0 {
		return nil
	}
	return w
}
