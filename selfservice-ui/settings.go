package selfserviceui

import (
	"errors"
	"net/http"
	"net/url"
	"slices"

	"github.com/workid/workid/internal/emailstate"
)

// settingsPage is the data of the Profile page.
type settingsPage struct {
	Page     page
	Messages []Message
	Email    emailView
	Sections []section
}

// section is one method of the settings flow in a form of its own, so
// saving the profile never submits a password field and vice versa.
type section struct {
	ID, Title, Intro string
	Form             Form
}

// sectionTitles are the ids of each method's title and intro ("" for none).
var sectionTitles = map[string][2]string{
	"profile":       {"settings.profile", "settings.profile_intro"},
	"password":      {"settings.password", "settings.password_intro"},
	"totp":          {"settings.totp", ""},
	"lookup_secret": {"settings.lookup_secret", ""},
	"webauthn":      {"settings.webauthn", ""},
	"passkey":       {"settings.passkey", ""},
	"oidc":          {"settings.oidc", ""},
	"default":       {"settings.default", ""},
}

// settings is the Profile page: the Kratos settings flow, one form per
// method, and the email verification state with its button.
func (s *Server) settings(w http.ResponseWriter, r *http.Request) {
	id := r.URL.Query().Get("flow")
	if id == "" {
		// Without a session Kratos would send the browser to sign in and
		// forget where it came from: ask for sign-in here, with return_to.
		if _, err := s.whoami(r.Context(), r.Header.Get("Cookie")); errors.Is(err, errNoSession) {
			s.metrics.failed.WithLabelValues("settings", flowLoginRequired).Inc()
			http.Redirect(w, r, "/login?"+url.Values{"return_to": {s.uiURL("/settings")}}.Encode(), http.StatusSeeOther)
			return
		}
		s.startFlow(w, r, flowKind{name: "settings"})
		return
	}
	f, err := s.getFlow(r.Context(), w, "settings", id, r.Header.Get("Cookie"))
	if err != nil {
		var ae *apiError
		if errors.As(err, &ae) && ae.Status == http.StatusUnauthorized {
			s.metrics.failed.WithLabelValues("settings", flowLoginRequired).Inc()
			http.Redirect(w, r, "/login?"+url.Values{"return_to": {s.uiURL("/settings")}}.Encode(), http.StatusSeeOther)
			return
		}
		s.flowFailed(w, r, flowKind{name: "settings"}, err)
		return
	}
	if f.Identity == nil {
		err = errors.New("settings flow without an identity")
	}
	var ident *identity
	var st emailstate.State
	if err == nil {
		ident, st, err = s.accountState(r.Context(), f.Identity)
	}
	if err != nil {
		s.metrics.failed.WithLabelValues("settings", flowUnavailable).Inc()
		s.unavailable(w, r, err)
		return
	}
	if s.render(w, r, http.StatusOK, "settings", s.newSettingsPage(r, f, ident, st)) {
		s.metrics.rendered.WithLabelValues("settings").Inc()
	}
}

// newSettingsPage builds the Profile page's data: one section per method.
func (s *Server) newSettingsPage(r *http.Request, f *flow, ident *identity, st emailstate.State) settingsPage {
	tx := s.tr(r)
	p := settingsPage{Page: s.page(r, tx.T("settings.title"), "wide"), Messages: messages(f.UI.Messages, tx), Email: newEmailView(st)}
	p.Page.Nav, p.Page.User = "settings", ident
	for _, g := range nodeGroups(f.UI) {
		ids, title, intro := sectionTitles[g], g, ""
		if ids[0] != "" {
			title = tx.T(ids[0])
		}
		if ids[1] != "" {
			intro = tx.T(ids[1])
		}
		form := withNonce(newForm(f.UI, tx, g), nonceFrom(r.Context()))
		form.Messages = nil // flow messages are shown once, above the sections
		if markFirstInvalid(&form) {
			p.Page.Errors = true
		}
		p.Sections = append(p.Sections, section{ID: g, Title: title, Intro: intro, Form: form})
	}
	p.Page.Errors = p.Page.Errors || slices.ContainsFunc(p.Messages, func(m Message) bool { return m.Kind == "error" })
	return p
}
