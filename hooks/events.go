package hooks

import (
	"errors"
	"net/http"
)

// registration is called by Kratos before it saves a new identity.
// Until the business-email rule lands, every well-formed call is allowed.
func (s *Server) registration(w http.ResponseWriter, r *http.Request) {
	s.allow(w, r, "registration")
}

// settings is called by Kratos before it saves a profile change.
func (s *Server) settings(w http.ResponseWriter, r *http.Request) {
	s.allow(w, r, "settings")
}

func (s *Server) allow(w http.ResponseWriter, r *http.Request, event string) {
	p, err := decode(w, r)
	if errors.Is(err, errTooLarge) {
		http.Error(w, http.StatusText(http.StatusRequestEntityTooLarge), http.StatusRequestEntityTooLarge)
		return
	}
	if err != nil {
		s.log.WarnContext(r.Context(), "bad hook call", "event", event, "err", err)
		http.Error(w, http.StatusText(http.StatusBadRequest), http.StatusBadRequest)
		return
	}
	s.log.InfoContext(r.Context(), "hook allowed", "event", event, "flow_id", p.FlowID, "flow_type", p.FlowType)
	w.WriteHeader(http.StatusNoContent)
}
