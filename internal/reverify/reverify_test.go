package reverify

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	kratos "github.com/ory/kratos-client-go"

	"github.com/workid/workid/internal/emailstate"
	"github.com/workid/workid/internal/kratosapi"
	"github.com/workid/workid/internal/metrics"
	"github.com/workid/workid/internal/metrics/metricstest"
	"github.com/workid/workid/internal/stacktest"
)

var shared = &stacktest.Shared{}

func TestMain(m *testing.M) { shared.Main(m) }

var quiet = slog.New(slog.NewTextHandler(io.Discard, nil))

func newJob(t *testing.T, opts Options) *Job {
	t.Helper()
	st := shared.Get(t)
	opts.SendsPerSecond = 100
	return New(st.Admin, st.Public, opts, FileLock{Path: filepath.Join(t.TempDir(), "reverify.lock")}, quiet)
}

// account makes an identity whose address was verified daysAgo days ago
// (daysAgo < 0: never verified).
func account(t *testing.T, daysAgo int) (stacktest.User, string) {
	t.Helper()
	st := shared.Get(t)
	u := stacktest.NewUser("acme-widgets.com")
	if daysAgo < 0 {
		ident, err := st.CreateIdentity(t.Context(), u)
		if err != nil {
			t.Fatal(err)
		}
		return u, ident.Id
	}
	ident, err := st.CreateVerifiedIdentity(t.Context(), u, time.Now().AddDate(0, 0, -daysAgo))
	if err != nil {
		t.Fatal(err)
	}
	return u, ident.Id
}

func address(t *testing.T, id string) (verified bool, verifiedAt *time.Time, rec *emailstate.Reverification) {
	t.Helper()
	st := shared.Get(t)
	ident, err := st.Identity(t.Context(), id)
	if err != nil {
		t.Fatal(err)
	}
	a := ident.VerifiableAddresses[0]
	return a.Verified, a.VerifiedAt, emailstate.RecordFrom(ident.MetadataAdmin)
}

// mailCount counts the mails Kratos queued for address and, when that is
// want (> 0), waits until all of them reached the mailbox.
func mailCount(t *testing.T, address string, want int) int {
	t.Helper()
	st := shared.Get(t)
	// Every mail a pass asked for is in Kratos's courier queue when the
	// pass returns: counted there, nothing more can come.
	n, err := st.Queued(t.Context(), address)
	if err != nil {
		t.Fatal(err)
	}
	if want > 0 && n == want {
		ctx, cancel := context.WithTimeout(t.Context(), 20*time.Second)
		defer cancel()
		if _, err := st.WaitForMail(ctx, strings.ToLower(address), want); err != nil {
			t.Fatalf("%d mails queued for %s, not all delivered: %v", n, address, err)
		}
	}
	return n
}

