// Package demorp is a demonstration of connected services for development
// (`workid demo`, started by `make run`): two small services that sign
// users in with WorkID through Hydra (authorization code with PKCE), show
// the ID token's claims, and sign out through Hydra. Product support is
// first-party and needs a verified email; Community is a third party, so
// its sign-in shows WorkID's consent screen. They are how a person tries single
// sign-on without writing a client.
//
// They keep nothing on the server. A sign-in in progress (its state,
// PKCE verifier and nonce) lives in a short-lived cookie of the browser
// that started it, so a callback in any other browser is refused (no
// login CSRF); a service's session is its ID token, in a cookie, verified
// against Hydra's keys on every page.
package demorp

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/subtle"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"html/template"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/coreos/go-oidc/v3/oidc"
	"github.com/gorilla/mux"
	"golang.org/x/oauth2"
)

// Service is one demo service and its Hydra client.
type Service struct {
	Path, Name string
	// Metadata is the client's Hydra metadata (first_party, requires_verified_email).
	Metadata map[string]any
	clientID string
}

// Services are the two demo services.
func Services() []*Service {
	return []*Service{
		{Path: "support", Name: "Product support (demo)", Metadata: map[string]any{"first_party": true, "requires_verified_email": true}},
		{Path: "community", Name: "Community (demo)", Metadata: map[string]any{}},
	}
}

// Server serves the demo services.
type Server struct {
	hydraPublic, hydraAdmin, public string
	services                        []*Service
	log                             *slog.Logger
	client                          *http.Client
	// secure marks the cookies Secure when the services are served over https.
	secure bool

	mu       sync.Mutex
	provider *oidc.Provider // Hydra's discovery and keys, read on first use
}

// signInLifetime bounds a sign-in from the button to the callback: the
// life of its cookie (Hydra's authorization code lives ten minutes).
const signInLifetime = 10 * time.Minute

// New returns the demo server; public is its own address as browsers see it.
func New(hydraPublic, hydraAdmin, public string, log *slog.Logger) *Server {
	return &Server{
		hydraPublic: strings.TrimSuffix(hydraPublic, "/"), hydraAdmin: strings.TrimSuffix(hydraAdmin, "/"),
		public: strings.TrimSuffix(public, "/"), services: Services(), log: log,
		client: &http.Client{Timeout: 10 * time.Second}, secure: strings.HasPrefix(public, "https://"),
	}
}

// Register creates the services' Hydra clients, or finds them by name
// when an earlier run created them.
func (s *Server) Register(ctx context.Context) error {
	for _, svc := range s.services {
		var existing []struct {
			ClientID string `json:"client_id"`
		}
		if err := s.hydraJSON(ctx, http.MethodGet, "/admin/clients?client_name="+url.QueryEscape(svc.Name), nil, &existing); err != nil {
			return err
		}
		body := map[string]any{
			"client_name": svc.Name, "metadata": svc.Metadata, "scope": "openid email profile",
			"redirect_uris": []string{s.public + "/" + svc.Path + "/callback"}, "post_logout_redirect_uris": []string{s.public + "/" + svc.Path + "/"},
			"grant_types": []string{"authorization_code"}, "response_types": []string{"code"}, "token_endpoint_auth_method": "none",
		}
		var created struct {
			ClientID string `json:"client_id"`
		}
		if len(existing) > 0 {
			body["client_id"] = existing[0].ClientID
			if err := s.hydraJSON(ctx, http.MethodPut, "/admin/clients/"+url.PathEscape(existing[0].ClientID), body, &created); err != nil {
				return err
			}
		} else if err := s.hydraJSON(ctx, http.MethodPost, "/admin/clients", body, &created); err != nil {
			return err
		}
		svc.clientID = created.ClientID
		s.log.InfoContext(ctx, "demo service registered", "service", svc.Name, "client_id", svc.clientID, "url", s.public+"/"+svc.Path+"/")
	}
	return nil
}

func (s *Server) hydraJSON(ctx context.Context, method, path string, in, out any) error {
	var body bytes.Buffer
	if in != nil {
		_ = json.NewEncoder(&body).Encode(in)
	}
	req, err := http.NewRequestWithContext(ctx, method, s.hydraAdmin+path, &body)
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := s.client.Do(req)
	if err != nil {
		return fmt.Errorf("hydra %s %s: %w", method, path, err)
	}
	defer resp.Body.Close()
	if resp.StatusCode >= 300 {
		return fmt.Errorf("hydra %s %s: status %d", method, path, resp.StatusCode)
	}
	return json.NewDecoder(resp.Body).Decode(out)
}

