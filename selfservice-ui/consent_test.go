package selfserviceui_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"golang.org/x/oauth2"

	"github.com/workid/workid/internal/stacktest"
)

// A consent URL belongs to the browser whose sign-in made it: opened or
// posted by another account, or by nobody, it shows nothing of its subject
// and stays unspent, so its owner can still decide.
func TestConsentBoundToSession(t *testing.T) {
	st := shared.Get(t)
	for _, tt := range []struct {
		name     string
		metadata map[string]any
		verified bool
		// status is what the subject sees on the consent page.
		status int
	}{
		{"consent screen", map[string]any{}, true, http.StatusOK},
		{"verified-email gate", map[string]any{"requires_verified_email": true}, false, http.StatusForbidden},
	} {
		t.Run(tt.name, func(t *testing.T) {
			clientID := st.CreateOAuthClient(t, "Partner CRM", tt.metadata)
			conf := st.OAuthConfig(clientID)
			owner := stacktest.NewUser("contoso-engineering.com")
			if tt.verified {
				owner = st.NewVerifiedUser(t, "contoso-engineering.com", time.Now().AddDate(0, 0, -3))
			} else if _, err := st.CreateIdentity(t.Context(), owner); err != nil {
				t.Fatal(err)
			}
			ob := stacktest.NewPageBrowser(t)
			verifier := oauth2.GenerateVerifier()
			consent, status, page := ob.SignInToService(conf, verifier, owner)
			// The gate names the owner's address: that is what others must not see.
			if consent.Path != "/consent" || status != tt.status || (!tt.verified && !strings.Contains(page, owner.Email)) {
				t.Fatalf("the owner's sign-in ended at %s (%d), want the consent page (%d)", consent, status, tt.status)
			}
			challenge := consent.Query().Get("consent_challenge")

			// Another signed-in account opens and posts the owner's consent.
			other := st.NewVerifiedUser(t, "fabrikam-logistics.com", time.Now().AddDate(0, 0, -3))
			xb := stacktest.NewPageBrowser(t)
			if dash, _, _ := xb.SignIn(st.UIURL+"/login", other); dash.Path != "/" {
				t.Fatalf("the other account's sign-in ended at %s", dash)
			}
			_, status, page = xb.Get(consent.String())
			wantNothingOf(t, "GET by another account", status, page, owner, other)
			_, status, page = xb.Post(st.UIURL+"/consent", url.Values{"consent_challenge": {challenge}, "decision": {"allow"}}, nil)
			wantNothingOf(t, "Allow posted by another account", status, page, owner, other)
			_, status, page = xb.Post(st.UIURL+"/consent", url.Values{"consent_challenge": {challenge}, "decision": {"deny"}}, nil)
			wantNothingOf(t, "Deny posted by another account", status, page, owner, other)

			// Nobody signed in: a post is sent to sign in, as a visit is.
			for _, decision := range []string{"allow", "deny"} {
				resp := anonymousPost(t, url.Values{"consent_challenge": {challenge}, "decision": {decision}})
				if loc, _ := url.Parse(resp.Header.Get("Location")); resp.StatusCode != http.StatusSeeOther || loc == nil || loc.Path != "/login" {
					t.Errorf("anonymous %s = %d to %q, want 303 to sign-in", decision, resp.StatusCode, resp.Header.Get("Location"))
				}
			}

			// The owner still decides: the challenge was not spent.
			decision := "allow"
			if !tt.verified {
				decision = "deny"
			}
			back, _, _ := ob.Post(st.UIURL+"/consent", url.Values{"consent_challenge": {challenge}, "decision": {decision}}, nil)
			switch {
			case tt.verified && back.Query().Get("code") == "":
				t.Fatalf("the owner's Allow went to %s, want the service's callback with a code", back)
			case tt.verified:
				if claims, _ := st.Exchange(t, conf, back.Query().Get("code"), verifier); claims["email"] != owner.Email {
					t.Errorf("the service signed in %v, want %s", claims["email"], owner.Email)
				}
			case back.Query().Get("error") != "access_denied":
				t.Errorf("the owner's Cancel went to %s, want the service's callback with access_denied", back)
			}
		})
	}
}

// wantNothingOf checks a consent answer given to the wrong browser: the
// error page, with nothing of either account on it.
func wantNothingOf(t *testing.T, what string, status int, page string, users ...stacktest.User) {
	t.Helper()
	if status != http.StatusForbidden || !strings.Contains(page, "This sign-in belongs to another account") {
		t.Errorf("%s = %d, want 403 and the page saying the sign-in is another account's:\n%s", what, status, page)
	}
	for _, u := range users {
		for _, leak := range []string{u.Email, u.Username, u.First, u.Last} {
			if strings.Contains(page, leak) {
				t.Errorf("%s: the page shows %q", what, leak)
			}
		}
	}
	if strings.Contains(page, `aria-label="Account"`) {
		t.Errorf("%s: the page shows the signed-in navigation", what)
	}
}

// anonymousPost posts the consent form from a browser without cookies, as
// a copied link or a script would, and returns the first answer.
func anonymousPost(t *testing.T, form url.Values) *http.Response {
	t.Helper()
	st := shared.Get(t)
	c := &http.Client{Timeout: 30 * time.Second, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := c.PostForm(st.UIURL+"/consent", form)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	return resp
}

// Without a WorkID session the consent page sends the browser to sign in,
// and back to the same consent afterwards.
func TestConsentWithoutSessionSignsInFirst(t *testing.T) {
	st := shared.Get(t)
	clientID := st.CreateOAuthClient(t, "Partner forum", map[string]any{})
	u := st.NewVerifiedUser(t, "northwind-traders.com", time.Now().AddDate(0, 0, -3))
	consent, _, _ := stacktest.NewPageBrowser(t).SignInToService(st.OAuthConfig(clientID), oauth2.GenerateVerifier(), u)
	if consent.Path != "/consent" {
		t.Fatalf("sign-in ended at %s, want the consent page", consent)
	}
	fresh := stacktest.NewPageBrowser(t)
	login, status, page := fresh.Get(consent.String())
	if login.Path != "/login" || status != http.StatusOK || strings.Contains(page, "Partner forum") {
		t.Fatalf("the consent page without a session ended at %s (%d), want the sign-in form and nothing of the request", login, status)
	}
	back, status, page := fresh.SubmitLogin(page, u)
	if back.String() != consent.String() || status != http.StatusOK || !strings.Contains(page, "Allow Partner forum to use your WorkID account?") {
		t.Errorf("after signing in the browser is at %s (%d), want back at %s", back, status, consent)
	}
}
