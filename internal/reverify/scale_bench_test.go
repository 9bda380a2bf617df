package reverify

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"syscall"
	"testing"
	"time"
)

// populate creates n identities through the admin batch API (1,000 a
// request), verified between 10 and 359 days ago: none is due, so a pass
// only scans.
func populate(b *testing.B, n int) {
	b.Helper()
	client := &http.Client{Timeout: 2 * time.Minute}
	now := time.Now()
	for start := 0; start < n; start += 1000 {
		var batch []map[string]any
		for i := start; i < min(n, start+1000); i++ {
			email := fmt.Sprintf("scale-%d-%d@acme-widgets.com", now.UnixNano()%1e6, i)
			at := now.AddDate(0, 0, -(10 + i%350)).UTC().Format(time.RFC3339)
			batch = append(batch, map[string]any{"create": map[string]any{
				"schema_id":            "default",
				"traits":               map[string]any{"email": email, "username": fmt.Sprintf("scale_%d_%d", now.UnixNano()%1e6, i), "name": map[string]any{"first": "S", "last": "U"}},
				"verifiable_addresses": []map[string]any{{"value": email, "verified": true, "via": "email", "status": "completed", "verified_at": at}},
			}})
		}
		body, _ := json.Marshal(map[string]any{"identities": batch})
		req, _ := http.NewRequest(http.MethodPatch, st.KratosAdminURL+"/admin/identities", bytes.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
		resp, err := client.Do(req)
		if err != nil {
			b.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			b.Fatalf("batch create: %d", resp.StatusCode)
		}
	}
}

// BenchmarkPassAtScale compares a re-verification pass with a bare
// ListIdentities loop over the same identities, in the same run, and
// measures the resident memory of `workid reverify --once` at two sizes.
// Size: WORKID_SCALE (default 100000). Run with -benchtime 1x.
func BenchmarkPassAtScale(b *testing.B) {
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
	rssHalf := commandRSS(b)
	populate(b, n-half)
	b.Logf("created %d identities in all", n)

	b.ResetTimer()
	for b.Loop() {
		bareStart := time.Now()
		total := 0
		token := ""
		for {
			ids, next, err := j.page(ctx, token)
			if err != nil {
				b.Fatal(err)
			}
			total += len(ids)
			if next == "" || len(ids) == 0 {
				break
			}
			token = next
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
	rssFull := commandRSS(b)
	b.ReportMetric(rssHalf, "MB-rss-half")
	b.ReportMetric(rssFull, "MB-rss-full")
}

// commandRSS runs `workid reverify --once --dry-run` over the stack and
// returns its peak resident memory in MB.
func commandRSS(b *testing.B) float64 {
	b.Helper()
	exe := filepath.Join(b.TempDir(), "workid")
	if out, err := exec.Command("go", "build", "-o", exe, "../../cmd/workid").CombinedOutput(); err != nil {
		b.Fatalf("build workid: %v\n%s", err, out)
	}
	cmd := exec.Command(exe, "reverify", "--once", "--dry-run")
	cmd.Env = append(os.Environ(),
		"WORKID_KRATOS_PUBLIC_URL="+st.KratosPublicURL, "WORKID_KRATOS_ADMIN_URL="+st.KratosAdminURL,
		"WORKID_REVERIFY_PAGE_SIZE=1000", "WORKID_LOG_LEVEL=warn",
		"WORKID_REVERIFY_LOCK_FILE="+filepath.Join(b.TempDir(), "lock"))
	if out, err := cmd.CombinedOutput(); err != nil {
		b.Fatalf("workid reverify: %v\n%s", err, out)
	}
	ru := cmd.ProcessState.SysUsage().(*syscall.Rusage)
	return float64(ru.Maxrss) / 1024 // Linux reports KiB
}
