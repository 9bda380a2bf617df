package edgesuite_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"golang.org/x/oauth2"

	"github.com/workid/workid/internal/stacktest"
)

// A person's whole way through one origin: registration on WorkID's
// pages, the mailed link, the dashboard, and single sign-on to a service
// through Hydra, every request a browser makes going to the edge.
func TestJourneyThroughTheEdge(t *testing.T) {
	st := shared.Get(t)
	b := browserFrom(t, "127.0.0.5")
	edge, err := url.Parse(st.EdgeURL)
	if err != nil {
		t.Fatal(err)
	}
	var visited []string
	b.Client.CheckRedirect = func(req *http.Request, via []*http.Request) error {
		visited = append(visited, req.URL.String())
		if strings.HasPrefix(req.URL.String(), stacktest.Callback) {
			return http.ErrUseLastResponse
		}
		return nil
	}
	// onEdge checks that every redirect since the last check, and the
	// final page if any, were on the edge.
	onEdge := func(what string, u *url.URL) {
		t.Helper()
		if u != nil && u.Host != edge.Host {
			t.Errorf("%s at %s, want the edge %s", what, u, edge.Host)
		}
		for _, v := range visited {
			if w, _ := url.Parse(v); w.Host != edge.Host && !strings.HasPrefix(v, stacktest.Callback) {
				t.Errorf("%s: the browser was sent to %s, off the edge", what, v)
			}
		}
		visited = nil
	}

	u := stacktest.NewUser("northwind-traders.com")
	final, status, page := b.Register(st.UIURL, u)
	if status != http.StatusOK || final.Path != "/" || !strings.Contains(page, u.First) {
		t.Fatalf("registration through the edge ended at %s with %d, want the dashboard", final, status)
	}
	onEdge("registration", final)

	msgs, err := st.WaitForMail(t.Context(), strings.ToLower(u.Email), 1)
	if err != nil {
		t.Fatal(err)
	}
	link, err := msgs[0].Link(stacktest.VerifyPage)
	if err != nil {
		t.Fatal(err)
	}
	if l, _ := url.Parse(link); l.Host != edge.Host {
		t.Errorf("the verification mail links to %s, want the edge", link)
	}
	pressed, err := st.Press(t.Context(), link)
	if err != nil {
		t.Fatal(err)
	}
	for _, hop := range pressed.Hops {
		if h, _ := url.Parse(hop); h.Host != edge.Host {
			t.Errorf("the mailed link's press went to %s, off the edge", hop)
		}
	}

	clientID := st.CreateOAuthClient(t, "Product support", map[string]any{"first_party": true})
	conf := st.OAuthConfig(clientID)
	verifier := oauth2.GenerateVerifier()
	final, status, _ = b.SignInToService(conf, verifier, u)
	code := final.Query().Get("code")
	if code == "" {
		t.Fatalf("single sign-on ended at %s (%d), want the callback with a code", final, status)
	}
	onEdge("single sign-on", nil)
	claims, _ := st.Exchange(t, conf, code, verifier)
	if claims["iss"] != st.EdgeURL+"/" || claims["email"] != u.Email || claims["email_verified"] != true {
		t.Errorf("ID token iss=%v email=%v email_verified=%v, want %s/, %s, true", claims["iss"], claims["email"], claims["email_verified"], st.EdgeURL, u.Email)
	}
}