// Handler serves the services under /{service}/.
func (s *Server) Handler() http.Handler {
	r := mux.NewRouter()
	r.HandleFunc("/healthz", func(w http.ResponseWriter, _ *http.Request) { _, _ = w.Write([]byte("ok\n")) })
	r.HandleFunc("/", s.index)
	for _, svc := range s.services {
		r.HandleFunc("/"+svc.Path+"/", s.home(svc)).Methods(http.MethodGet)
		r.HandleFunc("/"+svc.Path+"/login", s.login(svc)).Methods(http.MethodGet)
		r.HandleFunc("/"+svc.Path+"/callback", s.callback(svc)).Methods(http.MethodGet)
		r.HandleFunc("/"+svc.Path+"/logout", s.logout(svc)).Methods(http.MethodGet)
	}
	return r
}

func (s *Server) oauth(svc *Service) *oauth2.Config {
	return &oauth2.Config{
		ClientID: svc.clientID, RedirectURL: s.public + "/" + svc.Path + "/callback", Scopes: []string{"openid", "email", "profile"},
		Endpoint: oauth2.Endpoint{AuthURL: s.hydraPublic + "/oauth2/auth", TokenURL: s.hydraPublic + "/oauth2/token", AuthStyle: oauth2.AuthStyleInParams},
	}
}

func random() string {
	b := make([]byte, 16)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

// pendingSignIn is a sign-in started in one browser, kept in its cookie
// until the callback.
type pendingSignIn struct{ state, verifier, nonce string }

func signInCookie(svc *Service) string  { return "demo_" + svc.Path + "_signin" }
func sessionCookie(svc *Service) string { return "demo_" + svc.Path }

// cookie returns a cookie of svc: only its own pages receive it, never a
// script, and requests from other sites only on a top-level navigation
// (the return from Hydra is one).
func (s *Server) cookie(svc *Service, name, value string, maxAge int) *http.Cookie {
	return &http.Cookie{
		Name: name, Value: value, Path: "/" + svc.Path + "/", MaxAge: maxAge,
		HttpOnly: true, Secure: s.secure, SameSite: http.SameSiteLaxMode,
	}
}

// readPending returns the sign-in this browser started, if its cookie is there.
func readPending(r *http.Request, svc *Service) (pendingSignIn, bool) {
	c, err := r.Cookie(signInCookie(svc))
	if err != nil {
		return pendingSignIn{}, false
	}
	// state and nonce are hex, the verifier base64url: no dots in any.
	parts := strings.Split(c.Value, ".")
	if len(parts) != 3 || parts[0] == "" || parts[1] == "" || parts[2] == "" {
		return pendingSignIn{}, false
	}
	return pendingSignIn{state: parts[0], verifier: parts[1], nonce: parts[2]}, true
}

func (s *Server) login(svc *Service) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		p := pendingSignIn{state: random(), verifier: oauth2.GenerateVerifier(), nonce: random()}
		http.SetCookie(w, s.cookie(svc, signInCookie(svc), p.state+"."+p.verifier+"."+p.nonce, int(signInLifetime/time.Second)))
		http.Redirect(w, r, s.oauth(svc).AuthCodeURL(p.state, oauth2.S256ChallengeOption(p.verifier), oidc.Nonce(p.nonce)), http.StatusSeeOther)
	}
}

func (s *Server) callback(svc *Service) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		q := r.URL.Query()
		p, ok := readPending(r, svc)
		if !ok || subtle.ConstantTimeCompare([]byte(p.state), []byte(q.Get("state"))) != 1 {
			// The cookie stays: a forged callback must not cancel this
			// browser's own sign-in, which expires by itself.
			reason := "no sign-in started in this browser"
			if ok {
				reason = "state is not this browser's sign-in"
			}
			s.log.InfoContext(r.Context(), "demo callback refused", "service", svc.Path, "reason", reason)
			s.page(w, svc, http.StatusBadRequest, nil, "This sign-in was not started in this browser, or it took too long. Please sign in again.")
			return
		}
		http.SetCookie(w, s.cookie(svc, signInCookie(svc), "", -1))
		if e := q.Get("error"); e != "" {
			s.page(w, svc, http.StatusOK, nil, "WorkID did not sign you in: "+e+" "+q.Get("error_description"))
			return
		}
		ctx, cancel := context.WithTimeout(r.Context(), 15*time.Second)
		defer cancel()
		tok, err := s.oauth(svc).Exchange(ctx, q.Get("code"), oauth2.VerifierOption(p.verifier))
		if err != nil {
			s.log.ErrorContext(ctx, "demo token exchange", "err", err)
			s.page(w, svc, http.StatusBadGateway, nil, "The token exchange failed.")
			return
		}
		raw, _ := tok.Extra("id_token").(string)
		idt, err := s.verify(ctx, svc, raw)
		if err == nil && subtle.ConstantTimeCompare([]byte(idt.Nonce), []byte(p.nonce)) != 1 {
			err = errors.New("the ID token's nonce is not this sign-in's")
		}
		if err != nil {
			s.log.ErrorContext(ctx, "demo ID token", "err", err)
			s.page(w, svc, http.StatusBadGateway, nil, "The ID token did not verify.")
			return
		}
		http.SetCookie(w, s.cookie(svc, sessionCookie(svc), raw, 0))
		http.Redirect(w, r, "/"+svc.Path+"/", http.StatusSeeOther)
	}
}

