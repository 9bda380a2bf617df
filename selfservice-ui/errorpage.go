package selfserviceui

import (
	"errors"
	"net/http"
	"slices"

	"github.com/workid/workid/internal/locale"
)

// showError is Kratos's error page (/error?id=...). It never shows
// Kratos's own text, which can hold internal URLs: a short explanation by
// kind, with the cause in the log.
func (s *Server) showError(w http.ResponseWriter, r *http.Request) {
	if code := r.URL.Query().Get("error"); code != "" {
		s.hydraError(w, r, code)
		return
	}
	id := r.URL.Query().Get("id")
	if id == "" {
		s.fail(w, r, http.StatusNotFound, "error.none_heading", "error.none_text", "", nil)
		return
	}
	fe, err := s.getError(r.Context(), id)
	if err != nil {
		var ae *apiError
		if errors.As(err, &ae) && (ae.Status == http.StatusNotFound || ae.Status == http.StatusGone || ae.Status == http.StatusForbidden) {
			s.fail(w, r, http.StatusNotFound, "error.gone_heading", "error.gone_text", "", nil)
			return
		}
		s.unavailable(w, r, err)
		return
	}
	cause := errors.New(fe.Error.Status + ": " + fe.Error.Reason + " " + fe.Error.Message)
	switch {
	case mentionsHook(fe.Error.Message) || mentionsHook(fe.Error.Reason):
		s.fail(w, r, http.StatusServiceUnavailable, "error.hooks_heading", "kratos.hooks_down", "/registration", cause)
	case fe.Error.ID == "self_service_flow_return_to_forbidden":
		// A link that would send the browser on to a site not allowed.
		s.fail(w, r, http.StatusBadRequest, "error.return_to_heading", "error.return_to_text", "/login", cause)
	case fe.Error.Code == http.StatusForbidden || fe.Error.Code == http.StatusBadRequest:
		s.fail(w, r, fe.Error.Code, "error.again_heading", "error.again_text", "/", cause)
	default:
		s.fail(w, r, http.StatusInternalServerError, "error.ours_heading", "error.ours_text", "/", cause)
	}
}

// hydraErrors are the OAuth2 errors Hydra sends to the error page
// (/error?error=...&error_description=...) that have a short, safe text
// of their own (oauth.CODE).
var hydraErrors = []string{
	"invalid_request", "invalid_client", "unauthorized_client", "invalid_scope", "access_denied",
	"request_forbidden", "login_required", "consent_required", "invalid_redirect_uri",
	"temporarily_unavailable", "server_error", "unsupported_response_type",
}

// hydraError shows an OAuth2 error from Hydra in a short, safe sentence;
// Hydra's description goes to the log only.
func (s *Server) hydraError(w http.ResponseWriter, r *http.Request, code string) {
	tx := s.tr(r)
	text := "oauth.unknown"
	if slices.Contains(hydraErrors, code) {
		text = "oauth." + code
	}
	s.failText(w, r, http.StatusBadRequest, tx.T("error.oauth_heading"), locale.Sentences(tx.T(text), tx.T("error.oauth_then")), "",
		errors.New("hydra error "+code+": "+r.URL.Query().Get("error_description")))
}
