package reverify

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/workid/workid/internal/companies"
	"github.com/workid/workid/internal/emailstate"
	"github.com/workid/workid/internal/metrics"
	"github.com/workid/workid/internal/metrics/metricstest"
	"github.com/workid/workid/internal/stacktest"
)

// openIndex opens the stack's member index with the clock now (nil for
// time.Now).
func openIndex(t *testing.T, now func() time.Time) *companies.Store {
	return shared.Get(t).OpenIndex(t, now)
}

// randomID is an identity id Kratos never gave out.
func randomID() string {
	var b [16]byte
	_, _ = rand.Read(b[:])
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	return fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:16])
}

func row(t *testing.T, s *companies.Store, id string) (companies.Row, bool) {
	t.Helper()
	r, found, err := s.Member(t.Context(), id)
	if err != nil {
		t.Fatal(err)
	}
	return r, found
}

// The index drifts from Kratos (rows wrong, missing, left over from
// deleted identities, none for accounts made through the admin API, which
// runs no hooks); a pass puts it right, a second pass changes nothing, and
// a dry run writes nothing.
func TestPassReconcilesTheIndex(t *testing.T) {
	st := shared.Get(t)
	ctx := t.Context()
	index := openIndex(t, nil)
	// What the hooks wrote earlier: an hour ago, before the pass starts.
	earlier := openIndex(t, func() time.Time { return time.Now().Add(-time.Hour) })
	domain := stacktest.UniqueDomain("reconcile")
	create := func(u stacktest.User, verifiedDaysAgo int) string {
		t.Helper()
		if verifiedDaysAgo < 0 {
			ident, err := st.CreateIdentity(ctx, u)
			if err != nil {
				t.Fatal(err)
			}
			return ident.Id
		}
		ident, err := st.CreateVerifiedIdentity(ctx, u, time.Now().AddDate(0, 0, -verifiedDaysAgo))
		if err != nil {
			t.Fatal(err)
		}
		return ident.Id
	}
	ann := stacktest.NewUser(domain)
	annID := create(ann, 10)                              // verified: a member
	bobID := create(stacktest.NewUser(domain), -1)        // never verified: pending
	oldID := create(stacktest.NewUser(domain), 400)       // due: the pass expires it
	gmailID := create(stacktest.NewUser("gmail.com"), 10) // verified, personal
	goneID := create(stacktest.NewUser(domain), 10)       // deleted below
	ghostID := randomID()                                 // never in Kratos
	observe := func(id, address string, verifiedAt time.Time) {
		t.Helper()
		m := companies.Member{IdentityID: id, Address: address, State: emailstate.State{Status: emailstate.Unverified}}
		if !verifiedAt.IsZero() {
			m.State = emailstate.State{Status: emailstate.Verified, VerifiedAt: verifiedAt}
		}
		if _, err := earlier.Observe(ctx, m); err != nil {
			t.Fatal(err)
		}
	}
	// ann's row is wrong (another address, unverified); bob has none; the
	// deleted identity and the ghost have rows that make them members.
	observe(annID, "someone-else@"+domain, time.Time{})
	observe(goneID, "gone@"+domain, time.Now())
	observe(ghostID, "ghost@"+domain, time.Now())
	if _, err := st.Admin.IdentityAPI.DeleteIdentity(ctx, goneID).Execute(); err != nil {
		t.Fatal(err)
	}
	company, err := index.Company(ctx, domain)
	if err != nil || company.Members != 2 {
		t.Fatalf("company %s before the pass = %+v, %v; want the two stale members", domain, company, err)
	}

	job := func(dry bool, reg prometheus.Registerer) *Job {
		j := newJob(t, Options{DryRun: dry, Metrics: NewMetrics(reg)})
		j.Index = index
		return j
	}
	// A dry run reads, decides, and writes nothing.
	if r, err := job(true, metrics.NewRegistry()).RunOnce(ctx); err != nil || r.Observed != 0 || r.Forgotten != 0 {
		t.Fatalf("dry run = %+v, %v; want nothing observed or forgotten", r, err)
	}
	if r, _ := row(t, index, annID); r.Address != "someone-else@"+domain {
		t.Errorf("after a dry run ann's row is %+v, want it untouched", r)
	}
	if _, found := row(t, index, ghostID); !found {
		t.Error("a dry run forgot the ghost")
	}

	reg := metrics.NewRegistry()
	r, err := job(false, reg).RunOnce(ctx)
	if err != nil {
		t.Fatalf("RunOnce = %v (report %+v)", err, r)
	}
	if r.Observed < 4 || r.Forgotten < 2 || r.Observed > r.Scanned {
		t.Errorf("report %+v, want at least ann, bob, old and gmail observed and gone and ghost forgotten", r)
	}
	metricstest.Scrape(t, metrics.Handler(reg, quiet)).Want(t, map[string]float64{
		`workid_reverify_index_observed_total`:  float64(r.Observed),
		`workid_reverify_index_forgotten_total`: float64(r.Forgotten),
	})

	if got, _ := row(t, index, annID); got.Address != strings.ToLower(ann.Email) || got.State != companies.StateVerified || got.Name != ann.First+" "+ann.Last {
		t.Errorf("ann's row = %+v, want %s, verified, named %s %s", got, ann.Email, ann.First, ann.Last)
	}
	if got, found := row(t, index, bobID); !found || got.State != companies.StateUnverified {
		t.Errorf("bob's row = %+v (found %v), want unverified", got, found)
	}
	// Expired by this pass: the row says so, with the old verification.
	if got, _ := row(t, index, oldID); got.State != companies.StateExpired || got.VerifiedAt.IsZero() {
		t.Errorf("the due identity's row = %+v, want expired with its verification's time", got)
	}
	if got, found := row(t, index, gmailID); !found || got.State != companies.StateVerified {
		t.Errorf("the gmail.com row = %+v (found %v), want verified", got, found)
	}
	if _, err := index.Company(ctx, "gmail.com"); err == nil {
		t.Error("gmail.com formed a company")
	}
	for _, id := range []string{goneID, ghostID} {
		if got, found := row(t, index, id); found {
			t.Errorf("row %+v of an identity Kratos does not have is still there", got)
		}
	}
	company, err = index.Company(ctx, domain)
	if err != nil || company.Members != 1 {
		t.Fatalf("company %s after the pass = %+v, %v; want ann alone", domain, company, err)
	}
	m, err := index.MembershipOf(ctx, annID)
	if err != nil || m == nil || m.Company.ID != company.ID {
		t.Errorf("MembershipOf(ann) = %+v, %v; want %s", m, err, domain)
	}
	pending, err := index.Members(ctx, company.ID, companies.MemberQuery{Pending: true})
	if err != nil || pending.Total != 2 {
		t.Errorf("pending on %s = %+v, %v; want bob and the expired one", domain, pending, err)
	}

	// Again, a little later: nothing formed, forgotten or changed.
	before, _ := row(t, index, annID)
	time.Sleep(1100 * time.Millisecond) // a change would show in changed_at's seconds
	r2, err := job(false, metrics.NewRegistry()).RunOnce(ctx)
	if err != nil || r2.Formed != 0 || r2.Forgotten != 0 {
		t.Errorf("second pass = %+v, %v; want nothing formed or forgotten", r2, err)
	}
	if after, _ := row(t, index, annID); after != before {
		t.Errorf("ann's row after the second pass = %+v, want %+v", after, before)
	}
}

