package selfserviceui_test

import (
	"encoding/json"
	"fmt"
	"html"
	"io"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/coreos/go-oidc/v3/oidc"
	"golang.org/x/oauth2"

	"github.com/workid/workid/config"
	"github.com/workid/workid/internal/stack"
	"github.com/workid/workid/internal/stacktest"
)

// Single sign-on with a first-party service: no consent screen, and the
// ID token's email_verified follows WorkID's one-year rule.
func TestSSOFirstParty(t *testing.T) {
	st := shared.Get(t)
	clientID := st.CreateOAuthClient(t, "Product support", map[string]any{"first_party": true})
	for _, tt := range []struct {
		name         string
		verifiedDays int
		wantVerified bool
	}{
		{"verified", 10, true},
		{"never verified", -1, false},
		{"verified 400 days ago", 400, false},
	} {
		t.Run(tt.name, func(t *testing.T) {
			u := stacktest.NewUser("contoso-engineering.com")
			var id string
			if tt.verifiedDays < 0 {
				ident, err := st.CreateIdentity(t.Context(), u)
				if err != nil {
					t.Fatal(err)
				}
				id = ident.Id
			} else {
				ident, err := st.CreateVerifiedIdentity(t.Context(), u, time.Now().AddDate(0, 0, -tt.verifiedDays))
				if err != nil {
					t.Fatal(err)
				}
				id = ident.Id
			}
			conf := st.OAuthConfig(clientID)
			verifier := oauth2.GenerateVerifier()
			final, status, _ := stacktest.NewPageBrowser(t).SignInToService(conf, verifier, u)
			code := final.Query().Get("code")
			if code == "" {
				t.Fatalf("sign-in ended at %s (%d), want the callback with a code", final, status)
			}
			claims, _ := st.Exchange(t, conf, code, verifier)
			want := map[string]any{
				"sub": id, "email": u.Email, "email_verified": tt.wantVerified,
				"preferred_username": u.Username, "given_name": u.First, "family_name": u.Last, "name": u.First + " " + u.Last,
			}
			for k, v := range want {
				if fmt.Sprint(claims[k]) != fmt.Sprint(v) {
					t.Errorf("claim %s = %v, want %v", k, claims[k], v)
				}
			}
		})
	}
}

// A third-party service shows the consent screen; Deny sends the service
// access_denied.
func TestSSOThirdPartyDeny(t *testing.T) {
	st := shared.Get(t)
	clientID := st.CreateOAuthClient(t, "Partner portal", map[string]any{}, map[string]any{"logo_uri": "https://cdn.partner.example/logo.png"})
	u := st.NewVerifiedUser(t, "fabrikam-logistics.com", time.Now().AddDate(0, 0, -3))
	b := stacktest.NewPageBrowser(t)
	conf := st.OAuthConfig(clientID)
	final, status, page := b.SignInToService(conf, oauth2.GenerateVerifier(), u)
	if final.Path != "/consent" || status != http.StatusOK || !strings.Contains(page, "Allow Partner portal to use your WorkID account?") {
		t.Fatalf("third-party sign-in ended at %s (%d), want the consent page", final, status)
	}
	// The service's logo shows: its origin, and only on this page, is
	// allowed by the page's policy.
	for u, want := range map[string]bool{final.String(): true, st.UIURL + "/": false} {
		resp, err := b.Client.Get(u)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if got := strings.Contains(resp.Header.Get("Content-Security-Policy"), " https://cdn.partner.example;"); got != want {
			t.Errorf("GET %s: the CSP allows the logo's origin: %v, want %v (%s)", u, got, want, resp.Header.Get("Content-Security-Policy"))
		}
	}
	// Its Allow and Deny lead through Hydra back to the service.
	if csp := cspOf(t, b, final.String()); !strings.Contains(csp, "form-action 'self' "+st.EdgeURL+" http://127.0.0.1:1;") {
		t.Errorf("the consent page's CSP %q, want form-action with Kratos, Hydra and the service's callback", csp)
	}
	if !strings.Contains(page, `src="https://cdn.partner.example/logo.png"`) {
		t.Error("the consent page does not show the service's logo")
	}
	challenge := final.Query().Get("consent_challenge")
	denied, _, _ := b.Post(st.UIURL+"/consent", url.Values{"consent_challenge": {challenge}, "decision": {"deny"}}, nil)
	if denied.Query().Get("error") != "access_denied" {
		t.Errorf("after Deny the service got %s, want error=access_denied", denied)
	}
}

