package pgsuite_test

import (
	"io"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/workid/workid/internal/reverify"
	"github.com/workid/workid/internal/stacktest"
)

// The verification mail reaches Mailpit, its link verifies the address
// (stored in PostgreSQL), and the link works once.
func TestVerificationLink(t *testing.T) {
	st := shared.Get(t)
	ctx := t.Context()
	u := stacktest.NewUser("northwind-traders.com")
	reg, err := st.Register(ctx, u)
	if err != nil {
		t.Fatal(err)
	}
	if v, _ := addressInDB(t, reg.Identity.Id); v {
		t.Fatal("a new address is verified in the kratos database")
	}
	msgs := waitForMail(t, u.Email, 1)
	if got := msgs[0].Subject; got != "Please verify your work email address" {
		t.Errorf("subject = %q, want WorkID's template", got)
	}
	link, err := msgs[0].Link(stacktest.VerifyPage)
	if err != nil {
		t.Fatal(err)
	}
	f, err := st.Press(ctx, link)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(f.Final.String(), st.UIURL+"/") {
		t.Errorf("the link ended at %s, want a page of the UI", f.Final)
	}
	verified, at := addressInDB(t, reg.Identity.Id)
	if !verified || at == nil || time.Since(*at).Abs() > time.Minute {
		t.Fatalf("kratos database after the link: verified=%v verified_at=%v, want true and now", verified, at)
	}

	again, err := st.Follow(ctx, link)
	if err != nil {
		t.Fatal(err)
	}
	if want := stacktest.AlreadyVerified(u.Email, *at); !strings.Contains(again.Body, want) {
		t.Errorf("second opening of the link: the page does not say %q", want)
	}
}

// A verification more than a year old: one re-verification pass (with
// the PostgreSQL lock on the same server) un-verifies the address and
// mails one new link that says why; the link verifies it again.
func TestYearlyReverification(t *testing.T) {
	st := shared.Get(t)
	ctx := t.Context()
	u := stacktest.NewUser("contoso-engineering.com")
	id := registerVerified(t, u)
	if err := st.AgeVerification(ctx, id, time.Now().AddDate(0, 0, -400)); err != nil {
		t.Fatal(err)
	}

	job := reverify.New(st.Admin, st.Public, reverify.Options{SendsPerSecond: 100},
		reverify.PostgresLock{DSN: st.PostgresDSN}, slog.New(slog.NewTextHandler(io.Discard, nil)))
	r, err := job.RunOnce(ctx)
	if err != nil || r.Skipped || r.Expired < 1 || r.Notified < 1 || r.Errors != 0 {
		t.Fatalf("re-verification pass = %+v, %v; want an expiry notified, no errors", r, err)
	}
	if v, _ := addressInDB(t, id); v {
		t.Error("kratos database after the pass: the address is still verified")
	}
	// Every mail the pass asked for is queued when it returns.
	if n, err := st.Queued(ctx, u.Email); err != nil || n != 2 {
		t.Fatalf("mails queued for %s = %d (%v), want 2 (verification, then expiry)", u.Email, n, err)
	}
	msgs := waitForMail(t, u.Email, 2)
	m := msgs[1]
	if !strings.Contains(m.Subject, "has expired") || !strings.Contains(m.Read(), "expired after one year") {
		t.Errorf("the expiry mail does not say why: subject %q\n%s", m.Subject, m.Text)
	}
	link, err := m.Link(stacktest.VerifyPage)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := st.Press(ctx, link); err != nil {
		t.Fatal(err)
	}
	if v, at := addressInDB(t, id); !v || at == nil || time.Since(*at).Abs() > time.Minute {
		t.Errorf("after the new link: verified=%v verified_at=%v, want verified now", v, at)
	}
}
