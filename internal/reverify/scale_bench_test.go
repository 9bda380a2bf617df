package reverify

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/workid/workid/internal/businessemail"
	"github.com/workid/workid/internal/companies"
	"github.com/workid/workid/internal/kratosapi"
	"github.com/workid/workid/internal/stacktest"
)

// populate creates n identities through the admin batch API (1,000 a
// request), verified between 10 and 359 days ago: none is due, so a pass
// only scans. All are on acme-widgets.com.
func populate(b *testing.B, n int) {
	populateOn(b, n, func(int) string { return "acme-widgets.com" })
}

// populateOn is populate with the i-th identity's address on domain(i),
// verified between 10 and 359 days ago.
func populateOn(b *testing.B, n int, domain func(i int) string) {
	b.Helper()
	if err := shared.Get(b).Seed(context.Background(), n, domain, func(i int) int { return 10 + i%350 }); err != nil {
		b.Fatal(err)
	}
}

// BenchmarkPassAtScale compares a re-verification pass with a bare
// ListIdentities loop over the same identities, in the same run, and
// measures the resident memory of `workid reverify --once` and of `workid
// admin identities list` at two sizes.
// Size: WORKID_SCALE (default 100000). Run with -benchtime 1x.
func BenchmarkPassAtScale(b *testing.B) {
	st := shared.Get(b)
	n := 100_000
	if v, err := strconv.Atoi(os.Getenv("WORKID_SCALE")); err == nil && v > 0 {
		n = v
	}
	ctx := context.Background()
	j := New(st.Admin, st.Public, Options{PageSize: 1000, SendsPerSecond: 100}, FileLock{Path: filepath.Join(b.TempDir(), "lock")}, quiet)

	// Half first, to see memory stay flat as the count doubles.
	half := n / 2
	start := time.Now()
	populate(b, half)
	b.Logf("created %d identities in %s", half, time.Since(start).Round(time.Second))
	exe := stacktest.Binary(b)
	rssHalf, listHalf := rss(b, exe)
	populate(b, n-half)
	b.Logf("created %d identities in all", n)

	b.ResetTimer()
	for b.Loop() {
		bareStart := time.Now()
		total := 0
		pages := kratosapi.NewIdentityPager(j.admin, j.opts.PageSize)
		for !pages.Done() {
			ids, err := j.page(ctx, pages)
			if err != nil {
				b.Fatal(err)
			}
			total += len(ids)
		}
		bare := time.Since(bareStart)

		passStart := time.Now()
		r, err := j.RunOnce(ctx)
		if err != nil {
			b.Fatal(err)
		}
		pass := time.Since(passStart)
		bareRate, passRate := float64(total)/bare.Seconds(), float64(r.Scanned)/pass.Seconds()
		b.ReportMetric(bareRate, "ids/s-bare")
		b.ReportMetric(passRate, "ids/s-pass")
		b.ReportMetric(passRate/bareRate, "pass/bare")
	}
	b.StopTimer()
	rssFull, listFull := rss(b, exe)
	b.ReportMetric(rssHalf, "MB-rss-half")
	b.ReportMetric(rssFull, "MB-rss-full")
	b.ReportMetric(listHalf, "MB-rss-list-half")
	b.ReportMetric(listFull, "MB-rss-list-full")
}

// commandRSS runs the workid command args over the stack, its output
// discarded, and returns its peak resident memory in MB: the highest
// VmHWM read from /proc while it runs. (wait4's ru_maxrss cannot be used:
// Go starts children with vfork semantics, so it reports this benchmark
// process's own peak when that is larger.)
func commandRSS(b *testing.B, exe string, args ...string) float64 {
	b.Helper()
	st := shared.Get(b)
	cmd := exec.Command(exe, args...)
	cmd.Env = st.CommandEnv("WORKID_REVERIFY_PAGE_SIZE=1000", "WORKID_LOG_LEVEL=warn",
		"WORKID_REVERIFY_LOCK_FILE="+filepath.Join(b.TempDir(), "lock"))
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		b.Fatal(err)
	}
	status := fmt.Sprintf("/proc/%d/status", cmd.Process.Pid)
	done := make(chan struct{})
	peak := make(chan int)
	go func() {
		hwm := 0
		tick := time.NewTicker(2 * time.Millisecond)
		defer tick.Stop()
		for {
			if kb := vmHWM(status); kb > hwm {
				hwm = kb
			}
			select {
			case <-done:
				peak <- hwm
				return
			case <-tick.C:
			}
		}
	}()
	err := cmd.Wait()
	close(done)
	kb := <-peak
	if err != nil {
		b.Fatalf("workid %v: %v\n%s", args, err, stderr.Bytes())
	}
	if kb == 0 {
		b.Fatalf("workid %v: no VmHWM read from %s", args, status)
	}
	return float64(kb) / 1024
}

