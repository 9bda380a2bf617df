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
	kratos := origin(s.cfg.KratosBrowserURL)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var b [16]byte
		_, _ = rand.Read(b[:])
		nonce := base64.RawStdEncoding.EncodeToString(b[:])
		h := w.Header()
		h.Set("Content-Security-Policy", "default-src 'self'; script-src 'self' "+kratos+" 'nonce-"+nonce+"'; "+
			"style-src 'self'; img-src 'self' data: "+kratos+"; connect-src 'self' "+kratos+"; "+
			"frame-ancestors 'none'; base-uri 'none'; object-src 'none'")
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

// allowImagesFrom adds the origin of src to the response's img-src, for an
// image a connected service chose (its logo): otherwise the policy allows
// images only from WorkID and Kratos. Only a plain http(s) origin is added.
func allowImagesFrom(w http.ResponseWriter, src string) {
	u, err := url.Parse(src)
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") || !cspHost.MatchString(u.Host) {
		return
	}
	h := w.Header()
	h.Set("Content-Security-Policy", strings.Replace(h.Get("Content-Security-Policy"), "img-src ", "img-src "+u.Scheme+"://"+u.Host+" ", 1))
}
