package stacktest

import (
	"bytes"
	"context"
	"encoding/json"
	"maps"
	"net/http"
	"net/url"
	"testing"
	"time"

	"github.com/coreos/go-oidc/v3/oidc"
	"golang.org/x/oauth2"
)

// Callback is the redirect URL of the OAuth2 clients CreateOAuthClient
// registers. Nothing listens there: PageBrowser stops when sent to it.
const Callback = "http://127.0.0.1:1/callback"

// CreateOAuthClient registers a public OAuth2 client (authorization code
// with PKCE, refresh tokens) with Hydra and returns its ID. metadata holds
// WorkID's client settings (first_party, requires_verified_email); fields,
// when given, adds or replaces client fields (logo_uri, ...).
func (s *Stack) CreateOAuthClient(t testing.TB, name string, metadata map[string]any, fields ...map[string]any) string {
	t.Helper()
	client := map[string]any{
		"client_name": name, "redirect_uris": []string{Callback}, "post_logout_redirect_uris": []string{Callback},
		"grant_types": []string{"authorization_code", "refresh_token"}, "response_types": []string{"code"},
		"scope": "openid email profile offline_access", "token_endpoint_auth_method": "none", "metadata": metadata,
	}
	for _, f := range fields {
		maps.Copy(client, f)
	}
	body, _ := json.Marshal(client)
	req, err := http.NewRequestWithContext(t.Context(), http.MethodPost, s.HydraAdminURL+"/admin/clients", bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := s.HTTP.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var c struct {
		ClientID string `json:"client_id"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&c); err != nil || resp.StatusCode != http.StatusCreated {
		t.Fatalf("create OAuth2 client %q: status %d, %v", name, resp.StatusCode, err)
	}
	return c.ClientID
}

// OAuthConfig is a connected service's OAuth2 configuration for a client
// of CreateOAuthClient, asking for openid, email and profile.
func (s *Stack) OAuthConfig(clientID string) *oauth2.Config {
	return &oauth2.Config{
		ClientID: clientID, RedirectURL: Callback, Scopes: []string{"openid", "email", "profile"},
		Endpoint: oauth2.Endpoint{AuthURL: s.HydraPublicURL + "/oauth2/auth", TokenURL: s.HydraPublicURL + "/oauth2/token", AuthStyle: oauth2.AuthStyleInParams},
	}
}

// Exchange trades an authorization code for tokens, as the service would,
// and verifies the ID token's signature against Hydra's published keys
// with a real OIDC library. It returns the ID token's claims and the raw
// token.
func (s *Stack) Exchange(t testing.TB, conf *oauth2.Config, code, verifier string) (map[string]any, string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), 30*time.Second)
	defer cancel()
	tok, err := conf.Exchange(ctx, code, oauth2.VerifierOption(verifier))
	if err != nil {
		t.Fatalf("token exchange: %v", err)
	}
	raw, _ := tok.Extra("id_token").(string)
	provider, err := oidc.NewProvider(ctx, s.HydraPublicURL+"/")
	if err != nil {
		t.Fatalf("OIDC discovery: %v", err)
	}
	idt, err := provider.Verifier(&oidc.Config{ClientID: conf.ClientID}).Verify(ctx, raw)
	if err != nil {
		t.Fatalf("verify the ID token: %v", err)
	}
	var claims map[string]any
	if err := idt.Claims(&claims); err != nil {
		t.Fatal(err)
	}
	return claims, raw
}

// SignInToService starts the authorization code flow with PKCE
// (verifier) for the service conf, as the service's sign-in button would,
// and signs in as u on WorkID's pages. It returns where the browser
// ended: the callback (with a code or an error) or a WorkID page.
func (b *PageBrowser) SignInToService(conf *oauth2.Config, verifier string, u User) (*url.URL, int, string) {
	b.t.Helper()
	return b.SignIn(conf.AuthCodeURL("state-123", oauth2.S256ChallengeOption(verifier)), u)
}