func TestExpiredAddressGetsOneMailAndAFreshYear(t *testing.T) {
	st := shared.Get(t)
	ctx := t.Context()
	expired, expiredID := account(t, 400)
	recent, recentID := account(t, 300)
	never, neverID := account(t, -1)

	reg := metrics.NewRegistry()
	jm := NewMetrics(reg)
	r, err := newJob(t, Options{Metrics: jm}).RunOnce(ctx)
	if err != nil {
		t.Fatalf("RunOnce = %v (report %+v)", err, r)
	}
	if r.Expired < 1 || r.Notified < 1 || r.Errors != 0 {
		t.Errorf("report %+v, want at least one expired and notified, no errors", r)
	}

	verified, _, rec := address(t, expiredID)
	if verified || rec == nil || rec.Address != strings.ToLower(expired.Email) || rec.SentAt.IsZero() {
		t.Fatalf("after the pass: verified=%v record=%+v, want unverified with a sent record", verified, rec)
	}
	if v, _, rec := address(t, recentID); !v || rec != nil {
		t.Errorf("an address verified 300 days ago was touched: verified=%v record=%+v", v, rec)
	}
	if v, _, rec := address(t, neverID); v || rec != nil {
		t.Errorf("a never-verified address was touched: verified=%v record=%+v", v, rec)
	}

	if n := mailCount(t, expired.Email, 1); n != 1 {
		t.Fatalf("%d mails to the expired address, want exactly 1", n)
	}
	for _, u := range []stacktest.User{recent, never} {
		if n := mailCount(t, u.Email, 0); n != 0 {
			t.Errorf("%d mails to %s, which was not due", n, u.Email)
		}
	}
	msgs, _ := st.Mail(ctx, strings.ToLower(expired.Email))
	m := msgs[0]
	if !strings.Contains(m.Subject, "has expired") || !strings.Contains(m.Read(), "expired after one year") || !strings.Contains(m.HTML, "expired after one year") {
		t.Errorf("the mail does not say why: subject %q\n%s", m.Subject, m.Text)
	}

	// A second pass sends nothing more.
	r2, err := newJob(t, Options{Metrics: jm}).RunOnce(ctx)
	if err != nil || r2.Notified != 0 || r2.Resumed != 0 {
		t.Errorf("second pass: %+v, %v; want nothing sent", r2, err)
	}
	// The metrics add up both passes' reports; a dry run adds nothing.
	if _, err := newJob(t, Options{Metrics: jm, DryRun: true}).RunOnce(ctx); err != nil {
		t.Fatal(err)
	}
	got := metricstest.Scrape(t, metrics.Handler(reg, quiet))
	got.Want(t, map[string]float64{
		`workid_reverify_passes_total{outcome="done"}`:    2,
		`workid_reverify_passes_total{outcome="failed"}`:  0,
		`workid_reverify_passes_total{outcome="skipped"}`: 0,
		`workid_reverify_identities_scanned_total`:        float64(r.Scanned + r2.Scanned),
		`workid_reverify_expired_total`:                   float64(r.Expired + r2.Expired),
		`workid_reverify_notified_total`:                  float64(r.Notified + r2.Notified),
		`workid_reverify_errors_total`:                    0,
		`workid_reverify_last_success_timestamp_seconds`:  float64(r2.Finished.Unix()),
	})
	if n := mailCount(t, expired.Email, 1); n != 1 {
		t.Errorf("after a second pass %d mails, want still 1", n)
	}

	// Following the link verifies the address again, for a fresh year.
	link, err := m.Link(stacktest.VerifyPage)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := st.Press(ctx, link); err != nil {
		t.Fatal(err)
	}
	verified, at, _ := address(t, expiredID)
	if !verified || at == nil || time.Since(*at) > time.Minute {
		t.Errorf("after following the link: verified=%v verified_at=%v, want verified now", verified, at)
	}
}

func TestDryRunChangesNothing(t *testing.T) {
	st := shared.Get(t)
	u, id := account(t, 500)
	// It takes no lock: it runs while a pass holds it.
	lock := FileLock{Path: filepath.Join(t.TempDir(), "reverify.lock")}
	_, unlock, ok, err := lock.TryLock(t.Context())
	if err != nil || !ok {
		t.Fatalf("take the lock: %v %v", ok, err)
	}
	defer unlock()
	r, err := New(st.Admin, st.Public, Options{DryRun: true}, lock, quiet).RunOnce(t.Context())
	if err != nil || r.Skipped || r.Expired < 1 || r.Notified != 0 || !r.DryRun {
		t.Fatalf("dry run beside a held lock: %+v, %v; want it run, expiries counted, nothing sent", r, err)
	}
	if v, _, rec := address(t, id); !v || rec != nil {
		t.Errorf("a dry run changed the identity: verified=%v record=%+v", v, rec)
	}
	if n := mailCount(t, u.Email, 0); n != 0 {
		t.Errorf("a dry run sent %d mails", n)
	}
}

