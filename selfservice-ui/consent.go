package selfserviceui

import (
	"errors"
	"fmt"
	"html/template"
	"net/http"
	"net/url"
	"slices"
	"strings"

	hydra "github.com/ory/hydra-client-go/v2"

	"github.com/workid/workid/internal/companies"
	"github.com/workid/workid/internal/emailstate"
	"github.com/workid/workid/internal/locale"
)

// Consent for connected services, asked by Hydra. First-party services
// (client metadata first_party: true) skip the screen; others show their
// name, logo and scopes, and can be remembered or denied. A service whose
// metadata says requires_verified_email gets no tokens until the
// account's address is verified and current; one whose metadata names a
// requires_subscription, none until the account's company has that
// subscription open.

// consentRememberFor is how long a remembered consent lasts (seconds).
const consentRememberFor = 180 * 24 * 3600

// consentPage is the data of the consent page.
type consentPage struct {
	Page      page
	Challenge string
	Client    string
	LogoURL   any
	Scopes    []scopeView
	// Gate explains why the service cannot be used yet: the address.
	Gate  bool
	Email emailView
	// SubscriptionGate, when set, says why the service cannot be used:
	// its subscription is not open at the account's company.
	SubscriptionGate string
	// GateIntro says why a service that sends mail waits for the address.
	GateIntro string
}

type scopeView struct{ Name, Text string }

// scopeTexts are the scopes the consent page explains (scope.NAME);
// another scope is shown by its name.
var scopeTexts = []string{"openid", "email", "profile", "offline_access"}

// boundConsent reads Hydra's consent request and the account behind it,
// once it knows the request belongs to this browser: the browser's
// WorkID session must be the request's subject. Anything else is answered
// here, and ok is false: no session goes to sign-in and back to this
// consent; a session of another account gets the error page, with the
// challenge left unspent for its owner. Nothing about the subject is read
// before that check.
func (s *Server) boundConsent(w http.ResponseWriter, r *http.Request, challenge string) (req *hydra.OAuth2ConsentRequest, ident *identity, st emailstate.State, ok bool) {
	if challenge == "" {
		s.fail(w, r, http.StatusBadRequest, "error.nothing_heading", "error.nothing_text", "/", nil)
		return nil, nil, st, false
	}
	sess, ok := s.sessionReturningTo(w, r, "/consent?"+url.Values{"consent_challenge": {challenge}}.Encode())
	if !ok {
		return nil, nil, st, false
	}
	req, _, err := s.hydra.OAuth2API.GetOAuth2ConsentRequest(r.Context()).ConsentChallenge(challenge).Execute()
	if err != nil {
		s.consentFailed(w, r, err)
		return nil, nil, st, false
	}
	if req.Subject == nil || *req.Subject != sess.Identity.ID {
		s.fail(w, r, http.StatusForbidden, "error.other_account_heading", "error.other_account_text", "",
			fmt.Errorf("consent challenge of subject %q opened by a session of identity %q", orDefault(req.GetSubject(), "(none)"), sess.Identity.ID))
		return nil, nil, st, false
	}
	ident, st, err = s.accountState(r.Context(), &sess.Identity)
	if err != nil {
		s.unavailable(w, r, err)
		return nil, nil, st, false
	}
	return req, ident, st, true
}

func clientFlag(c *hydra.OAuth2Client, key string) bool {
	if c == nil {
		return false
	}
	m, _ := c.Metadata.(map[string]any)
	v, _ := m[key].(bool)
	return v
}

// consent is GET /consent: accept at once, gate, or ask.
func (s *Server) consent(w http.ResponseWriter, r *http.Request) {
	req, ident, st, ok := s.boundConsent(w, r, r.URL.Query().Get("consent_challenge"))
	if !ok {
		return
	}
	m, ok := s.consentCompany(w, r, ident, st)
	if !ok {
		return
	}
	if g := gateFor(req.Client, st, m, s.Now()); g != gateNone {
		s.renderConsent(w, r, http.StatusForbidden, req, s.newConsentPage(r, req, ident, st, m, g))
		return
	}
	if (req.Skip != nil && *req.Skip) || clientFlag(req.Client, "first_party") {
		s.acceptConsent(w, r, req, ident, st, m, false)
		return
	}
	s.renderConsent(w, r, http.StatusOK, req, s.newConsentPage(r, req, ident, st, m, gateNone))
}

// decideConsent is POST /consent: the user's Allow or Deny.
func (s *Server) decideConsent(w http.ResponseWriter, r *http.Request) {
	challenge := r.FormValue("consent_challenge")
	req, ident, st, ok := s.boundConsent(w, r, challenge)
	if !ok {
		return
	}
	if r.FormValue("decision") != "allow" {
		deny := "access_denied"
		desc := "The user did not allow the service to sign in with " + s.brand.ProductName + "." // for the service's logs: not translated
		to, _, err := s.hydra.OAuth2API.RejectOAuth2ConsentRequest(r.Context()).ConsentChallenge(challenge).
			RejectOAuth2Request(hydra.RejectOAuth2Request{Error: &deny, ErrorDescription: &desc}).Execute()
		if err != nil {
			s.consentFailed(w, r, err)
			return
		}
		http.Redirect(w, r, to.RedirectTo, http.StatusSeeOther)
		return
	}
	m, ok := s.consentCompany(w, r, ident, st)
	if !ok {
		return
	}
	if g := gateFor(req.Client, st, m, s.Now()); g != gateNone {
		s.renderConsent(w, r, http.StatusForbidden, req, s.newConsentPage(r, req, ident, st, m, g))
		return
	}
	s.acceptConsent(w, r, req, ident, st, m, r.FormValue("remember") == "true")
}

