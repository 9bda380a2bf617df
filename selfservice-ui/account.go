package selfserviceui

import (
	"context"
	"time"

	"github.com/workid/workid/internal/emailstate"
	"github.com/workid/workid/internal/kratosapi"
)

// emailState returns the state of the identity's email address, read
// through the admin API (the re-verification record is admin metadata).
func (s *Server) emailState(ctx context.Context, id string) (*identity, emailstate.State, error) {
	ident, err := s.adminIdentity(ctx, id)
	if err != nil {
		return nil, emailstate.State{}, err
	}
	st := emailstate.Of(accountAddress(ident), emailstate.RecordFrom(ident.MetadataAdmin), s.Now(), s.cfg.MaxAge)
	return ident, st, nil
}

// accountState is emailState for an identity Kratos has just sent with the
// session or a flow. A verified address needs nothing more: only an
// unverified one costs a second read of the identity, through the admin
// API, for its re-verification record (metadata_admin, which whoami and
// flows leave out), which tells a verification that expired from none.
// At scale every read of an identity is a Kratos query of its own
// (docs/benchmarks.md, "At scale").
func (s *Server) accountState(ctx context.Context, known *identity) (*identity, emailstate.State, error) {
	if addr := accountAddress(known); addr.Verified {
		return known, emailstate.Of(addr, nil, s.Now(), s.cfg.MaxAge), nil
	}
	return s.emailState(ctx, known.ID)
}

// accountAddress is the account's address (its email trait) as Kratos
// verified it, or not.
func accountAddress(ident *identity) emailstate.Address {
	addr := emailstate.Address{Value: ident.Traits.Email}
	if i := kratosapi.AccountAddress(ident.VerifiableAddresses, ident.Traits.Email); i >= 0 {
		a := ident.VerifiableAddresses[i]
		addr = emailstate.Address{Value: ident.Traits.Email, Verified: a.Verified, VerifiedAt: a.VerifiedAt}
	}
	return addr
}

// emailView is the email state as the templates show it.
type emailView struct {
	Address                           string
	Status                            string
	VerifiedAt, ValidUntil, ExpiredAt time.Time
	NewLinkSentAt                     time.Time
}

func newEmailView(st emailstate.State) emailView {
	return emailView{
		Address: st.Address, Status: st.Status.String(),
		VerifiedAt: st.VerifiedAt, ValidUntil: st.ValidUntil, ExpiredAt: st.ExpiredAt, NewLinkSentAt: st.NewLinkSentAt,
	}
}
