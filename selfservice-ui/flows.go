package selfserviceui

import (
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"
)

// flowKind describes one self-service flow page.
type flowKind struct {
	// name is Kratos's name for the flow: login, registration, ...
	name           string
	title, heading string
	intro          string
	links          []link
}

type link struct{ Href, Text string }

// The flows' texts are ids (flow.login.title...), shown in the page's
// language.
var (
	loginFlow = flowKind{
		name: "login", title: "flow.login.title", heading: "flow.login.heading", intro: "flow.login.intro",
		links: []link{{"/registration", "flow.login.register"}, {"/recovery", "flow.login.recover"}},
	}
	registrationFlow = flowKind{
		name: "registration", title: "flow.registration.title", heading: "flow.registration.heading", intro: "flow.registration.intro",
		links: []link{{"/login", "flow.registration.login"}},
	}
	recoveryFlow = flowKind{
		name: "recovery", title: "flow.recovery.title", heading: "flow.recovery.heading", intro: "flow.recovery.intro",
		links: []link{{"/login", "flow.recovery.login"}},
	}
	verificationFlow = flowKind{
		name: "verification", title: "flow.verification.title", heading: "flow.verification.heading", intro: "flow.verification.intro",
		links: []link{{"/", "flow.verification.dashboard"}},
	}
)

// flowPage is the data of a login, registration, recovery or verification page.
type flowPage struct {
	Page           page
	Heading, Intro string
	Form           Form
	Links          []link
	// Success ends a verification: the address is verified, Next leads on.
	Success bool
	Next    string
	// Resend offers a signed-in user a new verification link.
	Resend bool
}

// passThrough are the query parameters a flow's start keeps: where to go
// afterwards, Hydra's login challenge, a forced re-authentication.
var passThrough = []string{"return_to", "login_challenge", "refresh", "aal", "via"}

// startFlow sends the browser to Kratos to create a new flow, which
// redirects back to this page with ?flow=ID.
func (s *Server) startFlow(w http.ResponseWriter, r *http.Request, k flowKind) {
	q := url.Values{}
	for _, p := range passThrough {
		v := r.URL.Query().Get(p)
		if p == "return_to" {
			v = s.safeReturnTo(v)
		}
		if v != "" {
			q.Set(p, v)
		}
	}
	http.Redirect(w, r, s.kratosBrowser("/self-service/"+k.name+"/browser", q), http.StatusSeeOther)
}

// showFlow renders a flow page, as the reference UI handles flows: no flow
// starts one; a flow that expired, is unknown or failed its CSRF check
// starts a new one with a note; any other trouble is the error page.
func (s *Server) showFlow(k flowKind) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		id := r.URL.Query().Get("flow")
		if id == "" {
			s.startFlow(w, r, k)
			return
		}
		f, err := s.getFlow(r.Context(), w, k.name, id, r.Header.Get("Cookie"))
		if err != nil {
			s.flowFailed(w, r, k, err)
			return
		}
		if lr := f.OAuth2LoginRequest; lr != nil {
			// A service's sign-in: the form's post ends at the service.
			s.allowSources(w, r, pageSources{forms: redirectSources(lr.RequestURL, "redirect_uri", lr.Client.RedirectURIs)})
		}
		if s.render(w, r, http.StatusOK, "flow", s.newFlowPage(r, k, f)) {
			s.metrics.rendered.WithLabelValues(k.name).Inc()
		}
	}
}

// newFlowPage builds a flow page's data.
func (s *Server) newFlowPage(r *http.Request, k flowKind, f *flow) flowPage {
	tx := s.tr(r)
	links := make([]link, len(k.links))
	for i, l := range k.links {
		links[i] = link{l.Href, tx.T(l.Text)}
	}
	p := flowPage{
		Page:    s.page(r, tx.T(k.title), "narrow"),
		Heading: tx.T(k.heading), Intro: tx.T(k.intro), Links: carryChallenge(links, f.OAuth2LoginChallenge),
		Form: withNonce(newForm(f.UI, tx), nonceFrom(r.Context())),
	}
	if k.name == "verification" {
		s.verificationOutcome(r, f, &p)
	}
	p.Page.Errors = markFirstInvalid(&p.Form)
	return p
}