// verify checks an ID token of svc against Hydra's keys.
func (s *Server) verify(ctx context.Context, svc *Service, raw string) (*oidc.IDToken, error) {
	p, err := s.oidcProvider(ctx)
	if err != nil {
		return nil, err
	}
	return p.Verifier(&oidc.Config{ClientID: svc.clientID}).Verify(ctx, raw)
}

// oidcProvider reads Hydra's discovery document once; a failure is tried
// again on the next request.
func (s *Server) oidcProvider(ctx context.Context) (*oidc.Provider, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.provider != nil {
		return s.provider, nil
	}
	// The provider keeps this context to fetch keys later: only its
	// client matters, not the request's deadline.
	p, err := oidc.NewProvider(oidc.ClientContext(context.WithoutCancel(ctx), s.client), s.hydraPublic+"/")
	if err != nil {
		return nil, fmt.Errorf("openid discovery: %w", err)
	}
	s.provider = p
	return p, nil
}

// claims returns the claims of the browser's session with svc and its raw
// ID token; nil when it has none, or one that no longer verifies (its
// hour is over).
func (s *Server) claims(r *http.Request, svc *Service) (map[string]any, string) {
	c, err := r.Cookie(sessionCookie(svc))
	if err != nil || c.Value == "" {
		return nil, ""
	}
	idt, err := s.verify(r.Context(), svc, c.Value)
	if err != nil {
		s.log.InfoContext(r.Context(), "demo session ended", "service", svc.Path, "err", err)
		return nil, ""
	}
	claims := map[string]any{}
	_ = idt.Claims(&claims)
	return claims, c.Value
}

func (s *Server) home(svc *Service) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		claims, _ := s.claims(r, svc)
		s.page(w, svc, http.StatusOK, claims, "")
	}
}

func (s *Server) logout(svc *Service) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		claims, raw := s.claims(r, svc)
		http.SetCookie(w, s.cookie(svc, sessionCookie(svc), "", -1))
		if claims == nil {
			http.Redirect(w, r, "/"+svc.Path+"/", http.StatusSeeOther)
			return
		}
		q := url.Values{"id_token_hint": {raw}, "post_logout_redirect_uri": {s.public + "/" + svc.Path + "/"}, "state": {random()}}
		http.Redirect(w, r, s.hydraPublic+"/oauth2/sessions/logout?"+q.Encode(), http.StatusSeeOther)
	}
}

func (s *Server) index(w http.ResponseWriter, r *http.Request) {
	var b strings.Builder
	b.WriteString("<!doctype html><title>WorkID demo services</title><h1>WorkID demo services</h1><ul>")
	for _, svc := range s.services {
		fmt.Fprintf(&b, `<li><a href="/%s/">%s</a></li>`, svc.Path, template.HTMLEscapeString(svc.Name))
	}
	b.WriteString("</ul>")
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	_, _ = w.Write([]byte(b.String()))
}

var pageTpl = template.Must(template.New("p").Parse(`<!doctype html><html lang="en"><head><meta charset="utf-8"><title>{{.Name}}</title>
<style>body{font:16px/1.5 system-ui,sans-serif;max-width:40rem;margin:3rem auto;padding:0 1rem;color:#14213d}a.btn{display:inline-block;background:#2952cc;color:#fff;padding:.5rem 1rem;border-radius:8px;text-decoration:none}td{padding:.2rem .8rem .2rem 0}</style></head><body>
<h1>{{.Name}}</h1>
{{with .Note}}<p role="alert">{{.}}</p>{{end}}
{{if .Claims}}<p id="signed-in">Signed in as <strong>{{index .Claims "name"}}</strong>.</p>
<table>{{range .Keys}}<tr><td>{{.}}</td><td>{{index $.Claims .}}</td></tr>{{end}}</table>
<p><a class="btn" href="logout">Sign out</a></p>
{{else}}<p>A demonstration service. Sign in with your WorkID account.</p>
<p><a class="btn" id="signin" href="login">Sign in with WorkID</a></p>{{end}}
</body></html>`))

func (s *Server) page(w http.ResponseWriter, svc *Service, status int, claims map[string]any, note string) {
	keys := []string{"sub", "email", "email_verified", "preferred_username", "given_name", "family_name", "company_domain"}
	var buf bytes.Buffer
	if err := pageTpl.Execute(&buf, map[string]any{"Name": svc.Name, "Claims": claims, "Keys": keys, "Note": note}); err != nil {
		http.Error(w, "render", http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	_, _ = buf.WriteTo(w)
}
