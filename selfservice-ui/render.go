package selfserviceui

import (
	"bytes"
	"embed"
	"fmt"
	"html/template"
	"io/fs"
	"net/http"
	"path"
	"strconv"
	"strings"
	"time"

	"github.com/workid/workid/internal/brand"
)

//go:embed templates/*.html
var templateFS embed.FS

//go:embed static
var staticFS embed.FS

// pages are the templates, each with the layout; parsing them all at start
// means a missing or broken page stops the server before it serves.
var pageNames = []string{"flow", "dashboard", "settings", "error", "consent", "confirm", "company"}

// templates holds one parsed template set per page.
type templates map[string]*template.Template

func parseTemplates() (templates, error) {
	funcs := template.FuncMap{
		"date": func(t time.Time) string { return t.Format("2 January 2006") },
		"day":  day,
		// initial is a name's first letter, for the letter mark.
		"initial": func(s string) string {
			for _, r := range s {
				return string(r)
			}
			return ""
		},
	}
	t := templates{}
	for _, name := range pageNames {
		tpl, err := template.New(name).Funcs(funcs).ParseFS(templateFS, "templates/layout.html", "templates/"+name+".html")
		if err != nil {
			return nil, fmt.Errorf("parse template %s: %w", name, err)
		}
		if tpl.Lookup("content") == nil {
			return nil, fmt.Errorf("template %s defines no content", name)
		}
		t[name] = tpl
	}
	return t, nil
}

// page is what every page's data carries for the layout.
type page struct {
	Title string
	// Nav marks the current navigation entry ("dashboard", "settings").
	Nav string
	// Width is the main column's class: narrow for forms, wide for the rest.
	Width string
	// Brand names the product and its contacts in the header and footer.
	Brand *brand.Brand
	// User is set when someone is signed in (the navigation shows).
	User *identity
	// Notice is a one-time message carried across a redirect.
	Notice *Message
	// Nonce is the Content-Security-Policy nonce of this response.
	Nonce string
	// Errors marks a page that shows errors (its title says so first, for
	// screen readers).
	Errors bool
}

// render executes a page into a buffer and writes it only when the whole
// page rendered, so a template error never sends half a page. It reports
// whether the page was sent (a failure answers 500 itself).
func (s *Server) render(w http.ResponseWriter, r *http.Request, status int, name string, data any) bool {
	var buf bytes.Buffer
	if err := s.tpl[name].ExecuteTemplate(&buf, "layout", data); err != nil {
		s.log.ErrorContext(r.Context(), "render page", "page", name, "err", err)
		http.Error(w, "Something went wrong on our side. Please try again.", http.StatusInternalServerError)
		return false
	}
	clearNotice(w, r)
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Content-Length", strconv.Itoa(buf.Len()))
	w.WriteHeader(status)
	_, _ = buf.WriteTo(w)
	return true
}

// errorPage is the one page every failure ends on: a short, safe text and
// a way on. The cause goes to the log, never to the page.
type errorPage struct {
	Page          page
	Heading, Text string
	// Retry is where "Try again" leads; "" for no button.
	Retry string
	// Reference is an ID support staff can find in the logs.
	Reference string
	// Confirm, when set, is where a button posts (ConfirmLabel) instead
	// of the retry link.
	Confirm, ConfirmLabel string
}

// fail renders the error page with status; cause is logged.
func (s *Server) fail(w http.ResponseWriter, r *http.Request, status int, heading, text, retry string, cause error) {
	ref := w.Header().Get("X-Request-Id")
	if cause != nil {
		s.log.ErrorContext(r.Context(), "page failed", "path", r.URL.Path, "status", status, "err", cause)
	}
	s.render(w, r, status, "error", errorPage{
		Page:    s.page(r, "Something went wrong", "narrow"),
		Heading: heading, Text: text, Retry: retry, Reference: ref,
	})
}

// unavailable is the page for a Kratos (or Hydra) that is down or slow.
// "Try again" repeats a page; after a failed post it leads to the dashboard.
func (s *Server) unavailable(w http.ResponseWriter, r *http.Request, cause error) {
	s.metrics.unavailable.Inc()
	retry := r.URL.RequestURI()
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		retry = "/"
	}
	s.fail(w, r, http.StatusServiceUnavailable, "We are having trouble right now",
		"Our sign-in service is not answering. Please try again in a minute; nothing you entered was lost.",
		retry, cause)
}

func staticFiles(notFound http.HandlerFunc) http.Handler {
	sub, err := fs.Sub(staticFS, "static")
	if err != nil {
		panic(err) // the embed pattern guarantees the folder
	}
	fileServer := http.FileServerFS(sub)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		// Files only: a folder would be listed.
		name := strings.TrimPrefix(path.Clean("/"+r.URL.Path), "/")
		if fi, err := fs.Stat(sub, name); err != nil || fi.IsDir() || strings.HasSuffix(r.URL.Path, "/") {
			notFound(w, r)
			return
		}
		w.Header().Set("Cache-Control", "public, max-age=3600")
		fileServer.ServeHTTP(w, r)
	})
}

// notFound is the page for an address with nothing behind it.
func (s *Server) notFound(w http.ResponseWriter, r *http.Request) {
	s.fail(w, r, http.StatusNotFound, "Page not found", "There is no page at this address.", "", nil)
}