// A service that needs a verified email gets no tokens for an unverified
// account: the user sees why, with the button for a new link.
func TestSSOVerifiedEmailGate(t *testing.T) {
	st := shared.Get(t)
	clientID := st.CreateOAuthClient(t, "System notifications", map[string]any{"first_party": true, "requires_verified_email": true})
	u := stacktest.NewUser("woodgrove-partners.com")
	if _, err := st.CreateIdentity(t.Context(), u); err != nil {
		t.Fatal(err)
	}
	final, status, page := stacktest.NewPageBrowser(t).SignInToService(st.OAuthConfig(clientID), oauth2.GenerateVerifier(), u)
	if final.Path != "/consent" || status != http.StatusForbidden {
		t.Fatalf("gated sign-in ended at %s (%d), want the consent page refusing", final, status)
	}
	for _, want := range []string{"Verify your email to use System notifications", "Send me a verification link", "is not verified yet", "Cancel and go back to System notifications"} {
		if !strings.Contains(page, want) {
			t.Errorf("the gate page lacks %q", want)
		}
	}
}

// A service's sign-out (RP-initiated) ends the WorkID session too and
// returns to the service; WorkID's own sign-out ends the single sign-on
// session, so the next service sign-in asks for the password again.
func TestSSOLogout(t *testing.T) {
	st := shared.Get(t)
	clientID := st.CreateOAuthClient(t, "Community", map[string]any{"first_party": true})
	u := st.NewVerifiedUser(t, "northwind-traders.com", time.Now().AddDate(0, 0, -5))
	conf := st.OAuthConfig(clientID)

	// Service-initiated.
	b := stacktest.NewPageBrowser(t)
	verifier := oauth2.GenerateVerifier()
	final, _, _ := b.SignInToService(conf, verifier, u)
	_, raw := st.Exchange(t, conf, final.Query().Get("code"), verifier)
	q := url.Values{"id_token_hint": {raw}, "post_logout_redirect_uri": {stacktest.Callback}, "state": {"bye"}}
	page, status, body := b.Get(st.HydraPublicURL + "/oauth2/sessions/logout?" + q.Encode())
	if page.Path != "/logout" || status != http.StatusOK || !strings.Contains(body, "Community asks to sign you out") {
		t.Fatalf("the service's sign-out went to %s (%d), want WorkID's confirmation", page, status)
	}
	back, _, _ := b.Post(st.UIURL+"/logout?"+url.Values{"logout_challenge": {page.Query().Get("logout_challenge")}}.Encode(), nil, nil)
	if !strings.HasPrefix(back.String(), stacktest.Callback) || back.Query().Get("state") != "bye" {
		t.Errorf("after confirming, the browser went to %s, want the service's post-logout page", back)
	}
	if dash, _, _ := b.Get(st.UIURL + "/"); dash.Path != "/login" {
		t.Errorf("after the service's sign-out the dashboard is at %s, want sign-in: the WorkID session must end", dash)
	}

	// WorkID-initiated.
	b = stacktest.NewPageBrowser(t)
	verifier = oauth2.GenerateVerifier()
	if final, _, _ := b.SignInToService(conf, verifier, u); final.Query().Get("code") == "" {
		t.Fatalf("second sign-in ended at %s", final)
	}
	if out, _, _ := b.Post(st.UIURL+"/logout", nil, nil); out.Path != "/login" {
		t.Errorf("WorkID's sign-out ended at %s, want the sign-in page", out)
	}
	again, status, _ := b.Get(conf.AuthCodeURL("state-456", oauth2.S256ChallengeOption(oauth2.GenerateVerifier())))
	if again.Path != "/login" || status != http.StatusOK {
		t.Errorf("after WorkID's sign-out a service sign-in went to %s (%d), want the sign-in form", again, status)
	}
	// Hydra no longer remembers the sign-in either: its login request is
	// not one it would skip.
	var lr struct {
		Skip bool `json:"skip"`
	}
	resp, err := http.Get(st.HydraAdminURL + "/admin/oauth2/auth/requests/login?login_challenge=" + url.QueryEscape(loginChallenge(t, b, conf)))
	if err != nil {
		t.Fatal(err)
	}
	_ = json.NewDecoder(resp.Body).Decode(&lr)
	resp.Body.Close()
	if lr.Skip {
		t.Error("after WorkID's sign-out Hydra would still skip the sign-in")
	}
}

