package hooks

import (
	"net/http"

	"github.com/workid/workid/internal/businessemail"
)

// settings is called by Kratos before it saves a profile change. The
// business-email rule applies only to a new address: an account created
// earlier with a personal address can still change its name. The text
// rule applies to every change, as at registration.
func (s *Server) settings(w http.ResponseWriter, r *http.Request) {
	p, ok := s.read(w, r, settingsEvent)
	if !ok {
		return
	}
	if p.PreviousEmail == "" || !businessemail.SameAddress(p.PreviousEmail, p.Traits.email()) {
		s.answer(w, r, settingsEvent, p)
		return
	}
	s.log.InfoContext(r.Context(), "business-email rule skipped: email unchanged", "event", settingsEvent.String(), "flow_id", p.FlowID)
	s.metrics.unchanged.Inc()
	text := s.checkText(r, settingsEvent, p)
	switch {
	case len(text.Findings) > 0:
		refuse(w, textMessages(text.Findings)...)
	case text.Changed:
		// Only the traits: metadata_public is left as Kratos has it.
		var u identityUpdate
		s.sendTraits(r, settingsEvent, p, text, &u)
		writeJSON(w, http.StatusOK, u)
	default:
		w.WriteHeader(http.StatusNoContent)
	}
}
