package pgsuite_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"golang.org/x/oauth2"

	"github.com/workid/workid/internal/stacktest"
)

// Single sign-on with a third-party service: sign-in and consent on
// WorkID's pages (through the UI proxy, so the replicas share the flow),
// then an ID token whose email_verified reflects the verified address.
// Hydra keeps the client and the consent in its PostgreSQL database.
func TestSSO(t *testing.T) {
	st := shared.Get(t)
	clientID := st.CreateOAuthClient(t, "Partner portal", map[string]any{})
	if n := count(t, "hydra", "SELECT count(*) FROM hydra_client WHERE id = $1", clientID); n != 1 {
		t.Errorf("hydra database: %d clients with id %s, want 1", n, clientID)
	}
	u := stacktest.NewUser("fabrikam-logistics.com")
	id := registerVerified(t, u)

	b := stacktest.NewPageBrowser(t)
	conf := st.OAuthConfig(clientID)
	verifier := oauth2.GenerateVerifier()
	final, status, page := b.SignInToService(conf, verifier, u)
	if final.Path != "/consent" || status != http.StatusOK || !strings.Contains(page, "Allow Partner portal to use your WorkID account?") {
		t.Fatalf("sign-in ended at %s (%d), want the consent page", final, status)
	}
	back, _, _ := b.Post(st.UIURL+"/consent", url.Values{
		"consent_challenge": {final.Query().Get("consent_challenge")}, "decision": {"allow"}, "remember": {"true"},
	}, nil)
	code := back.Query().Get("code")
	if code == "" {
		t.Fatalf("after Allow the browser went to %s, want the callback with a code", back)
	}
	claims, _ := st.Exchange(t, conf, code, verifier)
	if claims["sub"] != id || claims["email"] != u.Email || claims["email_verified"] != true || claims["preferred_username"] != u.Username {
		t.Errorf("ID token claims = %v, want sub %s, email %s verified, preferred_username %s", claims, id, u.Email, u.Username)
	}
	if n := count(t, "hydra", "SELECT count(*) FROM hydra_oauth2_flow WHERE subject = $1 AND client_id = $2 AND consent_remember", id, clientID); n != 1 {
		t.Errorf("hydra database: %d remembered consents of %s for the client, want 1", n, id)
	}
}
