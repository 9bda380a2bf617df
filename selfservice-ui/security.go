package selfserviceui

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"net/http"
	"net/url"
	"regexp"
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
		h.Set("Content-Security-Policy", s.csp(nonce))
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

// csp is the pages' Content-Security-Policy for a response with nonce.
// imagesFrom are further origins a page may show images from (a connected
// service's logo, see imageOrigin).
func (s *Server) csp(nonce string, imagesFrom ...string) string {
	kratos := s.kratosOrigin
	img := strings.Join(append([]string{"'self'", "data:", kratos}, imagesFrom...), " ")
	return "default-src 'self'; script-src 'self' " + kratos + " 'nonce-" + nonce + "'; " +
		"style-src 'self'; img-src " + img + "; connect-src 'self' " + kratos + "; " +
		"frame-ancestors 'none'; base-uri 'none'; object-src 'none'"
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