// Two passes at once over the same accounts: one takes the lock, the other
// is skipped, and every owner gets one mail.
func TestConcurrentPassesSendOnce(t *testing.T) {
	st := shared.Get(t)
	lock := FileLock{Path: filepath.Join(t.TempDir(), "reverify.lock")}
	var users []stacktest.User
	for range 3 {
		u, _ := account(t, 380)
		users = append(users, u)
	}
	var wg sync.WaitGroup
	reports := make([]Report, 2)
	for i := range reports {
		wg.Go(func() {
			j := New(st.Admin, st.Public, Options{SendsPerSecond: 100}, lock, quiet)
			reports[i], _ = j.RunOnce(t.Context())
		})
	}
	wg.Wait()
	// Whichever order they ran in, a pass that meets the lock is skipped.
	_, unlock, ok, err := lock.TryLock(t.Context())
	if err != nil || !ok {
		t.Fatalf("take the lock: %v %v", ok, err)
	}
	reg := metrics.NewRegistry()
	held, err := New(st.Admin, st.Public, Options{SendsPerSecond: 100, Metrics: NewMetrics(reg)}, lock, quiet).RunOnce(t.Context())
	unlock()
	if err != nil || !held.Skipped || held.Scanned != 0 {
		t.Errorf("a pass while the lock is held = %+v, %v; want skipped without scanning", held, err)
	}
	metricstest.Scrape(t, metrics.Handler(reg, quiet)).Want(t, map[string]float64{
		`workid_reverify_passes_total{outcome="skipped"}`: 1,
		`workid_reverify_identities_scanned_total`:        0,
	})
	for _, u := range users {
		if n := mailCount(t, u.Email, 1); n != 1 {
			t.Errorf("%s got %d mails from two passes, want 1", u.Email, n)
		}
	}
}

// A crash at each step: the next pass completes the work. The mails are
// counted: one, except for a crash between the send and its record, the
// documented window in which the next pass sends again (both links work).
func TestCrashRecovery(t *testing.T) {
	st := shared.Get(t)
	for stage, want := range map[string]int{"claimed": 1, "sent": 2, "recorded": 1} {
		t.Run(stage, func(t *testing.T) {
			u, id := account(t, 420)
			j := newJob(t, Options{})
			boom := errors.New("crash")
			j.crash = func(s string) error {
				if s == stage {
					return boom
				}
				return nil
			}
			_, _ = j.RunOnce(t.Context())
			if v, _, rec := address(t, id); v || rec == nil {
				t.Fatalf("after a crash at %s: verified=%v record=%+v, want claimed", stage, v, rec)
			}
			if _, err := newJob(t, Options{}).RunOnce(t.Context()); err != nil {
				t.Fatalf("the next pass: %v", err)
			}
			_, _, rec := address(t, id)
			if rec == nil || rec.SentAt.IsZero() {
				t.Errorf("after the next pass the record is %+v, want a sent time", rec)
			}
			if n := mailCount(t, u.Email, want); n != want {
				t.Fatalf("crash after %s: %d mails, want %d", stage, n, want)
			}
			msgs, _ := st.Mail(t.Context(), strings.ToLower(u.Email))
			link, err := msgs[len(msgs)-1].Link(stacktest.VerifyPage)
			if err != nil {
				t.Fatal(err)
			}
			if _, err := st.Press(t.Context(), link); err != nil {
				t.Fatal(err)
			}
			if v, _, _ := address(t, id); !v {
				t.Errorf("crash after %s: the newest link does not verify", stage)
			}
		})
	}
}

