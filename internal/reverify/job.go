package reverify

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"time"
	"unicode/utf8"

	kratos "github.com/ory/kratos-client-go"
	"golang.org/x/time/rate"

	"github.com/workid/workid/internal/emailstate"
	"github.com/workid/workid/internal/kratosapi"
)

// Options tune a pass.
type Options struct {
	// MaxAge is how long a verification lasts (emailstate.DefaultMaxAge).
	MaxAge time.Duration
	// PageSize is how many identities one list request returns.
	PageSize int64
	// SendsPerSecond bounds the mails sent, so the SMTP server is not flooded.
	SendsPerSecond float64
	// DryRun reports who would expire and changes nothing.
	DryRun bool
	// RemindBefore, when set, mails a reminder once per verification this
	// long before it expires, without un-verifying anything.
	RemindBefore time.Duration
	// Terminal, when set, receives a progress line that rewrites itself
	// (a person is watching); otherwise progress goes to the log.
	Terminal io.Writer
	// Metrics, when set, receives each pass's figures.
	Metrics *Metrics
}

// Job is the re-verification job.
type Job struct {
	admin, public *kratos.APIClient
	opts          Options
	lock          Locker
	log           *slog.Logger
	limiter       *rate.Limiter
	// Now is the clock; tests replace it.
	Now func() time.Time
	// Index, when set, is the member index each pass reconciles with
	// Kratos (reconcile.go); nil leaves it alone.
	Index Index
	// crash, when set, is called after each step of an expiry ("claimed",
	// "sent"); an error stops the pass there, as a crash would. Tests use
	// it to show that the next pass completes the work.
	crash func(stage string) error
}

// New returns a job over Kratos's admin and public APIs.
func New(admin, public *kratos.APIClient, opts Options, lock Locker, log *slog.Logger) *Job {
	if opts.MaxAge <= 0 {
		opts.MaxAge = emailstate.DefaultMaxAge
	}
	if opts.PageSize <= 0 {
		opts.PageSize = 500
	}
	if opts.SendsPerSecond <= 0 {
		opts.SendsPerSecond = 10
	}
	return &Job{
		admin: admin, public: public, opts: opts, lock: lock, log: log, Now: time.Now,
		limiter: rate.NewLimiter(rate.Limit(opts.SendsPerSecond), 1),
	}
}

// Report is what a pass did.
type Report struct {
	Started  time.Time `json:"started"`
	Finished time.Time `json:"finished"`
	DryRun   bool      `json:"dry_run"`
	// Skipped is set when another pass held the lock.
	Skipped bool `json:"skipped"`
	Scanned int  `json:"scanned"`
	// Expired addresses were claimed (or would be, in a dry run).
	Expired int `json:"expired"`
	// Notified links were sent; Resumed of them finished an earlier,
	// interrupted pass's claim.
	Notified int `json:"notified"`
	Resumed  int `json:"resumed"`
	// Reminded addresses got a reminder before their expiry.
	Reminded int `json:"reminded"`
	// Observed identities were recorded in the member index (the ones
	// it had seen later, by a hook, are not counted); Formed of them
	// formed a company. Forgotten rows were of identities Kratos no
	// longer has.
	Observed  int `json:"observed"`
	Formed    int `json:"formed"`
	Forgotten int `json:"forgotten"`
	// Errors counts identities skipped after retries; Failures says which.
	Errors   int       `json:"errors"`
	Failures []Failure `json:"failures,omitempty"`
}

// Failure is one identity a pass had to skip.
type Failure struct {
	IdentityID string `json:"identity_id"`
	Stage      string `json:"stage"`
	Error      string `json:"error"`
}

// ErrIdentitiesFailed is returned with a report when identities had to be
// skipped after retries (the command then exits 1).
var ErrIdentitiesFailed = errors.New("some identities were skipped")

// maxFailures bounds the failures a report lists (all are counted).
const maxFailures = 100

