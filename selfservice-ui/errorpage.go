package selfserviceui

import (
	"errors"
	"net/http"
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
		s.fail(w, r, http.StatusNotFound, "Nothing to show", "There is no error to show here.", "", nil)
		return
	}
	fe, err := s.getError(r.Context(), id)
	if err != nil {
		var ae *apiError
		if errors.As(err, &ae) && (ae.Status == http.StatusNotFound || ae.Status == http.StatusGone || ae.Status == http.StatusForbidden) {
			s.fail(w, r, http.StatusNotFound, "This error is no longer available", "Please start again from your dashboard.", "", nil)
			return
		}
		s.unavailable(w, r, err)
		return
	}
	cause := errors.New(fe.Error.Status + ": " + fe.Error.Reason + " " + fe.Error.Message)
	switch {
	case mentionsHook(fe.Error.Message) || mentionsHook(fe.Error.Reason):
		s.fail(w, r, http.StatusServiceUnavailable, "We could not check your email address", hooksDown, "/registration", cause)
	case fe.Error.Code == http.StatusForbidden || fe.Error.Code == http.StatusBadRequest:
		s.fail(w, r, fe.Error.Code, "Please start again",
			"This request could not be completed, for example because it was sent twice or from another tab.", "/", cause)
	default:
		s.fail(w, r, http.StatusInternalServerError, "Something went wrong on our side",
			"Please try again in a minute. If it keeps happening, contact support with the reference below.", "/", cause)
	}
}

// hydraErrors are short, safe texts for the OAuth2 errors Hydra sends to
// the error page (/error?error=...&error_description=...).
var hydraErrors = map[string]string{
	"invalid_request":           "The service's sign-in request was not valid.",
	"invalid_client":            "This service is not registered with WorkID.",
	"unauthorized_client":       "This service may not sign you in this way.",
	"invalid_scope":             "The service asked for access WorkID does not give.",
	"access_denied":             "Access was denied.",
	"request_forbidden":         "This request cannot be completed from this browser.",
	"login_required":            "Please sign in again.",
	"consent_required":          "The service needs your consent first.",
	"invalid_redirect_uri":      "The service's return address is not registered.",
	"temporarily_unavailable":   "Sign-in is unavailable for a moment.",
	"server_error":              "Something went wrong on our side.",
	"unsupported_response_type": "The service asked for something WorkID does not support.",
}

// hydraError shows an OAuth2 error from Hydra in a short, safe sentence;
// Hydra's description goes to the log only.
func (s *Server) hydraError(w http.ResponseWriter, r *http.Request, code string) {
	text, ok := hydraErrors[code]
	if !ok {
		text = "The service's sign-in could not be completed."
	}
	s.fail(w, r, http.StatusBadRequest, "Signing in to the service did not work",
		text+" Please go back to the service you came from and try again.", "",
		errors.New("hydra error "+code+": "+r.URL.Query().Get("error_description")))
}