// vmHWM is a process's peak resident memory in KiB from its
// /proc/PID/status, or 0 once the process has gone.
func vmHWM(path string) int {
	b, err := os.ReadFile(path)
	if err != nil {
		return 0
	}
	for line := range strings.Lines(string(b)) {
		if v, ok := strings.CutPrefix(line, "VmHWM:"); ok {
			n, _ := strconv.Atoi(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(v), "kB")))
			return n
		}
	}
	return 0
}

// rss measures the job's and the admin listing's peak memory.
func rss(b *testing.B, exe string) (job, list float64) {
	b.Helper()
	job = commandRSS(b, exe, "reverify", "--once", "--dry-run")
	list = commandRSS(b, exe, "admin", "identities", "list", "--format", "csv", "--page-size", "1000")
	return job, list
}

// BenchmarkReconcileAtScale compares, in one run over the same
// identities, a bare ListIdentities loop, a pass without the member index
// and passes that reconcile it: the first fills an empty index (every
// identity a new row, 500 companies forming), the second finds it up to
// date. Size: WORKID_SCALE (default 100000). Run with -benchtime 1x; the
// ratios are each pass's identities a second over the bare loop's
// (target >= 0.80 for reconciliation).
//
//	WORKID_SCALE=100000 go test -run '^$' -bench ReconcileAtScale -benchtime 1x -timeout 60m ./internal/reverify
func BenchmarkReconcileAtScale(b *testing.B) {
	st := shared.Get(b)
	n := 100_000
	if v, err := strconv.Atoi(os.Getenv("WORKID_SCALE")); err == nil && v > 0 {
		n = v
	}
	ctx := context.Background()
	policy, err := businessemail.LoadPolicy(ctx, "../../config/lists/node_modules", businessemail.OperatorFiles{}, quiet)
	if err != nil {
		b.Fatal(err)
	}
	{
		index, err := companies.Open(ctx, "sqlite:"+filepath.Join(b.TempDir(), "workid.db"), companies.Options{Rule: policy})
		if err != nil {
			b.Fatal(err)
		}
		defer index.Close()
		plain := New(st.Admin, st.Public, Options{PageSize: 1000, SendsPerSecond: 100}, FileLock{Path: filepath.Join(b.TempDir(), "lock")}, quiet)
		reconciling := New(st.Admin, st.Public, Options{PageSize: 1000, SendsPerSecond: 100}, FileLock{Path: filepath.Join(b.TempDir(), "lock2")}, quiet)
		reconciling.Index = index
		start := time.Now()
		tag := time.Now().UnixNano() % 1e6
		populateOn(b, n, func(i int) string { return fmt.Sprintf("company-%d-%d.com", tag, i%500) })
		b.Logf("created %d identities in %s", n, time.Since(start).Round(time.Second))

		b.ResetTimer()
		for b.Loop() {
			bareStart := time.Now()
			total := 0
			pages := kratosapi.NewIdentityPager(plain.admin, plain.opts.PageSize)
			for !pages.Done() {
				ids, err := plain.page(ctx, pages)
				if err != nil {
					b.Fatal(err)
				}
				total += len(ids)
			}
			bareRate := float64(total) / time.Since(bareStart).Seconds()
			b.ReportMetric(bareRate, "ids/s-bare")
			for _, p := range []struct {
				name string
				job  *Job
			}{{"pass", plain}, {"fill", reconciling}, {"reconcile", reconciling}} {
				t0 := time.Now()
				r, err := p.job.RunOnce(ctx)
				if err != nil || r.Errors > 0 {
					b.Fatalf("%s: %+v, %v", p.name, r, err)
				}
				rate := float64(r.Scanned) / time.Since(t0).Seconds()
				b.ReportMetric(rate/bareRate, p.name+"/bare")
				if p.name == "fill" {
					b.ReportMetric(float64(r.Observed), "observed-fill")
				}
			}
		}
	}
}
