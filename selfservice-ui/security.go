package selfserviceui

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strings"
)

type nonceKey struct{}

// nonceFrom returns the CSP nonce of the request's response.
func nonceFrom(ctx context.Context) string {
	n, _ := ctx.Value(nonceKey{}).(string)
	return n
}

// secure sets the security headers on every response: a Content-Security-
// Policy without unsafe-inline (scripts only from here and Kratos, and the
// nonce Kratos's WebAuthn script node is rendered with), no framing, no
// referrer beyond this site, no sniffing, and no caching of pages that
// hold flows, CSRF tokens or personal data.
func (s *Server) secure(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var b [16]byte
		_, _ = rand.Read(b[:])
		nonce := base64.RawStdEncoding.EncodeToString(b[:])
		h := w.Header()
		h.Set("Content-Security-Policy", s.csp(nonce, pageSources{}))
		h.Set("X-Frame-Options", "DENY")
		h.Set("Referrer-Policy", "same-origin")
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("Cross-Origin-Opener-Policy", "same-origin")
		if r.URL.Path != "/static/style.css" && r.URL.Path != "/static/triggers.js" {
			h.Set("Cache-Control", "no-store")
		}
		next.ServeHTTP(w, r.WithContext(context.WithValue(r.Context(), nonceKey{}, nonce)))
	})
}

// pageSources are what one page adds to the policy: a connected service's
// places, which no policy for every page can know.
type pageSources struct {
	// images: the service's logo (imageOrigin).
	images []string
	// forms: where the page's form posts lead on to, through Kratos's and
	// Hydra's redirects: the service's redirect URIs (redirectSources).
	forms []string
}

// csp is the pages' Content-Security-Policy for a response with nonce.
// Forms post to WorkID and Kratos; browsers also check each redirect
// after a post (Chromium does), and a sign-in's post is redirected through
// Hydra, and on to the service when the page names it in more.
func (s *Server) csp(nonce string, more pageSources) string {
	kratos := s.kratosOrigin
	img := sourceList(append([]string{"'self'", "data:", kratos}, more.images...))
	forms := sourceList(append([]string{"'self'", kratos, s.hydraOrigin}, more.forms...))
	return "default-src 'self'; script-src 'self' " + kratos + " 'nonce-" + nonce + "'; " +
		"style-src 'self'; img-src " + img + "; connect-src 'self' " + kratos + "; " +
		"form-action " + forms + "; frame-ancestors 'none'; base-uri 'none'; object-src 'none'"
}

// sourceList writes a CSP source list, each source once (behind the edge
// Kratos and Hydra share one origin), in the order given.
func sourceList(sources []string) string {
	var list []string
	for _, src := range sources {
		if src != "" && !slices.Contains(list, src) {
			list = append(list, src)
		}
	}
	return strings.Join(list, " ")
}

// allowSources widens the response's policy for a page that shows or
// leads to a connected service.
func (s *Server) allowSources(w http.ResponseWriter, r *http.Request, more pageSources) {
	if len(more.images) > 0 || len(more.forms) > 0 {
		w.Header().Set("Content-Security-Policy", s.csp(nonceFrom(r.Context()), more))
	}
}

// origin returns scheme://host of u.
func origin(u string) string {
	p, err := url.Parse(u)
	if err != nil {
		return ""
	}
	return p.Scheme + "://" + p.Host
}

// cspHost is a host (and port) safe to write into a CSP source list: DNS
// letters, digits, dots and hyphens only.
var cspHost = regexp.MustCompile(`^[a-z0-9]([a-z0-9.-]*[a-z0-9])?(:[0-9]{1,5})?$`)

// imageOrigin returns the origin of src for the policy's img-src, for an
// image a connected service chose (its logo): otherwise the policy allows
// images only from WorkID and Kratos. Only a plain http(s) origin is
// returned; ok is false for anything else.
func imageOrigin(src string) (o string, ok bool) {
	u, err := url.Parse(src)
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") || !cspHost.MatchString(u.Host) {
		return "", false
	}
	return u.Scheme + "://" + u.Host, true
}

// appScheme is the scheme of a native app's redirect URI
// (com.example.app:/callback, RFC 8252); the browser's own schemes are no
// place a form post may lead.
var appScheme = regexp.MustCompile(`^[a-z][a-z0-9+.-]*$`)

var browserSchemes = map[string]bool{"javascript": true, "data": true, "blob": true, "filesystem": true, "about": true, "file": true, "vbscript": true, "ws": true, "wss": true}

// redirectSources returns the policy's sources for a connected service's
// redirect URIs: the ones it registered, and the one it asked for in
// requestURL's param (Hydra's authorization or logout URL), which may
// differ in its port for a loopback address. Each is an http(s) origin, as
// strict as a logo's (imageOrigin), or an app's scheme; anything else is
// left out, so the post is refused rather than the policy broken.
func redirectSources(requestURL, param string, registered []string) []string {
	uris := slices.Clone(registered)
	if u, err := url.Parse(requestURL); err == nil && u.Query().Get(param) != "" {
		uris = append(uris, u.Query().Get(param))
	}
	var out []string
	for _, raw := range uris {
		u, err := url.Parse(raw)
		if err != nil {
			continue
		}
		src, ok := imageOrigin(raw)
		if !ok && u.Scheme != "http" && u.Scheme != "https" && appScheme.MatchString(u.Scheme) && !browserSchemes[u.Scheme] {
			src, ok = u.Scheme+":", true
		}
		if ok && !slices.Contains(out, src) {
			out = append(out, src)
		}
	}
	return out
}