// RunOnce runs one pass. It returns ErrIdentitiesFailed (with the full
// report) when identities had to be skipped, and a report with Skipped set
// when another pass holds the lock.
func (j *Job) RunOnce(ctx context.Context) (r Report, err error) {
	r = Report{Started: j.Now(), DryRun: j.opts.DryRun}
	defer func() {
		r.Finished = j.Now()
		j.opts.Metrics.observe(r, err)
	}()
	// A dry run changes nothing, so it takes no lock and can run beside a
	// pass.
	if !j.opts.DryRun {
		lockCtx, unlock, ok, err := j.lock.TryLock(ctx)
		if err != nil {
			return r, err
		}
		if !ok {
			r.Skipped = true
			j.log.WarnContext(ctx, "re-verification pass skipped: another pass holds the lock")
			return r, nil
		}
		defer unlock()
		// The pass stops when the lock is lost (a dropped database session).
		ctx = lockCtx
	}

	p := newProgress(ctx, j.log, j.opts.Terminal, &r)
	defer p.done()
	pages := kratosapi.NewIdentityPager(j.admin, j.opts.PageSize)
	// The index is written beside the listing: a page is recorded while
	// the next one is fetched from Kratos.
	rec := j.newRecorder(ctx)
	defer rec.stop()
	for !pages.Done() {
		// Before the request: the page shows the identities as they were
		// at this moment or later.
		listed := j.Now()
		ids, err := j.page(ctx, pages)
		if err != nil {
			return r, fmt.Errorf("list identities: %w", err)
		}
		seen := make([]*kratos.Identity, 0, len(ids))
		for i := range ids {
			if ctx.Err() != nil {
				return r, fmt.Errorf("pass stopped: %w", context.Cause(ctx))
			}
			ident, err := j.visit(ctx, &ids[i], &r)
			if err != nil {
				return r, err
			}
			if ident != nil {
				seen = append(seen, ident)
			}
			p.tick()
		}
		rec.add(listed, seen)
	}
	if rec.wait(&r) {
		j.forgetUnseen(ctx, &r)
	}
	if r.Errors > 0 {
		return r, ErrIdentitiesFailed
	}
	return r, nil
}

// page reads the next page of identities, with retries.
func (j *Job) page(ctx context.Context, pages *kratosapi.IdentityPager) ([]kratos.Identity, error) {
	var ids []kratos.Identity
	err := retry(ctx, func() error {
		page, resp, err := pages.Next(ctx)
		ids = page
		return kratosError(err, resp)
	})
	return ids, err
}

// action is what an identity's address needs.
type action int

const (
	nothing action = iota
	resume         // claimed by a pass that stopped before the link went out
	expire         // verified longer ago than the maximum age
	remind         // due for its reminder
)

// due decides what ident's email address needs at now.
func (j *Job) due(ident *kratos.Identity, now time.Time) (action, int, kratos.VerifiableIdentityAddress) {
	idx := kratosapi.AccountAddress(ident.VerifiableAddresses, kratosapi.EmailTrait(ident))
	if idx < 0 {
		return nothing, -1, kratos.VerifiableIdentityAddress{}
	}
	addr := ident.VerifiableAddresses[idx]
	rec := emailstate.RecordFrom(ident.MetadataAdmin)
	switch {
	case rec != nil && rec.Address == addr.Value && !addr.Verified && rec.SentAt.IsZero():
		return resume, idx, addr
	case addr.Verified && addr.VerifiedAt != nil && !now.Before(addr.VerifiedAt.Add(j.opts.MaxAge)):
		return expire, idx, addr
	case j.opts.RemindBefore > 0 && addr.Verified && addr.VerifiedAt != nil &&
		!now.Before(addr.VerifiedAt.Add(j.opts.MaxAge-j.opts.RemindBefore)) && !remindedFor(ident.MetadataAdmin, addr):
		return remind, idx, addr
	}
	return nothing, idx, addr
}

// visit handles one listed identity. The page it came from may be minutes
// old, so an identity that needs work is read again and decided again
// just before anything is changed. It returns the identity as the pass
// last saw it, after any expiry it applied, for the member index; nil when
// Kratos no longer has it.
func (j *Job) visit(ctx context.Context, listed *kratos.Identity, r *Report) (*kratos.Identity, error) {
	r.Scanned++
	now := j.Now()
	if act, _, _ := j.due(listed, now); act == nothing {
		return listed, nil
	} else if j.opts.DryRun {
		if act == remind {
			r.Reminded++
		} else {
			r.Expired++
			j.log.InfoContext(ctx, "would expire", "identity_id", listed.Id)
		}
		return listed, nil
	}
	ident, err := j.read(ctx, listed.Id)
	if errors.Is(err, errNotFound) {
		return nil, nil // deleted since it was listed
	}
	if err != nil {
		j.fail(ctx, r, listed.Id, "read", err)
		return listed, nil
	}
	act, idx, addr := j.due(ident, now)
	switch act {
	case resume:
		if j.notify(ctx, ident, addr.Value, r) {
			r.Resumed++
		}
		return ident, j.crashed("recorded")
	case expire:
		r.Expired++
		claimed := j.claim(ctx, ident, idx, addr, now, r)
		if claimed == nil {
			return ident, nil
		}
		if err := j.crashed("claimed"); err != nil {
			return nil, err
		}
		j.notify(ctx, claimed, addr.Value, r)
		return claimed, j.crashed("recorded")
	case remind:
		j.remind(ctx, ident, addr, r)
	}
	return ident, nil
}

