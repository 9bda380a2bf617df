package selfserviceui

import (
	"errors"
	"net/http"
)

// showError is Kratos's error page (/error?id=...). It never shows
// Kratos's own text, which can hold internal URLs: a short explanation by
// kind, with the cause in the log.
func (s *Server) showError(w http.ResponseWriter, r *http.Request) {
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
