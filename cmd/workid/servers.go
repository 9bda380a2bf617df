package main

import (
	"context"
	"errors"
	"flag"
	"io"
	"runtime/debug"
	"sync"

	"github.com/workid/workid/config"
	"github.com/workid/workid/hooks"
	"github.com/workid/workid/internal/companies"
	"github.com/workid/workid/internal/demorp"
	"github.com/workid/workid/internal/emailrule"
	"github.com/workid/workid/internal/httpserver"
	"github.com/workid/workid/internal/kratosapi"
	"github.com/workid/workid/internal/logging"
	selfserviceui "github.com/workid/workid/selfservice-ui"
)

// runHooks serves Kratos's web hooks until ctx is done, re-reading the
// operator's domain files meanwhile.
func runHooks(ctx context.Context, args, environ []string, stderr io.Writer) error {
	if err := parseFlags(flag.NewFlagSet("hooks", flag.ContinueOnError), args, stderr); err != nil {
		return err
	}
	cfg, err := config.Load[config.Hooks](environ)
	if err != nil {
		return err
	}
	log := logging.New(stderr, cfg.Log)
	policy, err := emailrule.LoadPolicy(ctx, cfg.EmailRule, log)
	if err != nil {
		return err
	}
	mailer, err := hooks.NewMailer(cfg, log)
	if err != nil {
		return err
	}
	store, err := companies.Open(ctx, cfg.Database.URL, companies.Options{Rule: policy, MaxAge: cfg.Verification.MaxAge, Log: log})
	if err != nil {
		return err
	}
	defer store.Close()
	mailer.Notices = store
	members := &hooks.MemberFeed{Store: store, Admin: kratosapi.New(cfg.Kratos.AdminURL), MaxAge: cfg.Verification.MaxAge}
	returnLoadGarbage()
	ln, err := httpserver.Listen(cfg.Addr)
	if err != nil {
		return err
	}
	var wg sync.WaitGroup
	watchCtx, stopWatch := context.WithCancel(ctx)
	wg.Go(func() { policy.Watch(watchCtx, cfg.Reload, log) })
	defer wg.Wait()
	defer stopWatch()
	return httpserver.Serve(ctx, ln, hooks.NewServer(cfg.Key, policy, emailrule.NewMailChecker(cfg.EmailRule), mailer, members, log), log)
}

// runUI serves the self-service pages until ctx is done.
func runUI(ctx context.Context, args, environ []string, stderr io.Writer) error {
	if err := parseFlags(flag.NewFlagSet("ui", flag.ContinueOnError), args, stderr); err != nil {
		return err
	}
	cfg, err := config.Load[config.UI](environ)
	if err != nil {
		return err
	}
	log := logging.New(stderr, cfg.Log)
	ln, err := httpserver.Listen(cfg.Addr)
	if err != nil {
		return err
	}
	defer ln.Close()
	srv, err := selfserviceui.Load(ctx, cfg, log)
	if err != nil {
		return err
	}
	defer srv.Close()
	returnLoadGarbage()
	if cfg.MetricsAddr == "" {
		return httpserver.Serve(ctx, ln, srv.Handler(), log)
	}
	mln, err := httpserver.Listen(cfg.MetricsAddr)
	if err != nil {
		return err
	}
	// Either server failing stops both: a UI whose metrics cannot be
	// served is restarted rather than left unwatched.
	ctx, stop := context.WithCancel(ctx)
	defer stop()
	var wg sync.WaitGroup
	var metricsErr error
	wg.Go(func() {
		metricsErr = httpserver.Serve(ctx, mln, logging.Middleware(srv.MetricsHandler()), log)
		stop()
	})
	err = httpserver.Serve(ctx, ln, srv.Handler(), log)
	stop()
	wg.Wait()
	return errors.Join(err, metricsErr)
}

// runDemo registers the demonstration services with Hydra and serves them
// until ctx is done.
func runDemo(ctx context.Context, args, environ []string, stderr io.Writer) error {
	if err := parseFlags(flag.NewFlagSet("demo", flag.ContinueOnError), args, stderr); err != nil {
		return err
	}
	cfg, err := config.Load[config.Demo](environ)
	if err != nil {
		return err
	}
	log := logging.New(stderr, cfg.Log)
	srv := demorp.New(cfg.Hydra.PublicURL, cfg.Hydra.AdminURL, cfg.PublicURL, log)
	if err := srv.Register(ctx); err != nil {
		return err
	}
	ln, err := httpserver.Listen(cfg.Addr)
	if err != nil {
		return err
	}
	return httpserver.Serve(ctx, ln, srv.Handler(), log)
}

// returnLoadGarbage hands the memory a server's start-up left behind back
// to the system: reading the domain lists leaves more garbage than the
// table they fill (the files, their parsed entries, duplicates across
// lists), which would otherwise stay resident until the runtime's
// scavenger got to it (hooks: 30 MB resident instead of 48-51 MB). Only
// the long-running servers pay for the forced collection; one-shot
// commands exit instead.
func returnLoadGarbage() { debug.FreeOSMemory() }
