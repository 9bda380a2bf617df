package selfserviceui

import (
	"errors"
	"net/http"
)

// logoutPage asks before signing out: a link on another site cannot end a
// user's session, only this page's button (a same-origin post) can.
func (s *Server) logoutPage(w http.ResponseWriter, r *http.Request) {
	if _, ok := s.session(w, r); !ok {
		return
	}
	s.render(w, r, http.StatusOK, "error", errorPage{
		Page:    s.page(r, "Sign out", "narrow"),
		Heading: "Sign out of WorkID?", Text: "You will be signed out of WorkID on this browser.",
		Confirm: "/logout", ConfirmLabel: "Sign out",
	})
}

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
	s.redirectFromKratos(w, r, u, nil)
}
