package selfserviceui

import (
	"context"
	"hash/maphash"
	"net/http"
	"sync"

	"github.com/workid/workid/internal/companies"
)

// A page that shows the account's company asks two servers questions that
// depend on nothing but the account's id: Kratos whose session the cookie
// is, WorkID's database what that account's company is. Asked one after
// the other, the database's answer adds its round trip to every such
// page. So the company read starts for the account the cookie was last
// seen to be (recentAccounts) while Kratos checks the session, and is used
// only when Kratos names that same account; otherwise it is read again.
// Nothing is decided from memory: Kratos checks every session and the
// database is read for every request, as before, only sooner.

// begin runs read in a goroutine of its own and returns what waits for
// its answer, for reads a handler makes beside another.
func begin[T any](read func() (T, error)) (wait func() (T, error)) {
	var v T
	var err error
	done := make(chan struct{})
	go func() {
		defer close(done)
		v, err = read()
	}()
	return func() (T, error) {
		<-done
		return v, err
	}
}

// membershipRead is a read of an account's company from WorkID's
// database, begun before the caller knows it will need it.
type membershipRead struct {
	id   string
	wait func() (*companies.Membership, error)
}

// readMembership begins reading the company of the account id; nil when
// there is nothing to read (no database, no id). The read ends with ctx.
func (s *Server) readMembership(ctx context.Context, id string) *membershipRead {
	store := s.Companies
	if store == nil || id == "" {
		return nil
	}
	return &membershipRead{id: id, wait: begin(func() (*companies.Membership, error) { return store.MembershipOf(ctx, id) })}
}

// membershipOf is the company of the account id: mr's answer when mr was
// begun for id, a read of its own otherwise (mr may be nil).
func (s *Server) membershipOf(ctx context.Context, mr *membershipRead, id string) (*companies.Membership, error) {
	if mr != nil && mr.id == id {
		return mr.wait()
	}
	return s.Companies.MembershipOf(ctx, id)
}

// sessionAndCompany is sessionReturningTo for a page that shows the
// account's company: it also returns the company read begun while Kratos
// checked the session, for companyOf.
func (s *Server) sessionAndCompany(w http.ResponseWriter, r *http.Request, returnTo string) (*session, *membershipRead, bool) {
	cookie := r.Header.Get("Cookie")
	early := s.readMembership(r.Context(), s.accounts.last(cookie))
	sess, ok := s.sessionReturningTo(w, r, returnTo)
	if ok {
		s.accounts.remember(cookie, sess.Identity.ID)
	} else {
		// An ended session replayed (a stolen cookie after sign-out, a
		// script) begins no more reads.
		s.accounts.forget(cookie)
	}
	return sess, early, ok
}

// maxRecentAccounts bounds recentAccounts: a few hundred bytes each.
const maxRecentAccounts = 10_000

// recentAccounts remembers, by a hash of the Cookie header, the account
// whose session Kratos last said it carried. Only sessions Kratos
// accepted are remembered, so made-up cookies add nothing, and one Kratos
// refuses is forgotten; when full, it
// forgets everyone and learns again. A wrong guess (a hash collision, a
// session ended since) costs one read that is thrown away.
type recentAccounts struct {
	seed maphash.Seed
	mu   sync.Mutex
	ids  map[uint64]string
}

func newRecentAccounts() *recentAccounts {
	return &recentAccounts{seed: maphash.MakeSeed(), ids: map[uint64]string{}}
}

// last is the account cookie was last seen to be, or "".
func (a *recentAccounts) last(cookie string) string {
	if cookie == "" {
		return ""
	}
	k := maphash.String(a.seed, cookie)
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.ids[k]
}

// remember records that cookie is the account id's session.
func (a *recentAccounts) remember(cookie, id string) {
	k := maphash.String(a.seed, cookie)
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.ids[k] == id {
		return
	}
	if len(a.ids) >= maxRecentAccounts {
		clear(a.ids)
	}
	a.ids[k] = id
}

// forget drops cookie, whose session Kratos refused.
func (a *recentAccounts) forget(cookie string) {
	if cookie == "" {
		return
	}
	k := maphash.String(a.seed, cookie)
	a.mu.Lock()
	defer a.mu.Unlock()
	delete(a.ids, k)
}
