package hooks

import (
	"context"
	"fmt"
	"net/http"
	"time"

	kratos "github.com/ory/kratos-client-go"

	"github.com/workid/workid/internal/mail"
)

// changeNotice is what config/hooks/changed.jsonnet makes Kratos send
// after it saved a profile change.
type changeNotice struct {
	IdentityID string `json:"identity_id"`
	Email      string `json:"email"`
	// PreviousEmail is the address before the change.
	PreviousEmail string `json:"previous_email"`
	// SessionCookie is the session of the browser that made the change:
	// the one session that stays. Kratos gives hooks no session token, so
	// a change through the API ends every session.
	SessionCookie string `json:"session_cookie"`
}

// emailChanged is called by Kratos after it saved a profile change; when
// the address changed, the old address is told, so that whoever held a
// session cannot take the account over unnoticed.
func (s *Server) emailChanged(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	var n changeNotice
	if err := readJSON(w, r, &n, false); err != nil || !mail.IsID(n.IdentityID) {
		s.log.WarnContext(ctx, "settings notice not understood", "err", err)
		http.Error(w, "the body is not a settings notice", http.StatusBadRequest)
		return
	}
	if n.PreviousEmail == "" || sameAddress(n.PreviousEmail, n.Email) {
		w.WriteHeader(http.StatusNoContent)
		return
	}
	s.log.InfoContext(ctx, "email changed: ending other sessions and telling the old address", "identity_id", n.IdentityID)
	// The sessions first: their end must not wait on the mail server, and
	// a failure here is logged, never answered with 5xx (Kratos would call
	// again and the notice would go out twice).
	if err := s.mail.endOtherSessions(ctx, n); err != nil {
		s.log.ErrorContext(ctx, "email changed: end the other sessions", "identity_id", n.IdentityID, "err", err)
	}
	status := s.mail.send(ctx, mail.EmailChanged, n.IdentityID, n.PreviousEmail, func(_ *kratos.Identity, now time.Time) (mail.Kind, mail.Data, error) {
		return mail.EmailChanged, mail.Data{NewAddress: mail.Mask(n.Email), ChangedAt: now, Link: s.mail.UIURL + "/login"}, nil
	})
	w.WriteHeader(status)
}

// endOtherSessions ends every session of the account but the one that
// changed the address, through Kratos's own "sign out my other sessions".
// The cookie Kratos passes is the last of that name the browser sent,
// while Kratos signed the request in with the first: one that does not
// belong to the account (a second cookie planted to keep a session
// alive) does not count. Without the changer's session (a change through
// the API, or such a cookie), every session ends: none is known to be the
// owner's. Kratos does not wait for this hook, so nobody would try again:
// a failure is retried after each of m.Retries.
func (m *Mailer) endOtherSessions(ctx context.Context, n changeNotice) error {
	cookie := ""
	if n.SessionCookie != "" {
		cookie = "ory_kratos_session=" + n.SessionCookie
		sess, _, err := m.Public.FrontendAPI.ToSession(ctx).Cookie(cookie).Execute()
		if err != nil || sess.Identity == nil || sess.Identity.Id != n.IdentityID {
			cookie = ""
		}
	}
	for attempt := 0; ; attempt++ {
		var (
			resp *http.Response
			err  error
		)
		if cookie != "" {
			_, resp, err = m.Public.FrontendAPI.DisableMyOtherSessions(ctx).Cookie(cookie).Execute()
		} else {
			resp, err = m.Admin.IdentityAPI.DeleteIdentitySessions(ctx, n.IdentityID).Execute()
		}
		if err == nil {
			return nil
		}
		if attempt >= len(m.Retries) || (resp != nil && resp.StatusCode < 500) {
			return fmt.Errorf("%w (status %s)", err, statusOf(resp))
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(m.Retries[attempt]):
		}
	}
}

func statusOf(resp *http.Response) string {
	if resp == nil {
		return "no answer"
	}
	return resp.Status
}
