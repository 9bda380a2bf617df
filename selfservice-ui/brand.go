package selfserviceui

import (
	"bytes"
	"fmt"
	"net/http"

	"github.com/workid/workid/internal/brand"
)

// brandCSS is the brand's colours as custom properties over the embedded
// stylesheet's, served as /brand/style.css after it.
func brandCSS(b *brand.Brand) []byte {
	p := *b.Primary
	dark := brand.Color{uint8(int(p[0]) * 4 / 5), uint8(int(p[1]) * 4 / 5), uint8(int(p[2]) * 4 / 5)} // hover: a fifth darker
	return fmt.Appendf(nil, ":root { --brand: %s; --brand-dark: %s; --accent: %s; }\n", p, dark, b.Accent)
}

// brandStyle serves brandCSS.
func (s *Server) brandStyle(w http.ResponseWriter, r *http.Request) {
	s.serveBrandFile(w, r, "text/css; charset=utf-8", s.brandCSS)
}

// brandLogo serves the brand's logo, or a 404 page when it has none. An
// SVG is served under a policy that runs nothing, whatever it holds (the
// brand file's check already refuses scripts).
func (s *Server) brandLogo(w http.ResponseWriter, r *http.Request) {
	if s.brand.Logo == nil {
		s.notFound(w, r)
		return
	}
	w.Header().Set("Content-Security-Policy", "default-src 'none'; style-src 'unsafe-inline'; sandbox")
	s.serveBrandFile(w, r, s.brand.Logo.Type, s.brand.Logo.Data)
}

// serveBrandFile answers with data as the static files are answered
// (HEAD, Content-Length, If-Modified-Since from the time the brand was
// loaded); the security headers come from the pages' middleware.
func (s *Server) serveBrandFile(w http.ResponseWriter, r *http.Request, contentType string, data []byte) {
	w.Header().Set("Content-Type", contentType)
	w.Header().Set("Cache-Control", "public, max-age=3600")
	http.ServeContent(w, r, "", s.brandLoaded, bytes.NewReader(data))
}
