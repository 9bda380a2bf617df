// Package browsertest starts a real headless Chromium (Debian's package)
// for the tests of WorkID's pages, driven with chromedp.
package browsertest

import (
	"context"
	"os"
	"os/exec"
	"testing"

	"github.com/chromedp/chromedp"
)

// ChromiumPath is where Debian's chromium package puts the browser; the
// WORKID_CHROMIUM variable points elsewhere.
const ChromiumPath = "/usr/bin/chromium"

// New starts a fresh headless Chromium for t, with its own profile, and
// returns the context to drive it. The browser closes when t ends. A
// missing browser fails the test: `make test` installs it.
func New(t testing.TB) context.Context {
	t.Helper()
	path := os.Getenv("WORKID_CHROMIUM")
	if path == "" {
		path = ChromiumPath
	}
	if _, err := exec.LookPath(path); err != nil {
		t.Fatalf("Chromium not found at %s (%v): `make test` installs it with apt-get install chromium", path, err)
	}
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(path),
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		chromedp.UserDataDir(t.TempDir()),
		chromedp.WindowSize(1200, 900),
		// This machine has no internet: keep Chromium from trying.
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("no-first-run", true),
	)
	allocCtx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancel := chromedp.NewContext(allocCtx)
	t.Cleanup(func() {
		cancel()
		cancelAlloc()
	})
	// Start the browser now, so a failure to start is reported here. The
	// first run must use ctx itself: chromedp closes the browser when the
	// context of its first run ends.
	if err := chromedp.Do(ctx, chromedp.Navigate("about:blank")); err != nil {
		t.Fatalf("start Chromium: %v", err)
	}
	return ctx
}