// read gets an identity from the admin API, with retries.
func (j *Job) read(ctx context.Context, id string) (*kratos.Identity, error) {
	var ident *kratos.Identity
	err := retry(ctx, func() error {
		got, resp, err := j.admin.IdentityAPI.GetIdentity(ctx, id).Execute()
		ident = got
		return kratosError(err, resp)
	})
	return ident, err
}

// patch applies JSON Patch ops to an identity, with retries, and returns
// the identity as Kratos saved it.
func (j *Job) patch(ctx context.Context, id string, ops []kratos.JsonPatch) (*kratos.Identity, error) {
	var patched *kratos.Identity
	err := retry(ctx, func() error {
		got, resp, err := j.admin.IdentityAPI.PatchIdentity(ctx, id).JsonPatch(ops).Execute()
		patched = got
		return kratosError(err, resp)
	})
	return patched, err
}

// ErrNotVerified is ExpireNow's answer for an address that is not
// verified: there is nothing to expire.
var ErrNotVerified = errors.New("the address is not verified, so there is nothing to expire")

// ExpireNow expires identityID's email address now, whatever its age, and
// sends the new link with the expiry text: what a pass does when the year
// is up, through the same steps, for one identity (`workid admin
// reverify`). An address a stopped pass claimed gets its link. It takes no
// lock: a pass running at the same time finds the address claimed.
func (j *Job) ExpireNow(ctx context.Context, identityID string) (r Report, err error) {
	r = Report{Started: j.Now(), Scanned: 1}
	defer func() { r.Finished = j.Now() }()
	listed := j.Now()
	ident, err := j.read(ctx, identityID)
	if err != nil {
		return r, fmt.Errorf("read identity %s: %w", identityID, err)
	}
	now := j.Now()
	act, idx, addr := j.due(ident, now)
	switch {
	case idx < 0:
		return r, fmt.Errorf("identity %s has no verifiable email address", identityID)
	case act == resume:
		if j.notify(ctx, ident, addr.Value, &r) {
			r.Resumed++
		}
	case addr.Verified && addr.VerifiedAt != nil:
		r.Expired++
		if claimed := j.claim(ctx, ident, idx, addr, now, &r); claimed != nil {
			j.notify(ctx, claimed, addr.Value, &r)
			// The company page shows the expiry now, not at the next pass.
			if j.Index != nil && !j.opts.DryRun {
				j.record(ctx, listed, []*kratos.Identity{claimed}, &r)
			}
		}
	default:
		return r, fmt.Errorf("%s: %w", addr.Value, ErrNotVerified)
	}
	if r.Errors > 0 {
		f := r.Failures[0]
		return r, fmt.Errorf("%s of %s failed: %s", f.Stage, addr.Value, f.Error)
	}
	return r, nil
}

// ReminderKey is the metadata_admin field that records the last reminder:
// {"address", "verified_at", "sent_at"}. One reminder per verification.
const ReminderKey = emailstate.ReminderKey

// remindedFor reports whether this verification of addr was reminded of.
func remindedFor(metadataAdmin any, addr kratos.VerifiableIdentityAddress) bool {
	m, _ := metadataAdmin.(map[string]any)
	rec, _ := m[ReminderKey].(map[string]any)
	if rec == nil || rec["address"] != addr.Value {
		return false
	}
	at, err := time.Parse(time.RFC3339Nano, fmt.Sprint(rec["verified_at"]))
	return err == nil && at.Equal(*addr.VerifiedAt)
}