// A send whose answer from Kratos was lost is not repeated in the pass,
// since its mail may be out (it is: one mail, not one a retry). The
// record has no sent time, so the next pass sends the link again.
func TestSendWhoseAnswerIsLostIsNotRepeated(t *testing.T) {
	st := shared.Get(t)
	u, id := account(t, 410)
	proxyURL, lost := stacktest.LosingProxy(t, st.KratosPublicURL, stacktest.VerificationSubmit)
	j := New(st.Admin, kratosapi.New(proxyURL), Options{SendsPerSecond: 100}, FileLock{Path: filepath.Join(t.TempDir(), "reverify.lock")}, quiet)
	r, _ := j.RunOnce(t.Context())
	if r.Errors == 0 || lost.Load() == 0 {
		t.Fatalf("a pass through a Kratos whose answers to sends are lost: %+v, %d answers lost, want a failed send", r, lost.Load())
	}
	if n := mailCount(t, u.Email, 1); n != 1 {
		t.Fatalf("%d mails queued after one send whose answer was lost, want 1 (not retried)", n)
	}
	if v, _, rec := address(t, id); v || rec == nil || !rec.SentAt.IsZero() {
		t.Fatalf("after the lost answer: verified=%v record=%+v, want expired with no sent time", v, rec)
	}
	if _, err := newJob(t, Options{}).RunOnce(t.Context()); err != nil {
		t.Fatalf("the next pass: %v", err)
	}
	if _, _, rec := address(t, id); rec == nil || rec.SentAt.IsZero() {
		t.Errorf("after the next pass the record is %+v, want a sent time", rec)
	}
	if n := mailCount(t, u.Email, 2); n != 2 {
		t.Errorf("%d mails after the next pass, want 2", n)
	}
}

// An unreachable Kratos fails the pass with the cause, after retries.
func TestKratosDown(t *testing.T) {
	down := stacktest.NewKratosClient("http://127.0.0.1:1")
	reg := metrics.NewRegistry()
	j := New(down, down, Options{Metrics: NewMetrics(reg)}, FileLock{Path: filepath.Join(t.TempDir(), "l")}, quiet)
	ctx, cancel := context.WithTimeout(t.Context(), 20*time.Second)
	defer cancel()
	if _, err := j.RunOnce(ctx); err == nil || !strings.Contains(err.Error(), "list identities") {
		t.Errorf("RunOnce against a dead Kratos = %v, want a list error", err)
	}
	metricstest.Scrape(t, metrics.Handler(reg, quiet)).Want(t, map[string]float64{
		`workid_reverify_passes_total{outcome="failed"}`: 1,
		`workid_reverify_passes_total{outcome="done"}`:   0,
		`workid_reverify_last_success_timestamp_seconds`: 0,
	})
}

// A reminder goes out once per verification, before it expires, and
// changes nothing else.
func TestReminder(t *testing.T) {
	st := shared.Get(t)
	u, id := account(t, 350)
	job := newJob(t, Options{RemindBefore: 30 * 24 * time.Hour})
	r, err := job.RunOnce(t.Context())
	if err != nil || r.Reminded < 1 {
		t.Fatalf("pass with reminders: %+v, %v", r, err)
	}
	if n := mailCount(t, u.Email, 1); n != 1 {
		t.Fatalf("%d mails, want one reminder", n)
	}
	msgs, _ := st.Mail(t.Context(), strings.ToLower(u.Email))
	if !strings.Contains(msgs[0].Subject, "expires soon") || !strings.Contains(msgs[0].Read(), "expires soon") {
		t.Errorf("reminder mail: %q\n%s", msgs[0].Subject, msgs[0].Text)
	}
	if v, _, rec := address(t, id); !v || rec != nil {
		t.Errorf("a reminder changed the address: verified=%v record=%+v", v, rec)
	}
	if _, err := job.RunOnce(t.Context()); err != nil {
		t.Fatal(err)
	}
	if n := mailCount(t, u.Email, 1); n != 1 {
		t.Errorf("after a second pass %d mails, want still one reminder", n)
	}
}