// markFirstInvalid gives the first input with an error the focus, so a
// keyboard or screen-reader user lands on it, and reports whether the
// form shows any error: its own or a field's (every field shows its
// messages).
func markFirstInvalid(f *Form) bool {
	errs := slices.ContainsFunc(f.Messages, func(m Message) bool { return m.Kind == "error" }) ||
		slices.ContainsFunc(f.Hidden, func(h Field) bool { return h.Invalid })
	focused := false
	for i := range f.Fields {
		fld := &f.Fields[i]
		if !fld.Invalid {
			continue
		}
		errs = true
		if !focused && (fld.Kind == "input" || fld.Kind == "checkbox") {
			fld.Autofocus, focused = true, true
		}
	}
	return errs
}

// verificationOutcome turns a finished verification into a success page,
// and a used or expired link into a plain note with a way to a new one.
func (s *Server) verificationOutcome(r *http.Request, f *flow, p *flowPage) {
	tx := s.tr(r)
	if f.State == "passed_challenge" {
		p.Success, p.Heading = true, tx.T("flow.verified_heading")
		p.Intro = tx.T("flow.verified_intro")
		p.Next = orDefault(s.safeReturnTo(f.ReturnTo), "/")
		p.Form.Fields = nil
		return
	}
	used := slices.ContainsFunc(f.UI.Messages, func(m uiText) bool { return m.ID == 4070001 || m.ID == 4070005 })
	if !used {
		return
	}
	p.Heading = tx.T("flow.used_heading")
	p.Intro = tx.T("flow.used_intro")
	if sess, err := s.whoami(r.Context(), r.Header.Get("Cookie")); err == nil {
		p.Page.User = &sess.Identity
		if _, st, err := s.emailState(r.Context(), sess.Identity.ID); err == nil && st.Current() && !st.VerifiedAt.IsZero() {
			// Nothing to do: never "send a new link" for a verified address.
			p.Heading = tx.T("flow.already_heading")
			p.Intro = tx.T("flow.already_intro", "Address", st.Address, "Date", tx.Date(st.VerifiedAt))
			p.Success, p.Next, p.Form.Fields, p.Form.Messages = true, "/", nil, nil
			return
		}
		// Signed in: one button sends a new link to the account's address.
		p.Resend = true
		p.Intro = tx.T("flow.resend_intro", "Address", sess.Identity.Traits.Email)
		p.Form.Fields = nil
	}
}

// flowFailed answers a flow Kratos would not give, and counts the outcome.
func (s *Server) flowFailed(w http.ResponseWriter, r *http.Request, k flowKind, err error) {
	outcome := flowUnavailable
	defer func() { s.metrics.failed.WithLabelValues(k.name, outcome).Inc() }()
	var ae *apiError
	if !errors.As(err, &ae) {
		s.unavailable(w, r, err)
		return
	}
	switch {
	case ae.Body.RedirectBrowserTo != "" && (ae.Status == http.StatusForbidden || ae.Status == http.StatusUnprocessableEntity):
		// session_refresh_required, session_aal2_required, browser_location_change_required
		outcome = flowRedirected
		s.redirectFromKratos(w, r, ae.Body.RedirectBrowserTo, err)
	case ae.Status == http.StatusUnauthorized:
		outcome = flowLoginRequired
		q := url.Values{"return_to": {s.uiURL("/" + k.name)}}
		http.Redirect(w, r, "/login?"+q.Encode(), http.StatusSeeOther)
	case ae.Status == http.StatusGone && ae.Body.Error.Details.RedirectTo != "":
		// An expired flow: Kratos's restart keeps its return_to and
		// Hydra's login_challenge, which a plain restart would lose.
		outcome = flowRestarted
		setNotice(w, r, "expired")
		s.redirectFromKratos(w, r, ae.Body.Error.Details.RedirectTo, err)
	case ae.Status == http.StatusForbidden && !hasKratosCookie(r):
		// Kratos's CSRF check needs its cookie: a browser that keeps none
		// would be sent round in circles by a restart.
		outcome = flowNoCookies
		s.fail(w, r, http.StatusBadRequest, "error.cookies_heading", "error.cookies_text",
			"/"+k.name, nil)
	case ae.Status == http.StatusForbidden || ae.Status == http.StatusNotFound || ae.Status == http.StatusGone:
		outcome = flowRestarted
		s.log.InfoContext(r.Context(), "flow restarted", "flow", k.name, "status", ae.Status, "reason", ae.Body.Error.ID)
		setNotice(w, r, "expired")
		s.startFlow(w, r, k)
	default:
		s.unavailable(w, r, err)
	}
}

