package reverify

import (
	"context"
	"time"

	kratos "github.com/ory/kratos-client-go"

	"github.com/workid/workid/internal/companies"
	"github.com/workid/workid/internal/emailstate"
	"github.com/workid/workid/internal/kratosapi"
)

// Reconciliation: a pass sees every identity, so it also puts WorkID's
// member index right, whatever the hooks missed. Each page is recorded
// in one transaction once its identities are decided (and expired), as
// the pass left them, while the next page is listed; after a pass that listed and recorded every page,
// the rows of identities it did not see are removed. A dry run writes
// nothing. Two passes at once are safe: a row keeps the newest
// observation (a page listed earlier never undoes a later one), and a
// row is removed only when it was not seen since the remover's pass
// began.

// Index is the member index a pass reconciles (*companies.Store).
type Index interface {
	ObserveAll(ctx context.Context, seen time.Time, ms []companies.Member) ([]companies.Observed, error)
	ForgetUnseen(ctx context.Context, before time.Time, most int) (int, error)
}

// recorder writes the pass's pages to the index in a goroutine of its
// own, one page at a time, so that recording a page overlaps listing the
// next: the pass then costs little more than the listing. Its counts and
// failures join the pass's report at wait.
type recorder struct {
	j     *Job
	pages chan recordedPage
	done  chan struct{}
	// r holds what the recorder adds to the report; ok is false once a
	// page could not be recorded. Both are the goroutine's until done.
	r  Report
	ok bool
}

type recordedPage struct {
	listed time.Time
	idents []*kratos.Identity
}

// newRecorder starts the recorder of a pass, or returns one that records
// nothing when there is no index or the pass is a dry run.
func (j *Job) newRecorder(ctx context.Context) *recorder {
	rec := &recorder{j: j, ok: true}
	if j.Index == nil || j.opts.DryRun {
		return rec
	}
	// One page waits while one is written: memory stays at two pages.
	rec.pages, rec.done = make(chan recordedPage, 1), make(chan struct{})
	go func() {
		defer close(rec.done)
		for p := range rec.pages {
			rec.ok = j.record(ctx, p.listed, p.idents, &rec.r) && rec.ok
		}
	}()
	return rec
}

// add queues a page, waiting while the one before it is still queued.
func (rec *recorder) add(listed time.Time, idents []*kratos.Identity) {
	if rec.pages != nil && len(idents) > 0 {
		rec.pages <- recordedPage{listed, idents}
	}
}

// wait lets the last page be written, adds the recorder's counts and
// failures to r, and reports whether every page was recorded.
func (rec *recorder) wait(r *Report) bool {
	rec.stop()
	r.Observed += rec.r.Observed
	r.Formed += rec.r.Formed
	r.Errors += rec.r.Errors
	for _, f := range rec.r.Failures {
		if len(r.Failures) < maxFailures {
			r.Failures = append(r.Failures, f)
		}
	}
	rec.r = Report{}
	return rec.ok
}

// stop ends the goroutine after the queued pages; a pass that returns
// early (Kratos failed, the pass was stopped) still waits for it. It may
// be called more than once.
func (rec *recorder) stop() {
	if rec.pages == nil {
		return
	}
	close(rec.pages)
	<-rec.done
	rec.pages = nil
}

// record writes one page's identities, listed at listed, to the index,
// counting into r. It reports whether the page is recorded.
func (j *Job) record(ctx context.Context, listed time.Time, idents []*kratos.Identity, r *Report) bool {
	now := j.Now()
	ms := make([]companies.Member, len(idents))
	for i, ident := range idents {
		ms[i] = member(ident, now, j.opts.MaxAge)
	}
	got, err := j.Index.ObserveAll(ctx, listed, ms)
	if err != nil {
		// The page's expiries stand; only the index waits for the next
		// pass. Counted as an error, so the pass says so and exits 1.
		r.Errors++
		r.Failures = append(r.Failures, Failure{IdentityID: idents[0].Id, Stage: "index", Error: err.Error()})
		j.log.ErrorContext(ctx, "member index: page not recorded", "identities", len(idents), "first_identity_id", idents[0].Id, "err", err)
		return false
	}
	for i, o := range got {
		if o.Stale {
			continue
		}
		r.Observed++
		if o.Formed {
			r.Formed++
			j.log.InfoContext(ctx, "company formed", "company_id", o.CompanyID, "domain", o.Domain, "identity_id", ms[i].IdentityID)
		}
	}
	return true
}

// forgetUnseen removes the index rows of identities the pass did not see:
// those Kratos no longer has. Only after a complete pass that saw at
// least one identity: an empty listing is likelier a Kratos pointed at the
// wrong database than one whose every account was deleted, and forgetting
// would take every company's admins with it.
func (j *Job) forgetUnseen(ctx context.Context, r *Report) {
	if j.Index == nil || j.opts.DryRun {
		return
	}
	if r.Scanned == 0 {
		j.log.WarnContext(ctx, "member index: Kratos listed no identities; nothing forgotten")
		return
	}
	// A pass forgets at most a tenth as many as it saw (and always a
	// few): more is a Kratos that lost its accounts, or the wrong one.
	n, err := j.Index.ForgetUnseen(ctx, r.Started, max(10, r.Scanned/10))
	if err != nil {
		r.Errors++
		if len(r.Failures) < maxFailures {
			r.Failures = append(r.Failures, Failure{Stage: "index", Error: err.Error()})
		}
		j.log.ErrorContext(ctx, "member index: forget deleted identities", "err", err)
		return
	}
	r.Forgotten = n
	if n > 0 {
		j.log.InfoContext(ctx, "member index: deleted identities forgotten", "forgotten", n)
	}
}

// member is the index's view of ident at now.
func member(ident *kratos.Identity, now time.Time, maxAge time.Duration) companies.Member {
	traits, _ := ident.Traits.(map[string]any)
	var addr emailstate.Address
	version := companies.VersionOf(ident.UpdatedAt)
	if i := kratosapi.AccountAddress(ident.VerifiableAddresses, kratosapi.EmailTrait(ident)); i >= 0 {
		a := ident.VerifiableAddresses[i]
		addr = emailstate.Address{Value: a.Value, Verified: a.Verified, VerifiedAt: a.VerifiedAt}
		version = companies.VersionOf(ident.UpdatedAt, a.UpdatedAt)
	}
	m := companies.MemberFrom(ident.Id, traits, addr, ident.MetadataAdmin, now, maxAge)
	m.Version = version
	return m
}
