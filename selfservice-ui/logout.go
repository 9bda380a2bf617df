package selfserviceui

import (
	"context"
	"errors"
	"net/http"
	"net/url"

	"github.com/workid/workid/internal/locale"
)

// Sign-out ends both sessions a browser has: WorkID's (Kratos) and the
// single sign-on one (Hydra). It starts either on WorkID's pages or at a
// connected service (OpenID Connect RP-initiated logout, which Hydra
// sends here with a logout_challenge). Either way the user confirms with
// a button: a link on another site cannot end a session.

// logoutPage is GET /logout: the confirmation.
func (s *Server) logoutPage(w http.ResponseWriter, r *http.Request) {
	challenge := r.URL.Query().Get("logout_challenge")
	tx := s.tr(r)
	text := tx.T("logout.text")
	if challenge != "" {
		req, _, err := s.hydra.OAuth2API.GetOAuth2LogoutRequest(r.Context()).LogoutChallenge(challenge).Execute()
		if err != nil {
			s.consentFailed(w, r, err)
			return
		}
		if req.Client != nil && req.Client.ClientName != nil && *req.Client.ClientName != "" {
			text = locale.Sentences(tx.T("logout.service_asks", "Service", *req.Client.ClientName), text)
		}
		if req.Client != nil {
			// The confirmation leads through Hydra back to the service.
			s.allowSources(w, r, pageSources{forms: redirectSources(req.GetRequestUrl(), "post_logout_redirect_uri", req.Client.PostLogoutRedirectUris)})
		}
	} else if _, ok := s.session(w, r); !ok {
		return
	}
	s.render(w, r, http.StatusOK, "error", errorPage{
		Page:    s.page(r, tx.T("logout.title"), "narrow"),
		Heading: tx.T("logout.heading"), Text: text,
		Confirm: "/logout?" + url.Values{"logout_challenge": {challenge}}.Encode(), ConfirmLabel: tx.T("logout.button"),
	})
}

// logout is POST /logout: end both sessions, then go where the sign-out
// started (the service's post-logout page, or WorkID's sign-in page).
func (s *Server) logout(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	sess, err := s.whoami(ctx, r.Header.Get("Cookie"))
	if err != nil && !errors.Is(err, errNoSession) {
		s.unavailable(w, r, err)
		return
	}
	if challenge := r.URL.Query().Get("logout_challenge"); challenge != "" {
		// A service's sign-out: accepting it ends this browser's Hydra
		// session and lets Hydra tell the other services (front- and
		// back-channel logout); the WorkID session of the same person ends
		// here.
		req, _, err := s.hydra.OAuth2API.GetOAuth2LogoutRequest(ctx).LogoutChallenge(challenge).Execute()
		if err != nil {
			s.consentFailed(w, r, err)
			return
		}
		if sess != nil && (req.Subject == nil || *req.Subject == sess.Identity.ID) {
			if err := s.disableSession(ctx, sess.ID); err != nil {
				s.unavailable(w, r, err)
				return
			}
		}
		to, _, err := s.hydra.OAuth2API.AcceptOAuth2LogoutRequest(ctx).LogoutChallenge(challenge).Execute()
		if err != nil {
			s.consentFailed(w, r, err)
			return
		}
		http.Redirect(w, r, to.RedirectTo, http.StatusSeeOther)
		return
	}
	if sess == nil {
		http.Redirect(w, r, "/login", http.StatusSeeOther)
		return
	}
	// WorkID's own sign-out: Hydra's remembered sign-ins of this account
	// end too (on every device), so no service signs the browser in again
	// without a password.
	if _, err := s.hydra.OAuth2API.RevokeOAuth2LoginSessions(ctx).Subject(sess.Identity.ID).Execute(); err != nil {
		s.log.WarnContext(ctx, "end single sign-on sessions", "identity_id", sess.Identity.ID, "err", err)
	}
	u, err := s.logoutURL(ctx, r.Header.Get("Cookie"))
	if errors.Is(err, errNoSession) {
		http.Redirect(w, r, "/login", http.StatusSeeOther)
		return
	}
	if err != nil {
		s.unavailable(w, r, err)
		return
	}
	s.redirectFromKratos(w, r, u, nil)
}

// disableSession ends a Kratos session through the admin API: an
// RP-initiated logout returns to Hydra, not through Kratos's own logout.
func (s *Server) disableSession(ctx context.Context, id string) error {
	_, err := s.call(ctx, http.MethodDelete, s.cfg.Kratos.AdminURL+"/admin/sessions/"+url.PathEscape(id), "", nil, nil)
	return err
}
