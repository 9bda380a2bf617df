// Package demorp is a demonstration of connected services for development
// (`workid demo`, started by `make run`): two small services that sign
// users in with WorkID through Hydra (authorization code with PKCE), show
// the ID token's claims, and sign out through Hydra. Product support is
// first-party and needs a verified email; Community is a third party, so
// its sign-in shows WorkID's consent screen. They are how a person tries single
// sign-on without writing a client.
package demorp

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
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
	mu                              sync.Mutex
	sessions                        map[string]map[string]any // cookie value -> claims and id token
	pending                         map[string]string         // state -> PKCE verifier
}

// New returns the demo server; public is its own address as browsers see it.
func New(hydraPublic, hydraAdmin, public string, log *slog.Logger) *Server {
	return &Server{
		hydraPublic: strings.TrimSuffix(hydraPublic, "/"), hydraAdmin: strings.TrimSuffix(hydraAdmin, "/"),
		public: strings.TrimSuffix(public, "/"), services: Services(), log: log,
		client: &http.Client{Timeout: 10 * time.Second}, sessions: map[string]map[string]any{}, pending: map[string]string{},
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

func (s *Server) login(svc *Service) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		state, verifier := random(), oauth2.GenerateVerifier()
		s.mu.Lock()
		s.pending[state] = verifier
		s.mu.Unlock()
		http.Redirect(w, r, s.oauth(svc).AuthCodeURL(state, oauth2.S256ChallengeOption(verifier)), http.StatusSeeOther)
	}
}

func (s *Server) callback(svc *Service) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		q := r.URL.Query()
		if e := q.Get("error"); e != "" {
			s.page(w, svc, nil, "WorkID did not sign you in: "+e+" "+q.Get("error_description"))
			return
		}
		s.mu.Lock()
		verifier, ok := s.pending[q.Get("state")]
		delete(s.pending, q.Get("state"))
		s.mu.Unlock()
		if !ok {
			s.page(w, svc, nil, "This sign-in was not started here (unknown state).")
			return
		}
		ctx, cancel := context.WithTimeout(r.Context(), 15*time.Second)
		defer cancel()
		tok, err := s.oauth(svc).Exchange(ctx, q.Get("code"), oauth2.VerifierOption(verifier))
		if err != nil {
			s.log.ErrorContext(ctx, "demo token exchange", "err", err)
			s.page(w, svc, nil, "The token exchange failed.")
			return
		}
		raw, _ := tok.Extra("id_token").(string)
		provider, err := oidc.NewProvider(ctx, s.hydraPublic+"/")
		if err != nil {
			s.page(w, svc, nil, "OpenID discovery failed.")
			return
		}
		idt, err := provider.Verifier(&oidc.Config{ClientID: svc.clientID}).Verify(ctx, raw)
		if err != nil {
			s.page(w, svc, nil, "The ID token did not verify.")
			return
		}
		claims := map[string]any{}
		_ = idt.Claims(&claims)
		claims["_id_token"] = raw
		sid := random()
		s.mu.Lock()
		s.sessions[sid] = claims
		s.mu.Unlock()
		http.SetCookie(w, &http.Cookie{Name: "demo_" + svc.Path, Value: sid, Path: "/" + svc.Path + "/", HttpOnly: true, SameSite: http.SameSiteLaxMode})
		http.Redirect(w, r, "/"+svc.Path+"/", http.StatusSeeOther)
	}
}

func (s *Server) claims(r *http.Request, svc *Service) map[string]any {
	c, err := r.Cookie("demo_" + svc.Path)
	if err != nil {
		return nil
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.sessions[c.Value]
}

func (s *Server) home(svc *Service) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) { s.page(w, svc, s.claims(r, svc), "") }
}

func (s *Server) logout(svc *Service) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		claims := s.claims(r, svc)
		http.SetCookie(w, &http.Cookie{Name: "demo_" + svc.Path, Value: "", Path: "/" + svc.Path + "/", MaxAge: -1})
		if claims == nil {
			http.Redirect(w, r, "/"+svc.Path+"/", http.StatusSeeOther)
			return
		}
		q := url.Values{"id_token_hint": {fmt.Sprint(claims["_id_token"])}, "post_logout_redirect_uri": {s.public + "/" + svc.Path + "/"}, "state": {random()}}
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

func (s *Server) page(w http.ResponseWriter, svc *Service, claims map[string]any, note string) {
	keys := []string{"sub", "email", "email_verified", "preferred_username", "given_name", "family_name", "company_domain"}
	var buf bytes.Buffer
	if err := pageTpl.Execute(&buf, map[string]any{"Name": svc.Name, "Claims": claims, "Keys": keys, "Note": note}); err != nil {
		http.Error(w, "render", http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	_, _ = buf.WriteTo(w)
}
