package selfserviceui

import (
	"errors"
	"net/http"
)

// logout ends the browser's Kratos session: Kratos gives a one-time logout
// URL, which ends the session and returns to the sign-in page.
func (s *Server) logout(w http.ResponseWriter, r *http.Request) {
	u, err := s.logoutURL(r.Context(), r.Header.Get("Cookie"))
	if errors.Is(err, errNoSession) {
		http.Redirect(w, r, "/login", http.StatusSeeOther)
		return
	}
	if err != nil {
		s.unavailable(w, r, err)
		return
	}
	http.Redirect(w, r, u, http.StatusSeeOther)
}
