package hooks_test

import (
	"context"
	"testing"
	"time"

	"github.com/workid/workid/internal/companies"
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

// BenchmarkMemberHookOverhead registers through the real Kratos with every
// hook (the package's stack) and, in the same run, through a second
// Kratos whose password registrations run the business-email rule and
// the session hook but not the member index's hook. Pairs alternate; the
// reported figure is what the member hook adds to the median
// registration, in milliseconds (target <= 5).
func BenchmarkMemberHookOverhead(b *testing.B) {
	st := shared.Get(b)
	ctx := context.Background()
	bare, err := stacktest.Start(ctx, stacktest.Options{PasswordRegistrationWithoutMemberHook: true})
	if err != nil {
		b.Fatal(err)
	}
	defer bare.Close()
	// The baseline still runs the rule: a personal address is refused;
	// and not the member hook: its registrations reach no index.
	if _, err := bare.Register(ctx, stacktest.NewUser("gmail.com")); err == nil {
		b.Fatal("the baseline Kratos accepted a personal address: it lost the rule's hook too")
	}
	reg, err := bare.Register(ctx, stacktest.NewUser("acme-widgets.com"))
	if err != nil {
		b.Fatal(err)
	}
	index, err := companies.Open(ctx, bare.Layout.WorkIDDatabaseURL(), companies.Options{})
	if err != nil {
		b.Fatal(err)
	}
	defer index.Close()
	time.Sleep(time.Second) // the hook, were it there, answers within it
	if _, found, err := index.Member(ctx, reg.Identity.Id); err != nil || found {
		b.Fatalf("the baseline's registration reached the member index (%v): it still runs the member hook", err)
	}
	var with, without []time.Duration
	register := func(s *stacktest.Stack, into *[]time.Duration) {
		start := time.Now()
		if _, err := s.Register(ctx, stacktest.NewUser("acme-widgets.com")); err != nil {
			b.Fatal(err)
		}
		*into = append(*into, time.Since(start))
	}
	for b.Loop() {
		register(st, &with)
		register(bare, &without)
	}
	mw, mo := stacktest.Median(with), stacktest.Median(without)
	b.ReportMetric(float64(mw.Microseconds())/1000, "ms-with")
	b.ReportMetric(float64(mo.Microseconds())/1000, "ms-without")
	b.ReportMetric(float64((mw-mo).Microseconds())/1000, "ms-added")
}
