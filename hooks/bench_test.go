package hooks_test

import (
	"context"
	"testing"
	"time"

	"github.com/workid/workid/internal/stacktest"
)

// BenchmarkRegistrationHookOverhead registers through the real Kratos with
// WorkID's hook (the package's stack) and, in the same run, through a
// second Kratos whose registrations run only the session hook. Pairs
// alternate so both see the same machine load; the reported ratio is the
// median with the hook over the median without (target <= 1.10).
func BenchmarkRegistrationHookOverhead(b *testing.B) {
	st := shared.Get(b)
	ctx := context.Background()
	bare, err := stacktest.Start(ctx, stacktest.Options{PasswordRegistrationWithoutHook: true})
	if err != nil {
		b.Fatal(err)
	}
	defer bare.Close()
	// The baseline really runs without the rule: a personal address passes
	// there and is refused with the hook.
	if _, err := bare.Register(ctx, stacktest.NewUser("gmail.com")); err != nil {
		b.Fatalf("the baseline Kratos refused a personal address, so it still runs the hook: %v", err)
	}
	if _, err := st.Register(ctx, stacktest.NewUser("gmail.com")); err == nil {
		b.Fatal("the Kratos with the hook accepted a personal address")
	}

	var with, without []time.Duration
	register := func(s *stacktest.Stack, into *[]time.Duration) {
		u := stacktest.NewUser("acme-widgets.com")
		start := time.Now()
		if _, err := s.Register(ctx, u); err != nil {
			b.Fatal(err)
		}
		*into = append(*into, time.Since(start))
	}
	for b.Loop() {
		register(st, &with)
		register(bare, &without)
	}
	mw, mo := stacktest.Median(with), stacktest.Median(without)
	b.ReportMetric(float64(mw.Microseconds())/1000, "ms-with-hook")
	b.ReportMetric(float64(mo.Microseconds())/1000, "ms-without")
	b.ReportMetric(float64(mw)/float64(mo), "ratio")
}
