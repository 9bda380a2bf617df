package selfserviceui

import (
	"encoding/json"
	"errors"
	"io"
	"net/http"

	hydra "github.com/ory/hydra-client-go/v2"
)

// tokenHook answers Hydra's token hook (config/hydra.yml oauth2.token_hook),
// on the UI's private address (MetricsHandler): Hydra calls it for every
// token it issues, on a code exchange and on a refresh. The claims are worked out again from the account as it is now,
// so email_verified never outlives a verification; a service that needs a
// verified email gets 403 (no token) once the address is not current.
func (s *Server) tokenHook(w http.ResponseWriter, r *http.Request) {
	if !s.tokenHookKey.Allows(r) {
		http.Error(w, http.StatusText(http.StatusUnauthorized), http.StatusUnauthorized)
		return
	}
	var in struct {
		Session struct {
			IDToken struct {
				Claims struct {
					Subject string `json:"sub"`
				} `json:"id_token_claims"`
				Subject string `json:"subject"`
			} `json:"id_token"`
		} `json:"session"`
		Request struct {
			ClientID      string   `json:"client_id"`
			GrantedScopes []string `json:"granted_scopes"`
		} `json:"request"`
	}
	if err := json.NewDecoder(io.LimitReader(r.Body, 1<<20)).Decode(&in); err != nil {
		s.log.WarnContext(r.Context(), "token hook: unreadable request", "err", err)
		http.Error(w, http.StatusText(http.StatusBadRequest), http.StatusBadRequest)
		return
	}
	sub := in.Session.IDToken.Claims.Subject
	if sub == "" {
		sub = in.Session.IDToken.Subject
	}
	if sub == "" {
		// Client credentials: no person, nothing to add.
		w.WriteHeader(http.StatusNoContent)
		return
	}
	// The account, the client and the account's company depend on nothing
	// but the request: the three reads run together.
	early := s.readMembership(r.Context(), sub)
	readClient := begin(func() (*hydra.OAuth2Client, error) {
		client, _, err := s.hydra.OAuth2API.GetOAuth2Client(r.Context(), in.Request.ClientID).Execute()
		return client, err
	})
	ident, st, err := s.emailState(r.Context(), sub)
	var ae *apiError
	if errors.As(err, &ae) && ae.Status == http.StatusNotFound {
		s.log.InfoContext(r.Context(), "token hook: account gone; no token", "subject", sub)
		http.Error(w, http.StatusText(http.StatusForbidden), http.StatusForbidden)
		return
	}
	if err != nil {
		s.log.ErrorContext(r.Context(), "token hook", "err", err)
		http.Error(w, http.StatusText(http.StatusServiceUnavailable), http.StatusServiceUnavailable)
		return
	}
	client, err := readClient()
	if err != nil {
		s.log.ErrorContext(r.Context(), "token hook: read client", "client_id", in.Request.ClientID, "err", err)
		http.Error(w, http.StatusText(http.StatusServiceUnavailable), http.StatusServiceUnavailable)
		return
	}
	m, err := s.companyOf(r.Context(), ident, st, early)
	if err != nil {
		s.log.ErrorContext(r.Context(), "token hook: read company", "err", err)
		http.Error(w, http.StatusText(http.StatusServiceUnavailable), http.StatusServiceUnavailable)
		return
	}
	switch gateFor(client, st, m, s.Now()) {
	case gateEmail:
		s.log.InfoContext(r.Context(), "token hook: email not verified; no token", "subject", sub, "client_id", in.Request.ClientID)
		http.Error(w, http.StatusText(http.StatusForbidden), http.StatusForbidden)
		return
	case gateSubscription:
		s.log.InfoContext(r.Context(), "token hook: no subscription; no token", "subject", sub, "client_id", in.Request.ClientID,
			"subscription", requiredSubscription(client))
		http.Error(w, http.StatusText(http.StatusForbidden), http.StatusForbidden)
		return
	}
	out := map[string]any{"session": map[string]any{
		"access_token": map[string]any{},
		"id_token":     idTokenClaims(ident, st, m, s.Now(), in.Request.GrantedScopes),
	}}
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(out)
}
