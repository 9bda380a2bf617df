package hooks

import (
	"net/http"

	"github.com/workid/workid/internal/traittext"
)

// checkText applies the text rule (internal/traittext) to every trait but
// the email, logging and counting each refusal. The log names the field,
// the problem and the character, never the text: names are personal data.
func (s *Server) checkText(r *http.Request, event hookEvent, p payload) traittext.Result {
	res := traittext.Traits(p.Traits)
	for _, f := range res.Findings {
		s.metrics.textRefused(event, f.Problem)
		s.log.InfoContext(r.Context(), "trait refused", "event", event.String(), "flow_id", p.FlowID,
			"field", f.Field(), "reason", f.Problem.Code(), "character", traittext.CodePoint(f.Rune))
	}
	return res
}

// sendTraits puts the normalised traits in u when NFC changed them.
func (s *Server) sendTraits(r *http.Request, event hookEvent, p payload, text traittext.Result, u *identityUpdate) {
	if !text.Changed {
		return
	}
	u.Identity.Traits = text.Traits
	s.log.InfoContext(r.Context(), "traits sent back in NFC", "event", event.String(), "flow_id", p.FlowID)
}

// textMessages are the text rule's refusals, one message on each field.
func textMessages(findings []traittext.Finding) []fieldMessages {
	out := make([]fieldMessages, 0, len(findings))
	for _, f := range findings {
		out = append(out, fieldMessages{
			InstancePtr: f.Pointer(),
			Messages: []kratosMessage{{
				ID:   f.Problem.MessageID(),
				Text: f.Message(),
				Type: "error",
				Context: messageContext{
					Reason: f.Problem.Code(), Field: f.Field(), Character: traittext.CodePoint(f.Rune),
				},
			}},
		})
	}
	return out
}
