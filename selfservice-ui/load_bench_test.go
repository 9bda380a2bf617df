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

// flowPage is a registration flow of the shared stack, and a client with
// its cookies.
type flowPage struct {
	b      *testing.B
	st     *stacktest.Stack
	c      *http.Client
	flowID string
}

func newFlowPage(b *testing.B) *flowPage {
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
	// The cookies were set for the edge's address; the UI's own port is
	// the same host, so the jar sends them there too.
	return &flowPage{b: b, st: st, c: c, flowID: flowID}
}

// url is the flow's page on the UI at base.
func (f *flowPage) url(base string) string {
	return base + "/registration?flow=" + url.QueryEscape(f.flowID)
}

// get fetches u and returns how long it took.
func (f *flowPage) get(u string) time.Duration {
	start := time.Now()
	resp, err := f.c.Get(u)
	if err != nil {
		f.b.Error(err)
		return 0
	}
	_, _ = io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		f.b.Errorf("GET %s: %d", u, resp.StatusCode)
	}
	return time.Since(start)
}

// alternate has workers each fetch a and then b, per times, and returns
// the medians of the two.
func (f *flowPage) alternate(workers, per int, a, b string) (medA, medB time.Duration) {
	var mu sync.Mutex
	var as, bs []time.Duration
	var wg sync.WaitGroup
	for range workers {
		wg.Go(func() {
			for range per {
				da, db := f.get(a), f.get(b)
				mu.Lock()
				as, bs = append(as, da), append(bs, db)
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	return stacktest.Median(as), stacktest.Median(bs)
}

// round has workers fetch u n times between them (rounded down to a whole
// number each, at least one) and returns how long that took.
func (f *flowPage) round(workers int, u string, n int) time.Duration {
	start := time.Now()
	var wg sync.WaitGroup
	for range workers {
		wg.Go(func() {
			for range max(1, n/workers) {
				f.get(u)
			}
		})
	}
	wg.Wait()
	return time.Since(start)
}

func benchWorkers(def int) int {
	if n, err := strconv.Atoi(os.Getenv("WORKID_BENCH_WORKERS")); err == nil && n > 0 {
		return n
	}
	return def
}

// BenchmarkRegistrationPageOverhead measures, under load against the real
// Kratos, what GET /registration?flow=ID adds to the Kratos round trip it
// wraps (GET /self-service/registration/flows?id=ID with the same
// cookies), both on the servers' own ports. 16 workers
// (WORKID_BENCH_WORKERS to change) alternate the two requests; the
// reported ratio is the UI's median over Kratos's (target <= 1.20).
func BenchmarkRegistrationPageOverhead(b *testing.B) {
	f := newFlowPage(b)
	kratos := f.st.KratosPublicURL + "/self-service/registration/flows?id=" + url.QueryEscape(f.flowID)
	workers := benchWorkers(16)
	b.ResetTimer()
	mUI, mKratos := f.alternate(workers, max(1, b.N/workers), f.url(f.st.UIServerURL), kratos)
	b.StopTimer()
	reportMedians(b, "ui", mUI, "kratos", mKratos)
}

// reportMedians reports two medians in milliseconds and the first over the
// second as the ratio.
func reportMedians(b *testing.B, nameA string, a time.Duration, nameB string, med time.Duration) {
	b.ReportMetric(float64(a.Microseconds())/1000, "ms-"+nameA)
	b.ReportMetric(float64(med.Microseconds())/1000, "ms-"+nameB)
	b.ReportMetric(float64(a)/float64(med), "ratio")
}

// BenchmarkEdgeLatency measures what the edge adds to a flow page at one
// client: GET /registration?flow=ID through the edge and from the UI's own
// port, alternately; the ratio is the edge's median over the direct one
// (target <= 1.10).
func BenchmarkEdgeLatency(b *testing.B) {
	f := newFlowPage(b)
	b.ResetTimer()
	mEdge, mDirect := f.alternate(1, b.N, f.url(f.st.EdgeURL), f.url(f.st.UIServerURL))
	b.StopTimer()
	reportMedians(b, "edge", mEdge, "direct", mDirect)
}

// BenchmarkEdgeThroughput measures the flow pages a second that 32 clients
// (WORKID_BENCH_WORKERS) get through the edge against from the UI's own
// port: the two take turns in eight rounds of b.N/8 pages each (rounded
// down to a whole number a client), so drift in
// the machine's speed falls on both; the ratio is the edge's pages a
// second over the direct ones (target >= 0.90).
func BenchmarkEdgeThroughput(b *testing.B) {
	f := newFlowPage(b)
	workers := benchWorkers(32)
	var edge, direct time.Duration
	const rounds = 8
	b.ResetTimer()
	for range rounds / 2 {
		edge += f.round(workers, f.url(f.st.EdgeURL), b.N/rounds)
		direct += f.round(workers, f.url(f.st.UIServerURL), b.N/rounds)
	}
	b.StopTimer()
	pages := float64(max(1, b.N/rounds/workers) * workers * rounds / 2)
	b.ReportMetric(pages/edge.Seconds(), "pages/s-edge")
	b.ReportMetric(pages/direct.Seconds(), "pages/s-direct")
	b.ReportMetric(direct.Seconds()/edge.Seconds(), "ratio")
}
