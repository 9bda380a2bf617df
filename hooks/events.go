package hooks

import (
	"errors"
	"maps"
	"net/http"

	"github.com/workid/workid/internal/businessemail"
	"github.com/workid/workid/internal/locale"
)

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
		refuse(w, emailMessages(businessemail.Decision{Reason: businessemail.Unchecked}))
		return p, false
	}
	return p, true
}

// answer applies both rules: the business-email rule to the payload's
// address and the text rule to the other traits. A refusal carries a
// message on every field that has one; an allowed identity gets its
// company domain recorded and, when normalising changed them, its traits
// in NFC.
func (s *Server) answer(w http.ResponseWriter, r *http.Request, event hookEvent, p payload) {
	text := s.checkText(r, event, p)
	d, mxErr := s.policy.DecideWithMX(r.Context(), s.mx, p.Traits.email())
	if mxErr != nil {
		s.metrics.mxFailed.Inc()
		s.log.WarnContext(r.Context(), "mx check failed; allowing", "domain", d.Address.Domain, "err", mxErr)
	}
	s.metrics.decided(event, d.Reason)
	if d.MailServer != "" {
		s.metrics.mxProvider(d.Reason)
		s.log.InfoContext(r.Context(), "business-email decision", "event", event.String(), "flow_id", p.FlowID,
			"reason", d.Reason.Code(), "domain", d.Address.Domain, "matched", d.Matched, "mail_server", d.MailServer)
	} else {
		s.log.InfoContext(r.Context(), "business-email decision", "event", event.String(), "flow_id", p.FlowID,
			"reason", d.Reason.Code(), "domain", d.Address.Domain)
	}
	var refusals []fieldMessages
	if !d.Allowed() {
		refusals = append(refusals, emailMessages(d))
	}
	refusals = append(refusals, textMessages(text.Findings)...)
	if len(refusals) > 0 {
		refuse(w, refusals...)
		return
	}
	var u identityUpdate
	u.Identity.MetadataPublic = maps.Clone(p.MetadataPublic)
	if u.Identity.MetadataPublic == nil {
		u.Identity.MetadataPublic = map[string]any{}
	}
	u.Identity.MetadataPublic[businessemail.CompanyDomainKey] = d.Address.Registrable
	if _, set := u.Identity.MetadataPublic[locale.MetadataKey]; !set && event == registrationEvent {
		// The language the account was made in, for its mails until
		// the user picks another with the UI's switch.
		if code := locale.Match(p.Language.Chosen, p.Language.Accept); code != "" {
			u.Identity.MetadataPublic[locale.MetadataKey] = code
		}
	}
	s.sendTraits(r, event, p, text, &u)
	writeJSON(w, http.StatusOK, u)
}

// refuse answers with messages on their fields, so Kratos shows the form
// again with them and saves nothing.
func refuse(w http.ResponseWriter, fields ...fieldMessages) {
	writeJSON(w, http.StatusBadRequest, kratosMessages{Messages: fields})
}

// matched is the provider a look-alike imitates or a misspelling means
// (gmail.com), which its message names: a UI writing the message in
// another language needs it. Other refusals name only their domain.
func matched(d businessemail.Decision) string {
	if d.Reason != businessemail.LookAlike && d.Reason != businessemail.ProviderTypo || len(d.Matched) > maxContextDomain {
		return ""
	}
	return d.Matched
}

// emailMessages is the decision's message on the email field.
func emailMessages(d businessemail.Decision) fieldMessages {
	domain, suggestion := d.Domain(), d.Suggestion
	if len(domain) > maxContextDomain {
		domain = domain[:maxContextDomain]
	}
	if len(suggestion) > maxContextDomain {
		suggestion = "" // cut, it would suggest another typo
	}
	return fieldMessages{
		InstancePtr: emailPointer,
		Messages: []kratosMessage{{
			ID:      d.Reason.MessageID(),
			Text:    d.Message(),
			Type:    "error",
			Context: messageContext{Reason: d.Reason.Code(), Domain: domain, Suggestion: suggestion, Matched: matched(d)},
		}},
	}
}
