package hooks

import (
	"errors"
	"maps"
	"net/http"

	"github.com/workid/workid/internal/businessemail"
)

// CompanyDomainKey is the metadata_public field that records the company
// domain of an identity's business address. It is recorded when the
// address is set, before it is verified: whoever reads it (the ID token's
// company claim) must pair it with a current verification.
const CompanyDomainKey = "company_domain"

// read decodes the payload, answering bad requests itself.
func (s *Server) read(w http.ResponseWriter, r *http.Request, event hookEvent) (payload, bool) {
	p, err := decode(w, r)
	switch {
	case errors.Is(err, errTooLarge):
		s.log.WarnContext(r.Context(), "hook body too large", "event", event.String())
		http.Error(w, http.StatusText(http.StatusRequestEntityTooLarge), http.StatusRequestEntityTooLarge)
		return p, false
	case err != nil:
		s.log.WarnContext(r.Context(), "hook call not understood", "event", event.String(), "err", err)
		s.metrics.decided(event, businessemail.Unchecked)
		s.refuse(w, businessemail.Decision{Reason: businessemail.Unchecked})
		return p, false
	}
	return p, true
}

// answer applies the rule to the payload's address: a refusal on the email
// field, or the company domain recorded on the identity.
func (s *Server) answer(w http.ResponseWriter, r *http.Request, event hookEvent, p payload) {
	d, mxErr := Decide(r.Context(), s.policy, s.mx, p.Traits.email())
	if mxErr != nil {
		s.metrics.mxFailed.Inc()
		s.log.WarnContext(r.Context(), "mx check failed; allowing", "domain", d.Address.Domain, "err", mxErr)
	}
	s.log.InfoContext(r.Context(), "business-email decision", "event", event.String(), "flow_id", p.FlowID,
		"reason", d.Reason.Code(), "domain", d.Address.Domain)
	s.metrics.decided(event, d.Reason)
	if !d.Allowed() {
		s.refuse(w, d)
		return
	}
	var u identityUpdate
	u.Identity.MetadataPublic = maps.Clone(p.MetadataPublic)
	if u.Identity.MetadataPublic == nil {
		u.Identity.MetadataPublic = map[string]any{}
	}
	u.Identity.MetadataPublic[CompanyDomainKey] = d.Address.Registrable
	writeJSON(w, http.StatusOK, u)
}

// refuse answers with the decision's message on the email field, so Kratos
// shows the form again with it and saves nothing.
func (s *Server) refuse(w http.ResponseWriter, d businessemail.Decision) {
	domain := d.Domain()
	if len(domain) > maxContextDomain {
		domain = domain[:maxContextDomain]
	}
	writeJSON(w, http.StatusBadRequest, kratosMessages{Messages: []fieldMessages{{
		InstancePtr: emailPointer,
		Messages: []kratosMessage{{
			ID:      d.Reason.MessageID(),
			Text:    d.Message(),
			Type:    "error",
			Context: messageContext{Reason: d.Reason.Code(), Domain: domain},
		}},
	}}})
}