// consentCompany reads the account's company for the claims and the
// gates, answering itself (ok false) when the database cannot be read: a
// token without the company would tell a service the account has none.
func (s *Server) consentCompany(w http.ResponseWriter, r *http.Request, ident *identity, st emailstate.State) (*companies.Membership, bool) {
	m, err := s.companyOf(r.Context(), ident, st, nil)
	if err != nil {
		s.unavailable(w, r, err)
		return nil, false
	}
	return m, true
}

func (s *Server) acceptConsent(w http.ResponseWriter, r *http.Request, req *hydra.OAuth2ConsentRequest, ident *identity, st emailstate.State, m *companies.Membership, remember bool) {
	rememberFor := int64(consentRememberFor)
	scopes := req.RequestedScope
	if gated(req.Client) {
		// Claims and this gate are worked out here, at consent; a refresh
		// token would keep giving tokens after the verification expired.
		// Until a token hook re-checks on refresh, gated clients get none.
		scopes = slices.DeleteFunc(slices.Clone(scopes), func(sc string) bool { return sc == "offline_access" || sc == "offline" })
	}
	body := hydra.AcceptOAuth2ConsentRequest{
		GrantScope:               scopes,
		GrantAccessTokenAudience: req.RequestedAccessTokenAudience,
		Remember:                 &remember,
		RememberFor:              &rememberFor,
		Session:                  &hydra.AcceptOAuth2ConsentRequestSession{IdToken: idTokenClaims(ident, st, m, s.Now(), scopes)},
	}
	to, _, err := s.hydra.OAuth2API.AcceptOAuth2ConsentRequest(r.Context()).ConsentChallenge(req.Challenge).AcceptOAuth2ConsentRequest(body).Execute()
	if err != nil {
		s.consentFailed(w, r, err)
		return
	}
	http.Redirect(w, r, to.RedirectTo, http.StatusSeeOther)
}

// renderConsent renders the consent page, letting it show the service's
// logo from wherever the service keeps it, and its Allow and Deny lead
// through Hydra back to the service.
func (s *Server) renderConsent(w http.ResponseWriter, r *http.Request, status int, req *hydra.OAuth2ConsentRequest, p consentPage) {
	var more pageSources
	if logo, ok := p.LogoURL.(template.URL); ok {
		if o, ok := imageOrigin(string(logo)); ok {
			more.images = []string{o}
		}
	}
	if req.Client != nil {
		more.forms = redirectSources(req.GetRequestUrl(), "redirect_uri", req.Client.RedirectUris)
	}
	s.allowSources(w, r, more)
	s.render(w, r, status, "consent", p)
}

func (s *Server) newConsentPage(r *http.Request, req *hydra.OAuth2ConsentRequest, ident *identity, st emailstate.State, m *companies.Membership, g gate) consentPage {
	tx := s.tr(r)
	p := consentPage{Page: s.page(r, tx.T("consent.title"), "narrow"), Challenge: req.Challenge, Gate: g == gateEmail, Email: newEmailView(st)}
	p.Page.User = ident
	p.Client = tx.T("consent.a_service")
	if req.Client != nil {
		if req.Client.ClientName != nil && *req.Client.ClientName != "" {
			p.Client = *req.Client.ClientName
		}
		if req.Client.LogoUri != nil && *req.Client.LogoUri != "" {
			p.LogoURL = imageURL(*req.Client.LogoUri)
		}
	}
	if g == gateEmail {
		state := tx.T("consent.gate_unverified", "Address", p.Email.Address)
		if p.Email.Status == "expired" {
			state = tx.T("consent.gate_expired", "Address", p.Email.Address)
		}
		p.GateIntro = locale.Sentences(tx.T("consent.gate_needs", "Service", p.Client), state, tx.T("consent.gate_then"))
	}
	if g == gateSubscription {
		p.SubscriptionGate = subscriptionGateText(tx, p.Client, requiredSubscription(req.Client), m, s.Now())
	}
	for _, sc := range req.RequestedScope {
		text := sc
		if slices.Contains(scopeTexts, sc) {
			text = tx.T("scope." + sc)
		}
		p.Scopes = append(p.Scopes, scopeView{Name: sc, Text: text})
	}
	return p
}

// consentFailed answers a consent or logout request Hydra will not give
// or take: an unknown, used or expired challenge (4xx) is a request to
// start again from the service; anything else is Hydra being unavailable.
func (s *Server) consentFailed(w http.ResponseWriter, r *http.Request, err error) {
	var oe *hydra.GenericOpenAPIError
	// The SDK's error text is the HTTP status line ("410 Gone").
	if errors.As(err, &oe) && strings.HasPrefix(oe.Error(), "4") {
		s.fail(w, r, http.StatusGone, "error.expired_heading", "error.expired_text", "", err)
		return
	}
	s.unavailable(w, r, err)
}
