package hooks

import (
	"net/http"

	"github.com/workid/workid/internal/businessemail"
)

// settings is called by Kratos before it saves a profile change. The rule
// applies only to a new address: an account created earlier with a
// personal address can still change its name.
func (s *Server) settings(w http.ResponseWriter, r *http.Request) {
	p, ok := s.read(w, r, settingsEvent)
	if !ok {
		return
	}
	if p.PreviousEmail != "" && businessemail.SameAddress(p.PreviousEmail, p.Traits.email()) {
		s.log.InfoContext(r.Context(), "hook allowed: email unchanged", "event", settingsEvent.String(), "flow_id", p.FlowID)
		s.metrics.unchanged.Inc()
		w.WriteHeader(http.StatusNoContent)
		return
	}
	s.answer(w, r, settingsEvent, p)
}