// Someone who arrives from a service and creates an account first lands
// back in that service, signed in: the login challenge goes along from
// the sign-in page to the registration page.
func TestSSORegisterFirst(t *testing.T) {
	st := shared.Get(t)
	clientID := st.CreateOAuthClient(t, "Knowledge base", map[string]any{"first_party": true})
	conf := st.OAuthConfig(clientID)
	verifier := oauth2.GenerateVerifier()
	b := stacktest.NewPageBrowser(t)
	final, _, page := b.Get(conf.AuthCodeURL("state-789", oauth2.S256ChallengeOption(verifier)))
	if final.Path != "/login" {
		t.Fatalf("the service's sign-in went to %s", final)
	}
	m := regexp.MustCompile(`href="(/registration\?login_challenge=[^"]+)"`).FindStringSubmatch(page)
	if m == nil {
		t.Fatal("the sign-in page's registration link does not carry the login challenge")
	}
	regPage, _, reg := b.Get(st.UIURL + html.UnescapeString(m[1]))
	// Both pages' posts end at the service, through Kratos and Hydra.
	for _, page := range []*url.URL{final, regPage} {
		if csp := cspOf(t, b, page.String()); !strings.Contains(csp, "form-action 'self' "+st.EdgeURL+" http://127.0.0.1:1;") {
			t.Errorf("GET %s: CSP %q, want form-action with Kratos, Hydra and the service's callback", page.Path, csp)
		}
	}
	u := stacktest.NewUser("woodgrove-partners.com")
	back, status, _ := b.SubmitRegistration(reg, u)
	code := back.Query().Get("code")
	if code == "" {
		t.Fatalf("registration ended at %s (%d), want the service's callback with a code", back, status)
	}
	claims, _ := st.Exchange(t, conf, code, verifier)
	if claims["email"] != u.Email || claims["email_verified"] != false {
		t.Errorf("claims after registering = %v, want %s not yet verified", claims, u.Email)
	}
}

// Allowing with "remember my choice" skips the screen next time, and the
// userinfo endpoint carries the same claims as the ID token.
func TestSSORememberAndUserinfo(t *testing.T) {
	st := shared.Get(t)
	clientID := st.CreateOAuthClient(t, "Partner wiki", map[string]any{})
	u := st.NewVerifiedUser(t, "contoso-engineering.com", time.Now().AddDate(0, 0, -1))
	b := stacktest.NewPageBrowser(t)
	conf := st.OAuthConfig(clientID)
	verifier := oauth2.GenerateVerifier()
	final, _, _ := b.SignInToService(conf, verifier, u)
	if final.Path != "/consent" {
		t.Fatalf("first sign-in ended at %s, want the consent page", final)
	}
	back, _, _ := b.Post(st.UIURL+"/consent", url.Values{"consent_challenge": {final.Query().Get("consent_challenge")}, "decision": {"allow"}, "remember": {"true"}}, nil)
	code := back.Query().Get("code")
	if code == "" {
		t.Fatalf("after Allow the browser went to %s, want a code", back)
	}
	tok, err := conf.Exchange(t.Context(), code, oauth2.VerifierOption(verifier))
	if err != nil {
		t.Fatal(err)
	}
	req, _ := http.NewRequest(http.MethodGet, st.HydraPublicURL+"/userinfo", nil)
	req.Header.Set("Authorization", "Bearer "+tok.AccessToken)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	var info map[string]any
	_ = json.NewDecoder(resp.Body).Decode(&info)
	resp.Body.Close()
	if info["email"] != u.Email || info["email_verified"] != true || info["preferred_username"] != u.Username {
		t.Errorf("userinfo = %v, want the ID token's claims", info)
	}

	// The second time, the remembered consent skips the screen.
	again, _, _ := b.Get(conf.AuthCodeURL("state-again", oauth2.S256ChallengeOption(oauth2.GenerateVerifier())))
	if again.Query().Get("code") == "" {
		t.Errorf("second sign-in ended at %s, want straight back with a code", again)
	}
}

