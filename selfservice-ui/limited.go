package selfserviceui

import (
	"net/http"
	"net/url"
	"strings"
)

// limitedTextID is the text a browser reads when the edge's rate limiter refused
// its request.
const limitedTextID = "error.limited_text"

// limitedFlows are the flows whose page /limited shows again, with the
// message above the form; the settings page gets the plain page with a
// link back.
var limitedFlows = map[string]flowKind{
	"login": loginFlow, "registration": registrationFlow,
	"recovery": recoveryFlow, "verification": verificationFlow,
}

// limited is the page of a request the edge refused (GET
// /limited?from=URI&method=M): the edge's error route asks for it in
// place of the refused request and keeps its own Retry-After. A refused
// submission of a sign-in, registration, recovery or verification shows
// that flow's page again, as Kratos left it, with the message; anything
// else a short page whose link leads back to where the user was.
func (s *Server) limited(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Retry-After", "60")
	q := r.URL.Query()
	from, back := limitedBack(q.Get("from"), q.Get("method"), r)
	if kind, id, ok := kratosFlow(from); ok && id != "" {
		if k, ok := limitedFlows[kind]; ok && s.limitedFlow(w, r, k, id) {
			return
		}
	}
	s.fail(w, r, http.StatusTooManyRequests, "error.limited_heading", limitedTextID, back, nil)
}

// limitedFlow renders flow id's page with the message and reports
// whether it did; a flow that cannot be read falls back to the plain page.
func (s *Server) limitedFlow(w http.ResponseWriter, r *http.Request, k flowKind, id string) bool {
	f, err := s.getFlow(r.Context(), w, k.name, id, r.Header.Get("Cookie"))
	if err != nil {
		s.log.InfoContext(r.Context(), "limited: flow not shown", "flow", k.name, "err", err)
		return false
	}
	if lr := f.OAuth2LoginRequest; lr != nil {
		s.allowSources(w, r, pageSources{forms: redirectSources(lr.RequestURL, "redirect_uri", lr.Client.RedirectURIs)})
	}
	p := s.newFlowPage(r, k, f)
	p.Form.Messages = append(p.Form.Messages, Message{Text: s.tr(r).T(limitedTextID), Kind: "error"})
	p.Page.Errors = true
	return s.render(w, r, http.StatusTooManyRequests, "flow", p)
}

// limitedBack returns the refused request's address as a local URL (or
// nil) and where "Try again" leads: a flow's page for a submission of a
// Kratos flow, the same address for anything the browser asked to see,
// the page the form was on (its same-site Referer) for any other
// submission, else the dashboard. Only local paths are ever returned.
func limitedBack(raw, method string, r *http.Request) (*url.URL, string) {
	from := localURL(raw)
	if from == nil {
		return nil, "/"
	}
	if kind, id, ok := kratosFlow(from); ok && id != "" {
		return from, "/" + kind + "?" + url.Values{"flow": {id}}.Encode()
	}
	if method == http.MethodGet || method == http.MethodHead {
		return from, from.RequestURI()
	}
	if ref, err := url.Parse(r.Referer()); err == nil && ref.Host == r.Host {
		if u := localURL(ref.RequestURI()); u != nil {
			return from, u.RequestURI()
		}
	}
	return from, "/"
}

// localURL parses raw as a path on this site, or returns nil: no scheme,
// no host, a path that starts with one slash.
func localURL(raw string) *url.URL {
	u, err := url.Parse(raw)
	if err != nil || u.Scheme != "" || u.Host != "" || u.User != nil ||
		!strings.HasPrefix(u.Path, "/") || strings.HasPrefix(u.Path, "//") || strings.ContainsRune(raw, '\\') {
		return nil
	}
	return u
}

// kratosFlow reports the flow kind of a Kratos self-service address
// (/self-service/login, /self-service/login/browser, ...) and its flow id,
// if it has one.
func kratosFlow(u *url.URL) (kind, id string, ok bool) {
	if u == nil {
		return "", "", false
	}
	rest, found := strings.CutPrefix(u.Path, "/self-service/")
	if !found {
		return "", "", false
	}
	kind = strings.TrimSuffix(rest, "/browser")
	switch kind {
	case "login", "registration", "recovery", "verification", "settings":
		return kind, u.Query().Get("flow"), true
	}
	return "", "", false
}