// An identity the pass cannot handle is skipped and counted, the others
// are done, and the pass ends with ErrIdentitiesFailed (workid reverify exits 1).
func TestSkippedIdentity(t *testing.T) {
	st := shared.Get(t)
	ctx := t.Context()
	odd, oddID := account(t, 410)
	// Metadata that is not an object belongs to someone else's tooling.
	ops := []kratos.JsonPatch{{Op: "add", Path: "/metadata_admin", Value: "legacy-flag"}}
	if _, _, err := st.Admin.IdentityAPI.PatchIdentity(ctx, oddID).JsonPatch(ops).Execute(); err != nil {
		t.Fatal(err)
	}
	// It would make every later pass of this package fail: remove it after.
	t.Cleanup(func() { _, _ = st.Admin.IdentityAPI.DeleteIdentity(context.Background(), oddID).Execute() })
	fine, _ := account(t, 410)
	r, err := newJob(t, Options{}).RunOnce(ctx)
	if !errors.Is(err, ErrIdentitiesFailed) || r.Errors != 1 || len(r.Failures) != 1 || r.Failures[0].IdentityID != oddID {
		t.Fatalf("pass = %+v, %v; want one failure for %s and ErrIdentitiesFailed", r, err, oddID)
	}
	if n := mailCount(t, fine.Email, 1); n != 1 {
		t.Errorf("the other expired account got %d mails, want 1", n)
	}
	if n := mailCount(t, odd.Email, 0); n != 0 {
		t.Errorf("the skipped account got %d mails, want 0", n)
	}
	ident, err := st.Identity(ctx, oddID)
	if err != nil || ident.MetadataAdmin != "legacy-flag" || !ident.VerifiableAddresses[0].Verified {
		t.Errorf("the skipped identity was changed: %+v", ident)
	}
}

// ExpireNow expires one address whatever its age, through the same steps as
// a pass: unverified, recorded, one mail that says why. It refuses an
// address that is not verified, and finishes one a stopped pass claimed.
func TestExpireNow(t *testing.T) {
	st := shared.Get(t)
	ctx := t.Context()
	u, id := account(t, 10)
	r, err := newJob(t, Options{}).ExpireNow(ctx, id)
	if err != nil || r.Expired != 1 || r.Notified != 1 {
		t.Fatalf("ExpireNow = %+v, %v; want one expired and notified", r, err)
	}
	if v, _, rec := address(t, id); v || rec == nil || rec.SentAt.IsZero() || time.Since(rec.ExpiredAt) > time.Minute {
		t.Fatalf("after ExpireNow: verified=%v record=%+v, want unverified, expired now, link sent", v, rec)
	}
	if n := mailCount(t, u.Email, 1); n != 1 {
		t.Fatalf("%d mails, want 1", n)
	}
	msgs, _ := st.Mail(ctx, strings.ToLower(u.Email))
	if !strings.Contains(msgs[0].Subject, "has expired") {
		t.Errorf("the mail does not say why: %q", msgs[0].Subject)
	}

	// Now unverified: nothing more to expire, and nothing sent.
	if _, err := newJob(t, Options{}).ExpireNow(ctx, id); !errors.Is(err, ErrNotVerified) {
		t.Errorf("second ExpireNow = %v, want ErrNotVerified", err)
	}
	_, neverID := account(t, -1)
	if _, err := newJob(t, Options{}).ExpireNow(ctx, neverID); !errors.Is(err, ErrNotVerified) {
		t.Errorf("ExpireNow of a never-verified address = %v, want ErrNotVerified", err)
	}
	if n := mailCount(t, u.Email, 0); n != 1 {
		t.Errorf("after the refused calls %d mails, want still 1", n)
	}

	// Claimed by a pass that stopped before sending: the link goes out.
	u2, id2 := account(t, 400)
	j := newJob(t, Options{})
	j.crash = func(s string) error {
		if s == "claimed" {
			return errors.New("crash")
		}
		return nil
	}
	_, _ = j.RunOnce(ctx)
	r, err = newJob(t, Options{}).ExpireNow(ctx, id2)
	if err != nil || r.Resumed != 1 || r.Notified != 1 {
		t.Errorf("ExpireNow after a stopped pass = %+v, %v; want the link sent", r, err)
	}
	if n := mailCount(t, u2.Email, 1); n != 1 {
		t.Errorf("%d mails after resuming, want 1", n)
	}
}