// remind mails "your verification expires on DATE" and records it.
func (j *Job) remind(ctx context.Context, ident *kratos.Identity, addr kratos.VerifiableIdentityAddress, r *Report) {
	if err := j.limiter.Wait(ctx); err != nil {
		j.fail(ctx, r, ident.Id, "remind", err)
		return
	}
	expires := addr.VerifiedAt.Add(j.opts.MaxAge)
	// Recorded before it is sent: a reminder goes out at most once.
	rec := map[string]any{"address": addr.Value, "verified_at": addr.VerifiedAt.UTC().Format(time.RFC3339Nano), "sent_at": j.Now().UTC().Format(time.RFC3339Nano)}
	ops, err := kratosapi.MetadataAdminOps(ident.MetadataAdmin, ReminderKey, rec)
	if err != nil {
		j.fail(ctx, r, ident.Id, "record reminder", err)
		return
	}
	_, err = j.patch(ctx, ident.Id, ops)
	if err != nil {
		j.fail(ctx, r, ident.Id, "record reminder", err)
		return
	}
	// The payload only picks one of the templates' fixed texts: anyone can
	// start a verification flow, so nothing from the payload is printed.
	if err := retrySend(ctx, func() error { return j.sendWith(ctx, addr.Value, map[string]any{"reason": "reminder"}) }); err != nil {
		j.fail(ctx, r, ident.Id, "remind", err)
		return
	}
	r.Reminded++
	j.log.InfoContext(ctx, "verification reminder sent", "identity_id", ident.Id, "expires", expires.Format(time.RFC3339))
}

func (j *Job) crashed(stage string) error {
	if j.crash == nil {
		return nil
	}
	return j.crash(stage)
}

// claim marks the address unverified and records the expiry, in one PATCH.
// It returns the identity as Kratos saved it, or nil when it failed.
func (j *Job) claim(ctx context.Context, ident *kratos.Identity, idx int, addr kratos.VerifiableIdentityAddress, now time.Time, r *Report) *kratos.Identity {
	rec := emailstate.Reverification{Address: addr.Value, VerifiedAt: *addr.VerifiedAt, ExpiredAt: now}
	path := fmt.Sprintf("/verifiable_addresses/%d", idx)
	ops := []kratos.JsonPatch{
		{Op: "replace", Path: path + "/verified", Value: false},
		{Op: "replace", Path: path + "/status", Value: "pending"},
	}
	meta, err := kratosapi.MetadataAdminOps(ident.MetadataAdmin, emailstate.MetadataKey, rec)
	if err != nil {
		j.fail(ctx, r, ident.Id, "claim", err)
		return nil
	}
	ops = append(ops, meta...)
	patched, err := j.patch(ctx, ident.Id, ops)
	if err != nil {
		j.fail(ctx, r, ident.Id, "claim", err)
		return nil
	}
	// Kratos has no compare-and-swap: check the PATCH hit the address it
	// meant to (the identity could change between the read and the PATCH).
	if pa := patched.VerifiableAddresses; idx >= len(pa) || pa[idx].Value != addr.Value || pa[idx].Verified {
		j.fail(ctx, r, ident.Id, "claim", errors.New("the identity changed while it was being expired; the next pass will look again"))
		return nil
	}
	j.log.InfoContext(ctx, "verification expired", "identity_id", ident.Id, "verified_at", addr.VerifiedAt.Format(time.RFC3339))
	return patched
}

// notify sends the new link and records when. It reports success.
func (j *Job) notify(ctx context.Context, ident *kratos.Identity, address string, r *Report) bool {
	if err := j.limiter.Wait(ctx); err != nil {
		j.fail(ctx, r, ident.Id, "send", err)
		return false
	}
	// A send is retried only when nothing can have been sent (retrySend).
	err := retrySend(ctx, func() error { return j.send(ctx, address) })
	if err != nil {
		j.fail(ctx, r, ident.Id, "send", err)
		return false
	}
	if err := j.crashed("sent"); err != nil {
		j.fail(ctx, r, ident.Id, "record", err)
		return false
	}
	sent := j.Now()
	ops := []kratos.JsonPatch{{Op: "add", Path: "/metadata_admin/" + emailstate.MetadataKey + "/sent_at", Value: sent.UTC().Format(time.RFC3339Nano)}}
	_, err = j.patch(ctx, ident.Id, ops)
	if err != nil {
		// The mail went out; the next pass will send it once more.
		j.fail(ctx, r, ident.Id, "record", err)
		return false
	}
	r.Notified++
	j.log.InfoContext(ctx, "new verification link sent", "identity_id", ident.Id)
	return true
}

// send has Kratos mail a verification link whose text explains the expiry.
func (j *Job) send(ctx context.Context, address string) error {
	return j.sendWith(ctx, address, map[string]any{"reason": "expired"})
}

