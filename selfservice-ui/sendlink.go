package selfserviceui

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"time"

	"github.com/workid/workid/internal/companies"
	"github.com/workid/workid/internal/emailstate"
	"github.com/workid/workid/internal/kratosapi"
	"github.com/workid/workid/internal/mail"
)

// Kratos does not limit how many verification mails an account asks for,
// so WorkID does: at most one a minute and five a day per account. Each
// request is claimed in WorkID's database before its mail is sent
// (companies.ClaimLinkRequest), one account's claims one after another,
// so requests on every UI replica count against the same limit.
const (
	sendsPerDay = 5
	sendGap     = time.Minute
)

// sendLink is "Send me a verification link": a new single-use link to the
// signed-in account's current address.
func (s *Server) sendLink(w http.ResponseWriter, r *http.Request) {
	back := "/"
	if r.FormValue("from") == "settings" {
		back = "/settings#verification"
	}
	// From the consent gate: back to the same consent, so the user can
	// continue to the service once verified. Only that page is accepted.
	if b := r.FormValue("back"); strings.HasPrefix(b, "/consent?consent_challenge=") && !strings.ContainsAny(b, "\\\r\n") {
		back = b
	}
	sess, ok := s.session(w, r)
	if !ok {
		return
	}
	code, err := s.trySend(r.Context(), sess.Identity.ID)
	if err != nil {
		s.log.ErrorContext(r.Context(), "send verification link", "identity_id", sess.Identity.ID, "err", err)
	}
	s.log.InfoContext(r.Context(), "verification link requested", "identity_id", sess.Identity.ID, "outcome", code)
	s.metrics.links.WithLabelValues(code).Inc()
	setNotice(w, r, code)
	http.Redirect(w, r, back, http.StatusSeeOther)
}

// trySend applies the limit, records the request and sends. It returns
// the notice to show: sent, limited (the minute) or limited-day (the
// account's five a day, or the address's mails of a day), verified,
// failed (nothing sent) or unconfirmed (Kratos may have sent it, the
// request counts).
func (s *Server) trySend(ctx context.Context, identityID string) (string, error) {
	if s.Companies == nil {
		return "failed", errors.New("no database to count the requests in")
	}
	// One account's presses on this replica take turns here, so a burst
	// holds one database connection while it waits, not one each.
	defer s.sendLocks.Lock(identityID)()
	ident, st, err := s.emailState(ctx, identityID)
	if err != nil {
		return "failed", err
	}
	if st.Status == emailstate.Verified {
		return "verified", nil
	}
	now := s.Now()
	claim, refused, err := s.Companies.ClaimLinkRequest(ctx, identityID, now, companies.Limits{Gap: sendGap, PerDay: sendsPerDay})
	switch {
	case err != nil:
		return "failed", err
	case refused == companies.DayFull:
		return "limited-day", nil
	case claim == nil:
		return "limited", nil
	}
	// A claim whose link is not sent is given back: the user may try
	// again at once.
	release := func() {
		if err := claim.Release(ctx); err != nil {
			s.log.ErrorContext(ctx, "give back a verification link request", "identity_id", identityID, "err", err)
		}
	}
	// The mail server's own limit per recipient (internal/mail) would
	// hold the mail back: say so rather than "sent".
	if sent, err := s.courierSent(ctx, ident.Traits.Email, now); err != nil {
		release()
		return "failed", err
	} else if !mail.Allows(sent, mail.Verification, ident.Traits.Email, now) {
		// The address's own limit is a day's (it has no minimum gap).
		release()
		return "limited-day", nil
	}
	// Not cut short by the browser going away: a link Kratos queued stays
	// counted, so dropping the connection mid-request gets no free one.
	sendCtx, cancel := context.WithTimeout(context.WithoutCancel(ctx), sendTimeout)
	defer cancel()
	if _, err := kratosapi.SendVerification(sendCtx, s.kratosPublic, ident.Traits.Email, nil); err != nil {
		// A link that may be on its way counts; one that cannot be was
		// never sent, and the user may ask again at once.
		if errors.Is(err, kratosapi.ErrMaybeSent) {
			return "unconfirmed", kratosapi.WithBody(err)
		}
		release()
		return "failed", kratosapi.WithBody(err)
	}
	return "sent", nil
}

// sendTimeout bounds the two Kratos calls that send a link.
const sendTimeout = 15 * time.Second

// courierSent returns what Kratos's courier handed over for address in
// the last day, as the mail server counts it for its limits.
func (s *Server) courierSent(ctx context.Context, address string, now time.Time) ([]mail.Entry, error) {
	return mail.CourierLog(ctx, mail.CourierSent(s.kratosAdmin, address), mail.Verification, address, now)
}