// loginChallenge starts a service sign-in and returns Hydra's challenge
// as Hydra hands it to WorkID's sign-in page.
func loginChallenge(t *testing.T, b *stacktest.PageBrowser, conf *oauth2.Config) string {
	t.Helper()
	prev := b.Client.CheckRedirect
	b.Client.CheckRedirect = func(req *http.Request, via []*http.Request) error {
		if req.URL.Path == "/login" && req.URL.Query().Get("login_challenge") != "" {
			return http.ErrUseLastResponse
		}
		return nil
	}
	defer func() { b.Client.CheckRedirect = prev }()
	resp, err := b.Client.Get(conf.AuthCodeURL("state-999", oauth2.S256ChallengeOption(oauth2.GenerateVerifier())))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	loc, err := url.Parse(resp.Header.Get("Location"))
	if err != nil || loc.Query().Get("login_challenge") == "" {
		t.Fatalf("no login challenge (Location %q)", resp.Header.Get("Location"))
	}
	return loc.Query().Get("login_challenge")
}

// A service that needs a verified email never gets a refresh token: the
// gate and the claims are decided at consent, and a refresh would outlive
// the verification.
func TestSSOGatedClientGetsNoRefreshToken(t *testing.T) {
	st := shared.Get(t)
	clientID := st.CreateOAuthClient(t, "Alerts", map[string]any{"first_party": true, "requires_verified_email": true})
	u := st.NewVerifiedUser(t, "northwind-traders.com", time.Now().AddDate(0, 0, -2))
	conf := st.OAuthConfig(clientID)
	conf.Scopes = append(conf.Scopes, "offline_access")
	verifier := oauth2.GenerateVerifier()
	final, _, _ := stacktest.NewPageBrowser(t).SignInToService(conf, verifier, u)
	tok, err := conf.Exchange(t.Context(), final.Query().Get("code"), oauth2.VerifierOption(verifier))
	if err != nil {
		t.Fatal(err)
	}
	if tok.RefreshToken != "" {
		t.Error("a gated client got a refresh token")
	}
}

// Hydra's errors are shown in a short, safe sentence; its description
// (which can name internals) is not.
func TestHydraErrorPage(t *testing.T) {
	st := shared.Get(t)
	resp, err := http.Get(st.UIURL + "/error?error=invalid_client&error_description=secret+internal+detail")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusBadRequest || !strings.Contains(string(body), "This service is not registered with WorkID.") || strings.Contains(string(body), "secret internal detail") {
		t.Errorf("Hydra's error page: %d\n%s", resp.StatusCode, body)
	}
}

// Consent and sign-out cannot be posted from another site.
func TestSSOCrossSitePostsRefused(t *testing.T) {
	st := shared.Get(t)
	for _, path := range []string{"/consent", "/logout"} {
		req, _ := http.NewRequest(http.MethodPost, st.UIURL+path, strings.NewReader("decision=allow&consent_challenge=x"))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.Header.Set("Origin", "https://evil.example")
		req.Header.Set("Sec-Fetch-Site", "cross-site")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusForbidden {
			t.Errorf("cross-site POST %s = %d, want 403", path, resp.StatusCode)
		}
	}
}