// A pass that stops early forgets nothing: the identities it did not
// reach are not gone.
func TestStoppedPassForgetsNothing(t *testing.T) {
	ctx := t.Context()
	earlier := openIndex(t, func() time.Time { return time.Now().Add(-time.Hour) })
	ghost := randomID()
	if _, err := earlier.Observe(ctx, companies.Member{IdentityID: ghost, Address: "ghost@" + stacktest.UniqueDomain("stopped")}); err != nil {
		t.Fatal(err)
	}
	_, due := account(t, 420) // the crash comes at its expiry
	j := newJob(t, Options{})
	j.Index = openIndex(t, nil)
	j.crash = func(stage string) error {
		if stage == "claimed" {
			return fmt.Errorf("crash")
		}
		return nil
	}
	if _, err := j.RunOnce(ctx); err == nil {
		t.Fatal("the pass with a crash succeeded")
	}
	if _, found := row(t, j.Index.(*companies.Store), ghost); !found {
		t.Error("a pass that stopped early forgot an identity")
	}
	// The next, complete pass finishes the expiry and forgets the ghost.
	next := newJob(t, Options{})
	next.Index = j.Index
	if r, err := next.RunOnce(ctx); err != nil || r.Forgotten < 1 {
		t.Errorf("the next pass = %+v, %v; want the ghost forgotten", r, err)
	}
	if got, _ := row(t, j.Index.(*companies.Store), due); got.State != companies.StateExpired {
		t.Errorf("the identity expired by the next pass is %+v in the index, want expired", got)
	}
}

