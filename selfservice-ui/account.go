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
	addr := emailstate.Address{Value: ident.Traits.Email}
	if i := kratosapi.AccountAddress(ident.VerifiableAddresses, ident.Traits.Email); i >= 0 {
		a := ident.VerifiableAddresses[i]
		addr = emailstate.Address{Value: ident.Traits.Email, Verified: a.Verified, VerifiedAt: a.VerifiedAt}
	}
	st := emailstate.Of(addr, emailstate.RecordFrom(ident.MetadataAdmin), s.Now(), s.cfg.MaxAge)
	return ident, st, nil
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
