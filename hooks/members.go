package hooks

import (
	"context"
	"errors"
	"net/http"
	"time"

	kratos "github.com/ory/kratos-client-go"

	"github.com/workid/workid/internal/companies"
	"github.com/workid/workid/internal/emailstate"
	"github.com/workid/workid/internal/kratosapi"
	"github.com/workid/workid/internal/mail"
)

// MemberFeed records identities in WorkID's member index after Kratos saved
// them: after a registration, a profile change and a verification.
type MemberFeed struct {
	// Store is WorkID's database, opened with the business-email rule.
	Store *companies.Store
	// Admin is Kratos's admin API: an unverified address's re-verification
	// record is in metadata_admin, which Kratos leaves out of hook bodies.
	Admin *kratos.APIClient
	// MaxAge is how long a verification lasts.
	MaxAge time.Duration
	// Now is the clock (time.Now when nil).
	Now func() time.Time
}

// savedIdentity is what config/hooks/member.jsonnet makes Kratos send.
type savedIdentity struct {
	IdentityID          string         `json:"identity_id"`
	Traits              map[string]any `json:"traits"`
	VerifiableAddresses []savedAddress `json:"verifiable_addresses"`
	UpdatedAt           *time.Time     `json:"updated_at"`
}

// savedAddress is one of the identity's verifiable addresses.
type savedAddress struct {
	Value      string     `json:"value"`
	Via        string     `json:"via"`
	Verified   bool       `json:"verified"`
	VerifiedAt *time.Time `json:"verified_at"`
	UpdatedAt  *time.Time `json:"updated_at"`
}

// GetVia and GetValue are what kratosapi.AccountAddress reads.
func (a savedAddress) GetVia() string   { return a.Via }
func (a savedAddress) GetValue() string { return a.Value }

// decodeSaved reads one savedIdentity of at most maxBody bytes.
func decodeSaved(w http.ResponseWriter, r *http.Request) (savedIdentity, error) {
	var p savedIdentity
	if err := readJSON(w, r, &p, false); err != nil {
		return p, err
	}
	if !mail.IsID(p.IdentityID) {
		return p, errors.New("decode hook body: identity_id is not an identity's id")
	}
	if email, _ := p.Traits["email"].(string); email == "" {
		return p, errors.New("decode hook body: no traits.email")
	}
	return p, nil
}

// memberSaved is called by Kratos after it saved an identity (event says
// when). It records the identity in the member index and answers 204;
// Kratos does not wait for it (response.ignore), so a failure is logged
// and answered 500, which Kratos retries, and the next reconciliation
// heals whatever is left.
func (s *Server) memberSaved(event memberEvent) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		ctx := r.Context()
		p, err := decodeSaved(w, r)
		switch {
		case errors.Is(err, errTooLarge):
			s.log.WarnContext(ctx, "hook body too large", "event", event.hookName())
			s.metrics.observed(event, outcomeRefused)
			http.Error(w, http.StatusText(http.StatusRequestEntityTooLarge), http.StatusRequestEntityTooLarge)
			return
		case err != nil:
			s.log.WarnContext(ctx, "hook call not understood", "event", event.hookName(), "err", err)
			s.metrics.observed(event, outcomeRefused)
			http.Error(w, "the body is not a saved identity", http.StatusBadRequest)
			return
		}
		m, gone := s.member(ctx, event, p)
		if gone {
			// Deleted since Kratos called: nothing to record.
			s.forget(w, r, event, p.IdentityID)
			return
		}
		o, err := s.members.Store.Observe(ctx, m)
		if err != nil {
			s.log.ErrorContext(ctx, "member index: record identity", "event", event.hookName(), "identity_id", p.IdentityID, "err", err)
			s.metrics.observed(event, outcomeFailed)
			http.Error(w, http.StatusText(http.StatusInternalServerError), http.StatusInternalServerError)
			return
		}
		if o.Formed {
			s.log.InfoContext(ctx, "company formed", "company_id", o.CompanyID, "domain", o.Domain, "identity_id", p.IdentityID, "event", event.hookName())
		}
		s.metrics.observed(event, outcomeOf(o))
		w.WriteHeader(http.StatusNoContent)
	}
}

// member is the index's view of the saved identity. Only an unverified
// address needs the re-verification record (it tells an expired address
// from one never verified), and only an identity that existed before can
// have one, so only then is the identity read. gone reports that Kratos
// no longer has it.
func (s *Server) member(ctx context.Context, event memberEvent, p savedIdentity) (m companies.Member, gone bool) {
	email, _ := p.Traits["email"].(string)
	var addr emailstate.Address
	version := companies.VersionOf(p.UpdatedAt)
	if i := kratosapi.AccountAddress(p.VerifiableAddresses, email); i >= 0 {
		a := p.VerifiableAddresses[i]
		addr = emailstate.Address{Value: a.Value, Verified: a.Verified, VerifiedAt: a.VerifiedAt}
		version = companies.VersionOf(p.UpdatedAt, a.UpdatedAt)
	}
	var metadataAdmin any
	if !addr.Verified && event != registrationSaved {
		ident, resp, err := s.members.Admin.IdentityAPI.GetIdentity(ctx, p.IdentityID).Execute()
		switch {
		case resp != nil && resp.StatusCode == http.StatusNotFound:
			return m, true
		case err != nil:
			// Recorded without it: a member either way or not, only the
			// state shown (unverified rather than expired) may be off
			// until the next reconciliation.
			s.log.WarnContext(ctx, "member index: read the re-verification record", "identity_id", p.IdentityID, "err", kratosapi.WithBody(err))
		default:
			metadataAdmin = ident.MetadataAdmin
		}
	}
	now := time.Now
	if s.members.Now != nil {
		now = s.members.Now
	}
	m = companies.MemberFrom(p.IdentityID, p.Traits, addr, metadataAdmin, now(), s.members.MaxAge)
	m.Version = version
	return m, false
}

// forget removes an identity Kratos no longer has from the index.
func (s *Server) forget(w http.ResponseWriter, r *http.Request, event memberEvent, id string) {
	if err := s.members.Store.Forget(r.Context(), id); err != nil {
		s.log.ErrorContext(r.Context(), "member index: forget identity", "identity_id", id, "err", err)
		s.metrics.observed(event, outcomeFailed)
		http.Error(w, http.StatusText(http.StatusInternalServerError), http.StatusInternalServerError)
		return
	}
	s.metrics.observed(event, outcomeForgotten)
	w.WriteHeader(http.StatusNoContent)
}

// outcomeOf labels what Observe did.
func outcomeOf(o companies.Observed) memberOutcome {
	switch {
	case o.Stale:
		return outcomeStale
	case o.Formed:
		return outcomeFormed
	case o.Changed:
		return outcomeChanged
	}
	return outcomeUnchanged
}