// sendWith has Kratos mail a verification link; payload picks the text.
func (j *Job) sendWith(ctx context.Context, address string, payload map[string]any) error {
	resp, err := kratosapi.SendVerification(ctx, j.public, address, payload)
	return kratosError(err, resp)
}

func (j *Job) fail(ctx context.Context, r *Report, id, stage string, err error) {
	r.Errors++
	if len(r.Failures) < maxFailures {
		r.Failures = append(r.Failures, Failure{IdentityID: id, Stage: stage, Error: err.Error()})
	}
	j.log.ErrorContext(ctx, "identity skipped", "identity_id", id, "stage", stage, "err", err)
}

// errPermanent marks a failure that retrying will not change (Kratos's
// 4xx other than 408 and 429) or must not repeat (a send whose mail may
// be out).
type errPermanent struct{ error }

func (e errPermanent) Unwrap() error { return e.error }

// errNotFound is Kratos's 404: the identity was deleted since it was listed.
var errNotFound = errors.New("not found")

// shorten cuts s to at most n bytes, at a character's start: the report
// is JSON, and half a character in Kratos's body would be invalid UTF-8.
func shorten(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n]
}

// kratosError describes an SDK error with Kratos's status.
func kratosError(err error, resp *http.Response) error {
	if err == nil {
		return nil
	}
	if resp == nil {
		return fmt.Errorf("kratos: %w", err)
	}
	// A report lists up to maxFailures of these: each stays short.
	e := answered{msg: shorten(kratosapi.WithBody(err).Error(), 300), err: err}
	switch code := resp.StatusCode; {
	case code == http.StatusNotFound:
		return errPermanent{fmt.Errorf("%w: %w", e, errNotFound)}
	case code >= 400 && code < 500 && code != http.StatusRequestTimeout && code != http.StatusTooManyRequests:
		return errPermanent{e}
	default:
		return e
	}
}

// answered is an error Kratos answered with: its text cut short for the
// report, the error it came from kept for errors.Is.
type answered struct {
	msg string
	err error
}

func (e answered) Error() string { return "kratos: " + e.msg }
func (e answered) Unwrap() error { return e.err }

// retrySend is retry for a send, which must not run twice once Kratos
// may have queued its mail (kratosapi.ErrMaybeSent). An expiry mail that
// may have gone out and did not is sent by the next pass, which finds no
// sent time in the record; a reminder, recorded before it is sent, is
// not sent again.
func retrySend(ctx context.Context, f func() error) error {
	return retry(ctx, func() error {
		err := f()
		if errors.Is(err, kratosapi.ErrMaybeSent) {
			return errPermanent{err}
		}
		return err
	})
}

// retry calls f up to three times, waiting 250 ms then 1 s, unless the
// error is permanent or ctx ends.
func retry(ctx context.Context, f func() error) error {
	waits := []time.Duration{250 * time.Millisecond, time.Second}
	for attempt := 0; ; attempt++ {
		err := f()
		var perm errPermanent
		if err == nil || errors.As(err, &perm) || attempt == len(waits) {
			return err
		}
		select {
		case <-ctx.Done():
			return errors.Join(err, ctx.Err())
		case <-time.After(waits[attempt]):
		}
	}
}

// Run runs a pass now and then every interval, counted from each pass's
// start, until ctx ends. After a failed pass the next comes sooner (in at
// most five minutes), so a Kratos that was not up yet costs minutes, not
// a day.
func (j *Job) Run(ctx context.Context, every time.Duration) {
	for {
		start := time.Now()
		r, err := j.RunOnce(ctx)
		switch {
		case err != nil:
			j.log.ErrorContext(ctx, "re-verification pass failed", "err", err, "scanned", r.Scanned, "expired", r.Expired, "notified", r.Notified, "errors", r.Errors)
		case !r.Skipped:
			j.log.InfoContext(ctx, "re-verification pass done", "scanned", r.Scanned, "expired", r.Expired, "notified", r.Notified, "resumed", r.Resumed, "reminded", r.Reminded, "took", r.Finished.Sub(r.Started).String())
		}
		wait := every - time.Since(start)
		if err != nil && !errors.Is(err, ErrIdentitiesFailed) {
			wait = min(wait, 5*time.Minute)
		}
		select {
		case <-ctx.Done():
			return
		case <-time.After(max(wait, time.Minute)):
		}
	}
}