// carryChallenge keeps a connected service's sign-in going across the
// links between sign-in and registration: someone who arrives from a
// service and creates an account first lands back in that service.
func carryChallenge(links []link, challenge string) []link {
	if challenge == "" {
		return links
	}
	out := make([]link, len(links))
	for i, l := range links {
		out[i] = l
		if l.Href == "/registration" || l.Href == "/login" {
			out[i].Href = l.Href + "?" + url.Values{"login_challenge": {challenge}}.Encode()
		}
	}
	return out
}

// hasKratosCookie reports whether the browser sent Kratos's CSRF cookie.
func hasKratosCookie(r *http.Request) bool {
	for _, c := range r.Cookies() {
		if strings.HasPrefix(c.Name, csrfCookiePrefix) {
			return true
		}
	}
	return false
}

// redirectFromKratos follows a redirect Kratos asked for, but only to
// Kratos or the UI: an answer is never a way to another site.
func (s *Server) redirectFromKratos(w http.ResponseWriter, r *http.Request, to string, cause error) {
	u, err := url.Parse(to)
	if o := origin(to); err != nil || (o != s.kratosOrigin && o != origin(s.cfg.UIPublicURL)) || u.User != nil {
		s.fail(w, r, http.StatusBadGateway, "error.ours_heading", "error.ours_text", "/",
			fmt.Errorf("kratos asked for a redirect to %q, outside Kratos and the UI: %w", to, cause))
		return
	}
	http.Redirect(w, r, u.String(), http.StatusSeeOther)
}

// session returns the signed-in session or answers the request itself:
// to sign-in without one, on to Kratos when a second factor is due, the
// error page when Kratos is down.
func (s *Server) session(w http.ResponseWriter, r *http.Request) (*session, bool) {
	return s.sessionReturningTo(w, r, "")
}

// sessionReturningTo is session, whose sign-in comes back to the UI path
// returnTo ("" for the dashboard).
func (s *Server) sessionReturningTo(w http.ResponseWriter, r *http.Request, returnTo string) (*session, bool) {
	sess, err := s.whoami(r.Context(), r.Header.Get("Cookie"))
	var ae *apiError
	switch {
	case err == nil:
		return sess, true
	case errors.Is(err, errNoSession) && returnTo != "":
		http.Redirect(w, r, "/login?"+url.Values{"return_to": {s.uiURL(returnTo)}}.Encode(), http.StatusSeeOther)
	case errors.Is(err, errNoSession):
		http.Redirect(w, r, "/login", http.StatusSeeOther)
	case errors.As(err, &ae) && ae.Body.RedirectBrowserTo != "":
		s.redirectFromKratos(w, r, ae.Body.RedirectBrowserTo, err)
	default:
		s.unavailable(w, r, err)
	}
	return nil, false
}

// withNonce gives the form's script nodes the response's CSP nonce.
func withNonce(f Form, nonce string) Form {
	for i := range f.Fields {
		if f.Fields[i].Kind == "script" {
			f.Fields[i].Nonce = nonce
		}
	}
	return f
}
