package edgesuite_test

import (
	"context"
	"io"
	"net"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/workid/workid/internal/metrics/metricstest"
	"github.com/workid/workid/internal/stacktest"
)

const limitedText = "Too many attempts. Please wait a minute and try again."

// browserFrom is a page browser whose connections leave from the
// loopback address ip, so the edge sees it as that client.
func browserFrom(t *testing.T, ip string) *stacktest.PageBrowser {
	t.Helper()
	b := stacktest.NewPageBrowser(t)
	dialer := &net.Dialer{LocalAddr: &net.TCPAddr{IP: net.ParseIP(ip)}}
	b.Client.Transport = &http.Transport{DialContext: dialer.DialContext}
	return b
}

// signInForm opens the sign-in page through the edge and returns the
// form's action on the edge and its CSRF token.
func signInForm(t *testing.T, st *stacktest.Stack, b *stacktest.PageBrowser) (action, csrf string) {
	t.Helper()
	final, status, page := b.Get(st.EdgeURL + "/login")
	if status != http.StatusOK || final.Path != "/login" {
		t.Fatalf("GET /login through the edge ended at %s with %d", final, status)
	}
	kratosAction, csrf, ok := stacktest.Form(page)
	if !ok {
		t.Fatalf("sign-in page without a form:\n%s", page)
	}
	// Kratos's base URL is the edge's: the form posts through it.
	if !strings.HasPrefix(kratosAction, st.EdgeURL+"/self-service/login?") {
		t.Fatalf("the sign-in form posts to %s, want Kratos through the edge (%s)", kratosAction, st.EdgeURL)
	}
	return kratosAction, csrf
}

func signIn(b *stacktest.PageBrowser, action, csrf, identifier, password string, header http.Header) (*url.URL, int, string) {
	return b.Post(action, url.Values{
		"csrf_token": {csrf}, "method": {"password"}, "identifier": {identifier}, "password": {password},
	}, header)
}

func TestSignInLimitPerAddress(t *testing.T) {
	st := shared.Get(t)
	u := stacktest.NewUser("tailspin-aviation.com")
	if _, err := st.Register(t.Context(), u); err != nil {
		t.Fatalf("Register(%s) = %v", u.Email, err)
	}
	limitedBefore := edgeMetrics(t, st)[`workid_edge_limited_total{zone="signin"}`]

	// Ten wrong passwords from one address are Kratos's to answer.
	const addrA = "127.0.0.6"
	a := browserFrom(t, addrA)
	action, csrf := signInForm(t, st, a)
	for i := 1; i <= 10; i++ {
		final, status, page := signIn(a, action, csrf, u.Email, "not the password", nil)
		if status == http.StatusTooManyRequests || strings.Contains(page, limitedText) {
			t.Fatalf("sign-in attempt %d was refused by the edge, want Kratos's answer", i)
		}
		if final.Path != "/login" {
			t.Fatalf("sign-in attempt %d ended at %s (%d), want the sign-in page again", i, final, status)
		}
	}

	// The 11th, even with the right password: 429 and the sign-in page
	// with the message.
	resp := postRaw(t, a, action, url.Values{"csrf_token": {csrf}, "method": {"password"}, "identifier": {u.Email}, "password": {u.Password}}, nil)
	if resp.status != http.StatusTooManyRequests {
		t.Fatalf("11th sign-in attempt: status %d, want 429", resp.status)
	}
	if ra := resp.header.Get("Retry-After"); ra == "" || ra == "0" {
		t.Errorf("11th sign-in attempt: Retry-After %q, want the seconds to wait", ra)
	}
	for _, want := range []string{limitedText, "Sign in to WorkID", `name="password"`} {
		if !strings.Contains(resp.body, want) {
			t.Errorf("the 429 page lacks %q:\n%s", want, resp.body)
		}
	}
	if csp := resp.header.Get("Content-Security-Policy"); !strings.Contains(csp, "frame-ancestors 'none'") {
		t.Errorf("the 429 page's Content-Security-Policy = %q, want the UI's", csp)
	}

	// A spoofed X-Forwarded-For from this (untrusted) client does not
	// give it a fresh address.
	for _, xff := range []string{"198.51.100.7", "127.0.0.2", "198.51.100.7, 127.0.0.3"} {
		if _, status, _ := signIn(a, action, csrf, u.Email, u.Password, http.Header{"X-Forwarded-For": {xff}}); status != http.StatusTooManyRequests {
			t.Errorf("sign-in with X-Forwarded-For: %s: status %d, want 429", xff, status)
		}
	}

	// Another address is unaffected: it signs in.
	b := browserFrom(t, "127.0.0.2")
	bAction, bCSRF := signInForm(t, st, b)
	final, status, page := signIn(b, bAction, bCSRF, u.Email, u.Password, http.Header{"X-Forwarded-For": {addrA}})
	if status != http.StatusOK || final.Path != "/" || strings.Contains(page, limitedText) {
		t.Errorf("sign-in from 127.0.0.2 ended at %s with %d, want the dashboard", final, status)
	}

	// A trusted proxy's X-Forwarded-For is believed: the address it
	// names is the one limited.
	p := browserFrom(t, trustedProxy)
	pAction, pCSRF := signInForm(t, st, p)
	if _, status, _ := signIn(p, pAction, pCSRF, u.Email, u.Password, http.Header{"X-Forwarded-For": {addrA}}); status != http.StatusTooManyRequests {
		t.Errorf("sign-in from the trusted proxy for %s: status %d, want 429", addrA, status)
	}
	// The proxy appends the client's address to what the client sent: a
	// forged address written before it changes nothing.
	if _, status, _ := signIn(p, pAction, pCSRF, u.Email, u.Password, http.Header{"X-Forwarded-For": {"203.0.113.99, " + addrA}}); status != http.StatusTooManyRequests {
		t.Errorf("sign-in through the trusted proxy for %s with a forged address before it: status %d, want 429", addrA, status)
	}
	if final, status, _ := signIn(p, pAction, pCSRF, u.Email, u.Password, http.Header{"X-Forwarded-For": {"198.51.100.20"}}); status == http.StatusTooManyRequests || final.Path != "/" {
		t.Errorf("sign-in from the trusted proxy for 198.51.100.20 ended at %s with %d, want the dashboard", final, status)
	}

	// Refused: the 11th attempt, three spoofed ones, the proxy's two for
	// the first address. The count is exact because the package's tests
	// run one at a time (the browser test signs in too): none may be
	// parallel.
	if got := edgeMetrics(t, st)[`workid_edge_limited_total{zone="signin"}`] - limitedBefore; got != 6 {
		t.Errorf("workid_edge_limited_total{zone=\"signin\"} rose by %v, want 6", got)
	}
}

