package scale_test

import (
	"fmt"
	"testing"
	"time"

	"github.com/workid/workid/internal/stacktest"
)

// BenchmarkDashboardOverhead is the dashboard's cost beyond a bare whoami
// on a nearly empty stack, in a few seconds: 3,000 rounds of Kratos's
// whoami then the dashboard straight to the UI, with the same signed-in,
// verified company admin as BenchmarkAtScale. It prints both p50s, their
// ratio and their difference (what the UI adds: its hop and its work).
// With WORKID_SCALE_DB=postgres on PostgreSQL. Not part of `make test`:
//
//	go test -run '^$' -bench DashboardOverhead -benchtime 1x ./internal/scale/
func BenchmarkDashboardOverhead(b *testing.B) {
	h := newHarness(b)
	dashboard := h.get(h.st.UIServerURL + "/")
	whoami := h.get(h.st.KratosPublicURL + "/sessions/whoami")
	for b.Loop() {
		for range 200 { // warm: connections, caches, prepared statements
			if err := dashboard(); err != nil {
				b.Fatal(err)
			}
		}
		var td, tw []time.Duration
		for range 3000 {
			for _, c := range []struct {
				do   func() error
				took *[]time.Duration
			}{{whoami, &tw}, {dashboard, &td}} {
				start := time.Now()
				if err := c.do(); err != nil {
					b.Fatal(err)
				}
				*c.took = append(*c.took, time.Since(start))
			}
		}
		d, w := stacktest.Percentile(td, 50), stacktest.Percentile(tw, 50)
		fmt.Printf("dashboard, UI p50 %s; whoami, Kratos p50 %s; ratio %.3f; difference %s\n",
			ms(d), ms(w), float64(d)/float64(w), ms(d-w))
	}
}