// failingIndex is the member index with its first page refused, as a
// database that fails for a moment would.
type failingIndex struct {
	*companies.Store
	pages   int
	forgets int
}

func (f *failingIndex) ObserveAll(ctx context.Context, seen time.Time, ms []companies.Member) ([]companies.Observed, error) {
	f.pages++
	if f.pages == 1 {
		return nil, errors.New("database is locked")
	}
	return f.Store.ObserveAll(ctx, seen, ms)
}

func (f *failingIndex) ForgetUnseen(ctx context.Context, before time.Time, most int) (int, error) {
	f.forgets++
	return f.Store.ForgetUnseen(ctx, before, most)
}

// A pass whose index write failed for a page has not seen that page's
// identities in the index, so it forgets nothing, and says so.
func TestUnrecordedPageForgetsNothing(t *testing.T) {
	ctx := t.Context()
	account(t, 30)
	j := newJob(t, Options{PageSize: 1})
	index := &failingIndex{Store: openIndex(t, nil)}
	j.Index = index
	r, err := j.RunOnce(ctx)
	if !errors.Is(err, ErrIdentitiesFailed) || r.Errors < 1 {
		t.Fatalf("pass with an unrecorded page = %+v, %v; want an error counted", r, err)
	}
	if index.forgets != 0 {
		t.Errorf("the pass forgot after a page it could not record (%d calls)", index.forgets)
	}
	if index.pages < 2 {
		t.Errorf("only %d page(s) written: the pass should go on after a failed one", index.pages)
	}
}

// A pass that would forget more than a tenth of what it saw forgets
// nothing: Kratos is likelier wrong than emptied.
func TestMassForgettingRefused(t *testing.T) {
	ctx := t.Context()
	// How many identities a pass sees here, to plant more than a tenth.
	first, err := newJob(t, Options{DryRun: true}).RunOnce(ctx)
	if err != nil {
		t.Fatal(err)
	}
	earlier := openIndex(t, func() time.Time { return time.Now().Add(-time.Hour) })
	var ghosts []string
	// The ghosts go afterwards, or the package's next complete pass
	// would refuse to forget them too.
	t.Cleanup(func() {
		for _, id := range ghosts {
			if err := earlier.Forget(context.Background(), id); err != nil {
				t.Error(err)
			}
		}
	})
	for range max(10, first.Scanned/10) + 20 {
		id := randomID()
		ghosts = append(ghosts, id)
		if _, err := earlier.Observe(ctx, companies.Member{IdentityID: id, Address: id + "@" + stacktest.UniqueDomain("ghosts")}); err != nil {
			t.Fatal(err)
		}
	}
	j := newJob(t, Options{})
	j.Index = openIndex(t, nil)
	r, err := j.RunOnce(ctx)
	if err == nil || r.Forgotten != 0 {
		t.Errorf("pass = %+v, %v; want the forgetting of %d refused as an error", r, err, len(ghosts))
	}
	if _, found := row(t, j.Index.(*companies.Store), ghosts[0]); !found {
		t.Error("a refused forgetting removed a row")
	}
}