// A client that asks for JSON (Kratos's API flows) gets a JSON 429.
func TestAPIClientsGetJSON(t *testing.T) {
	st := shared.Get(t)
	c := browserFrom(t, "127.0.0.4")
	var last *rawResponse
	for range 11 {
		req, _ := http.NewRequestWithContext(t.Context(), http.MethodPost, st.EdgeURL+"/self-service/registration?flow=00000000-0000-0000-0000-000000000000", strings.NewReader(`{"method":"password"}`))
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Accept", "application/json")
		last = do(t, c, req)
	}
	if last.status != http.StatusTooManyRequests || last.header.Get("Content-Type") != "application/json" || !strings.Contains(last.body, `"code":429`) {
		t.Errorf("11th JSON registration: %d %s %s, want a JSON 429", last.status, last.header.Get("Content-Type"), last.body)
	}
}

type rawResponse struct {
	status int
	header http.Header
	body   string
}

// postRaw posts form without following a redirect.
func postRaw(t *testing.T, b *stacktest.PageBrowser, u string, form url.Values, header http.Header) *rawResponse {
	t.Helper()
	req, err := http.NewRequestWithContext(t.Context(), http.MethodPost, u, strings.NewReader(form.Encode()))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Accept", "text/html")
	for k, v := range header {
		req.Header[k] = v
	}
	return do(t, b, req)
}

func do(t *testing.T, b *stacktest.PageBrowser, req *http.Request) *rawResponse {
	t.Helper()
	c := *b.Client
	c.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	resp, err := c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	return &rawResponse{resp.StatusCode, resp.Header, string(body)}
}

func edgeMetrics(t *testing.T, st *stacktest.Stack) metricstest.Samples {
	t.Helper()
	req, _ := http.NewRequestWithContext(context.WithoutCancel(t.Context()), http.MethodGet, st.Layout.EdgeMetricsURL(), nil)
	resp, err := st.HTTP.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return metricstest.Parse(t, string(b))
}