// A refresh asks WorkID again: after the verification expires, a
// refreshed ID token says email_verified false.
func TestSSORefreshHasCurrentClaims(t *testing.T) {
	st := shared.Get(t)
	clientID := st.CreateOAuthClient(t, "Status page", map[string]any{"first_party": true})
	u := stacktest.NewUser("woodgrove-partners.com")
	ident, err := st.CreateVerifiedIdentity(t.Context(), u, time.Now().AddDate(0, 0, -10))
	if err != nil {
		t.Fatal(err)
	}
	conf := st.OAuthConfig(clientID)
	conf.Scopes = append(conf.Scopes, "offline_access")
	verifier := oauth2.GenerateVerifier()
	final, _, _ := stacktest.NewPageBrowser(t).SignInToService(conf, verifier, u)
	tok, err := conf.Exchange(t.Context(), final.Query().Get("code"), oauth2.VerifierOption(verifier))
	if err != nil {
		t.Fatal(err)
	}
	if tok.RefreshToken == "" {
		t.Fatal("no refresh token for offline_access")
	}
	if err := st.AgeVerification(t.Context(), ident.Id, time.Now().AddDate(0, 0, -400)); err != nil {
		t.Fatal(err)
	}
	stale := *tok
	stale.Expiry = time.Now().Add(-time.Minute) // force the refresh
	fresh, err := conf.TokenSource(t.Context(), &stale).Token()
	if err != nil {
		t.Fatalf("refresh: %v", err)
	}
	raw, _ := fresh.Extra("id_token").(string)
	provider, err := oidc.NewProvider(t.Context(), st.HydraPublicURL+"/")
	if err != nil {
		t.Fatal(err)
	}
	idt, err := provider.Verifier(&oidc.Config{ClientID: clientID}).Verify(t.Context(), raw)
	if err != nil {
		t.Fatalf("verify the refreshed ID token: %v", err)
	}
	var claims map[string]any
	_ = idt.Claims(&claims)
	if claims["email_verified"] != false || claims["email"] != u.Email {
		t.Errorf("refreshed claims = %v, want email_verified false after the expiry", claims)
	}
}

// A login or consent challenge that Hydra does not know (expired, used, or
// made up) ends on WorkID's error page with a way on, never on Kratos's or
// Hydra's raw answer.
func TestSSOUnknownChallenge(t *testing.T) {
	st := shared.Get(t)
	for path, heading := range map[string]string{
		"/login?login_challenge=not-a-challenge":     "Please start again",
		"/consent?consent_challenge=not-a-challenge": "This request has expired",
	} {
		t.Run(path, func(t *testing.T) {
			b := stacktest.NewPageBrowser(t)
			if strings.HasPrefix(path, "/consent") { // consent needs a signed-in user first
				u := stacktest.NewUser("northwind-traders.com")
				if final, status, _ := b.Register(st.UIURL, u); final.Path != "/" || status != http.StatusOK {
					t.Fatalf("registration ended at %s (%d)", final, status)
				}
			}
			final, status, body := b.Get(st.UIURL + path)
			if !strings.HasPrefix(final.String(), st.UIURL+"/") || status < 400 || status >= 500 || !strings.Contains(body, heading) {
				t.Errorf("%s ended at %s (%d), want WorkID's page %q with a 4xx status", path, final, status, heading)
			}
			for _, leak := range []string{"not-a-challenge", "hydra", "kratos", "Hydra", "Kratos"} {
				if strings.Contains(body, leak) {
					t.Errorf("the page shows %q:\n%s", leak, body)
				}
			}
			if !strings.Contains(body, `href="/"`) {
				t.Errorf("the page offers no way on:\n%s", body)
			}
		})
	}
}

// Hydra's token hook is served on the UI's private address, where Hydra
// calls it (every token exchange above goes through it); the public port
// answers 404 even to the right key.
func TestTokenHookNotOnPublicPort(t *testing.T) {
	st := shared.Get(t)
	const body = `{"session":{},"request":{"client_id":"c","granted_scopes":[]}}`
	for _, tt := range []struct {
		base string
		want int
	}{
		{st.UIURL, http.StatusNotFound},
		{stack.URL(st.Layout.Ports.UIMetrics, ""), http.StatusNoContent},
	} {
		req, _ := http.NewRequestWithContext(t.Context(), http.MethodPost, tt.base+"/hooks/hydra/token", strings.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Authorization", config.HooksAuthScheme+st.Secrets.HooksKey)
		resp, err := st.HTTP.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != tt.want {
			t.Errorf("POST %s/hooks/hydra/token with the key = %d, want %d", tt.base, resp.StatusCode, tt.want)
		}
	}
}

// cspOf returns the Content-Security-Policy b is given for u.
func cspOf(t *testing.T, b *stacktest.PageBrowser, u string) string {
	t.Helper()
	resp, err := b.Client.Get(u)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	return resp.Header.Get("Content-Security-Policy")
}
