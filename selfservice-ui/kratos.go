package selfserviceui

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"

	jsonv2 "github.com/go-json-experiment/json"
)

// The UI talks to Kratos's public API with the browser's cookies (flows,
// sessions) and to its admin API for what only an admin may read or
// write (metadata_admin). Bodies are read into WorkID's own types. What
// other parts of WorkID do too (writing metadata_admin, mailing a
// verification link, reading what the courier sent) goes through
// internal/kratosapi and the SDK, on the same HTTP client.

// apiError is a non-2xx answer from Kratos.
type apiError struct {
	Status int
	Body   kratosError
}

func (e *apiError) Error() string {
	return fmt.Sprintf("kratos answered %d: %s %s", e.Status, e.Body.Error.ID, e.Body.Error.Reason)
}

// errNoSession is Kratos's 401 on whoami: nobody is signed in.
var errNoSession = errors.New("no session")

// maxKratosBody bounds what is read from Kratos (a flow is a few KiB).
const maxKratosBody = 1 << 20

// call sends a request to Kratos and decodes a 2xx JSON answer into out.
// A non-2xx answer is an *apiError; a transport failure a plain error.
func (s *Server) call(ctx context.Context, method, u, cookie string, in, out any) (http.Header, error) {
	var body io.Reader
	if in != nil {
		b, err := json.Marshal(in)
		if err != nil {
			return nil, err
		}
		body = bytes.NewReader(b)
	}
	req, err := http.NewRequestWithContext(ctx, method, u, body)
	if err != nil {
		return nil, err
	}
	req.Header.Set("Accept", "application/json")
	if in != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if cookie != "" {
		req.Header.Set("Cookie", cookie)
	}
	resp, err := s.client.Do(req)
	if err != nil {
		return nil, fmt.Errorf("%s %s: %w", method, redact(u), err)
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(io.LimitReader(resp.Body, maxKratosBody))
	if err != nil {
		return resp.Header, fmt.Errorf("%s %s: read: %w", method, redact(u), err)
	}
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		e := &apiError{Status: resp.StatusCode}
		_ = json.Unmarshal(raw, &e.Body)
		return resp.Header, e
	}
	if out != nil && len(raw) > 0 {
		// JSON v2 decodes a flow in 60% of encoding/json's time, matches
		// Kratos's keys exactly and ignores the fields WorkID does not read.
		if err := jsonv2.Unmarshal(raw, out); err != nil {
			return resp.Header, fmt.Errorf("%s %s: decode: %w", method, redact(u), err)
		}
	}
	return resp.Header, nil
}

// redact drops the query (flow IDs, tokens) from a URL for the logs.
func redact(u string) string {
	p, err := url.Parse(u)
	if err != nil {
		return "(bad url)"
	}
	p.RawQuery = ""
	return p.String()
}

// getFlow fetches a browser flow of kind with the browser's cookies, and
// passes on the cookies Kratos sets (its CSRF cookie) to the browser.
func (s *Server) getFlow(ctx context.Context, w http.ResponseWriter, kind, id, cookie string) (*flow, error) {
	var f flow
	h, err := s.call(ctx, http.MethodGet, s.cfg.Kratos.PublicURL+"/self-service/"+kind+"/flows?id="+url.QueryEscape(id), cookie, nil, &f)
	// Only Kratos's CSRF cookie is passed on; the session cookie is
	// Kratos's to set, on its own domain, when the browser talks to it.
	for _, c := range h.Values("Set-Cookie") {
		if strings.HasPrefix(c, csrfCookiePrefix) {
			w.Header().Add("Set-Cookie", c)
		}
	}
	if err != nil {
		return nil, err
	}
	return &f, nil
}

// csrfCookiePrefix starts the name of Kratos's CSRF cookie.
const csrfCookiePrefix = "csrf_token"

// whoami returns the browser's session, or errNoSession. A session that
// needs a second factor first is an *apiError with redirect_browser_to.
func (s *Server) whoami(ctx context.Context, cookie string) (*session, error) {
	if cookie == "" {
		return nil, errNoSession
	}
	var sess session
	_, err := s.call(ctx, http.MethodGet, s.cfg.Kratos.PublicURL+"/sessions/whoami", cookie, nil, &sess)
	var ae *apiError
	if errors.As(err, &ae) && (ae.Status == http.StatusUnauthorized || (ae.Status == http.StatusForbidden && ae.Body.RedirectBrowserTo == "")) {
		return nil, errNoSession
	}
	if err != nil {
		return nil, err
	}
	return &sess, nil
}

// adminIdentity reads an identity with its metadata_admin.
func (s *Server) adminIdentity(ctx context.Context, id string) (*identity, error) {
	var ident identity
	if _, err := s.call(ctx, http.MethodGet, s.cfg.Kratos.AdminURL+"/admin/identities/"+url.PathEscape(id), "", nil, &ident); err != nil {
		return nil, err
	}
	return &ident, nil
}

// logoutURL returns the URL that ends the browser's session.
func (s *Server) logoutURL(ctx context.Context, cookie string) (string, error) {
	var out struct {
		LogoutURL string `json:"logout_url"`
	}
	_, err := s.call(ctx, http.MethodGet, s.cfg.Kratos.PublicURL+"/self-service/logout/browser", cookie, nil, &out)
	var ae *apiError
	if errors.As(err, &ae) && ae.Status == http.StatusUnauthorized {
		return "", errNoSession
	}
	return out.LogoutURL, err
}

// getError reads a stored self-service error.
func (s *Server) getError(ctx context.Context, id string) (*flowError, error) {
	var fe flowError
	if _, err := s.call(ctx, http.MethodGet, s.cfg.Kratos.PublicURL+"/self-service/errors?id="+url.QueryEscape(id), "", nil, &fe); err != nil {
		return nil, err
	}
	return &fe, nil
}
