package stacktest

import (
	"html"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"
)

// PageBrowser is a browser without scripts for WorkID's pages: it keeps
// cookies, follows redirects and submits the pages' HTML forms. A redirect
// to Callback (a connected service) is not followed but reported, so a
// test can read the code or error the service would get.
type PageBrowser struct {
	t testing.TB
	// Client does the requests: it has the cookie jar, a timeout, and a
	// CheckRedirect that stops at Callback.
	Client *http.Client
}

// NewPageBrowser returns a page browser with an empty cookie jar. Its
// methods fail t when a request cannot be sent.
func NewPageBrowser(t testing.TB) *PageBrowser {
	jar, _ := cookiejar.New(nil)
	c := &http.Client{Jar: jar, Timeout: 30 * time.Second, CheckRedirect: func(req *http.Request, via []*http.Request) error {
		if strings.HasPrefix(req.URL.String(), Callback) {
			return http.ErrUseLastResponse
		}
		return nil
	}}
	return &PageBrowser{t: t, Client: c}
}

// Do sends req and returns where it ended: the callback URL (from the last
// redirect, with no body) or the final page's URL, status and body.
func (b *PageBrowser) Do(req *http.Request) (*url.URL, int, string) {
	b.t.Helper()
	resp, err := b.Client.Do(req)
	if err != nil {
		b.t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	if loc := resp.Header.Get("Location"); strings.HasPrefix(loc, Callback) {
		u, _ := url.Parse(loc)
		return u, resp.StatusCode, ""
	}
	return resp.Request.URL, resp.StatusCode, string(body)
}

// Get opens u, as Do.
func (b *PageBrowser) Get(u string) (*url.URL, int, string) {
	b.t.Helper()
	req, err := http.NewRequestWithContext(b.t.Context(), http.MethodGet, u, nil)
	if err != nil {
		b.t.Fatal(err)
	}
	return b.Do(req)
}

// Post submits form to u with the extra header (may be nil), as Do.
func (b *PageBrowser) Post(u string, form url.Values, header http.Header) (*url.URL, int, string) {
	b.t.Helper()
	req, err := http.NewRequestWithContext(b.t.Context(), http.MethodPost, u, strings.NewReader(form.Encode()))
	if err != nil {
		b.t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	for k, v := range header {
		req.Header[k] = v
	}
	return b.Do(req)
}

var (
	formActionRE = regexp.MustCompile(`<form action="([^"]+)" method="POST"`)
	csrfRE       = regexp.MustCompile(`name="csrf_token" value="([^"]+)"`)
)

// Form returns the action and CSRF token of the first form on a WorkID
// page (a Kratos flow's form), unescaped; ok is false without one.
func Form(page string) (action, csrf string, ok bool) {
	a, c := formActionRE.FindStringSubmatch(page), csrfRE.FindStringSubmatch(page)
	if a == nil || c == nil {
		return "", "", false
	}
	return html.UnescapeString(a[1]), html.UnescapeString(c[1]), true
}

// SubmitRegistration fills in the registration form on page for u and
// submits it.
func (b *PageBrowser) SubmitRegistration(page string, u User) (*url.URL, int, string) {
	b.t.Helper()
	action, csrf, ok := Form(page)
	if !ok {
		b.t.Fatalf("registration page without a form:\n%s", page)
	}
	return b.Post(action, url.Values{
		"csrf_token": {csrf}, "method": {"password"}, "password": {u.Password},
		"traits.email": {u.Email}, "traits.username": {u.Username},
		"traits.name.first": {u.First}, "traits.name.last": {u.Last},
	}, nil)
}

// Register opens the registration page of the UI at uiURL and registers u.
func (b *PageBrowser) Register(uiURL string, u User) (*url.URL, int, string) {
	b.t.Helper()
	_, _, page := b.Get(uiURL + "/registration")
	return b.SubmitRegistration(page, u)
}

// SubmitLogin fills in the sign-in form on page with u's email and
// password and submits it.
func (b *PageBrowser) SubmitLogin(page string, u User) (*url.URL, int, string) {
	b.t.Helper()
	action, csrf, ok := Form(page)
	if !ok {
		b.t.Fatalf("sign-in page without a form:\n%s", page)
	}
	return b.Post(action, url.Values{
		"csrf_token": {csrf}, "method": {"password"}, "identifier": {u.Email}, "password": {u.Password},
	}, nil)
}

// SignIn opens start, which must lead to WorkID's sign-in page (the UI's
// /login, or a service's authorization URL), and signs in as u. It
// returns where the browser ended: a WorkID page, or the callback with a
// code or an error.
func (b *PageBrowser) SignIn(start string, u User) (*url.URL, int, string) {
	b.t.Helper()
	final, status, page := b.Get(start)
	if final.Path != "/login" {
		b.t.Fatalf("GET %s went to %s (%d), want WorkID's sign-in page", start, final, status)
	}
	return b.SubmitLogin(page, u)
}
