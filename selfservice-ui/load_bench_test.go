package selfserviceui_test

import (
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"os"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/workid/workid/internal/stacktest"
)

// BenchmarkRegistrationPageOverhead measures, under load against the real
// Kratos, what GET /registration?flow=ID adds to the Kratos round trip it
// wraps (GET /self-service/registration/flows?id=ID with the same
// cookies). 16 workers (WORKID_BENCH_WORKERS to change) alternate the two
// requests; the reported ratio is the UI's median over Kratos's (target
// <= 1.20).
func BenchmarkRegistrationPageOverhead(b *testing.B) {
	st := shared.Get(b)
	jar, _ := cookiejar.New(nil)
	c := &http.Client{Jar: jar, Timeout: 30 * time.Second, Transport: &http.Transport{MaxIdleConnsPerHost: 64}}
	resp, err := c.Get(st.UIURL + "/registration")
	if err != nil {
		b.Fatal(err)
	}
	resp.Body.Close()
	flowID := resp.Request.URL.Query().Get("flow")
	if flowID == "" {
		b.Fatalf("no flow: ended at %s", resp.Request.URL)
	}
	page := st.UIURL + "/registration?flow=" + url.QueryEscape(flowID)
	kratos := st.KratosPublicURL + "/self-service/registration/flows?id=" + url.QueryEscape(flowID)

	timed := func(u string) time.Duration {
		start := time.Now()
		resp, err := c.Get(u)
		if err != nil {
			b.Error(err)
			return 0
		}
		_, _ = io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			b.Errorf("GET %s: %d", u, resp.StatusCode)
		}
		return time.Since(start)
	}
	workers := 16
	if n, err := strconv.Atoi(os.Getenv("WORKID_BENCH_WORKERS")); err == nil && n > 0 {
		workers = n
	}
	var mu sync.Mutex
	var ui, direct []time.Duration
	b.ResetTimer()
	var wg sync.WaitGroup
	per := max(1, b.N/workers)
	for range workers {
		wg.Go(func() {
			for range per {
				u, k := timed(page), timed(kratos)
				mu.Lock()
				ui, direct = append(ui, u), append(direct, k)
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	b.StopTimer()
	mUI, mKratos := stacktest.Median(ui), stacktest.Median(direct)
	b.ReportMetric(float64(mUI.Microseconds())/1000, "ms-ui")
	b.ReportMetric(float64(mKratos.Microseconds())/1000, "ms-kratos")
	b.ReportMetric(float64(mUI)/float64(mKratos), "ratio")
}
