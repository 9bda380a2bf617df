package hooks

import "net/http"

// registration is called by Kratos before it saves a new identity, for
// every registration method.
func (s *Server) registration(w http.ResponseWriter, r *http.Request) {
	p, ok := s.read(w, r, registrationEvent)
	if !ok {
		return
	}
	s.answer(w, r, registrationEvent, p)
}
