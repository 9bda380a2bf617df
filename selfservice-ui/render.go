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
	"github.com/workid/workid/internal/locale"
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
	// Chrome are the header's and footer's words in the page's language.
	Chrome *chrome
	// Back is where the language switch returns when the page is not
	// its own address's: the answer to a post (a refused change, a
	// failure), whose address a GET would not show again.
	Back string
	// tx are the page's texts, in the request's language.
	tx *locale.Texts
}

// chrome are the words every page's header and footer say, the same for
// every page in a language: made once per language (newChrome), so a page
// does not look each up again.
type chrome struct {
	Skip, Home, AccountNav, Dashboard, Profile, SignOut string
	Tagline, AboutNav, Help, Terms, Privacy, Language   string
	// Langs are the switch's buttons, the page's language marked.
	Langs []langButton
	// The layout's header (signed out, and signed in by the navigation's
	// current entry) and footer in this language, rendered once
	// (renderChrome): they were a fifth of the dashboard's template work,
	// and are the same on every page.
	signedOut template.HTML
	signedIn  map[string]template.HTML
	footer    template.HTML
}

// headerNavs are the navigation's entries a page can mark as current.
var headerNavs = []string{"", "dashboard", "settings"}

// renderChrome renders c's header, in each of its forms, and its footer
// for a page that answers a GET (Back "") from the layout in tpl.
func renderChrome(c *chrome, tpl *template.Template, b *brand.Brand) error {
	exec := func(name string, p page) (template.HTML, error) {
		var buf bytes.Buffer
		if err := tpl.ExecuteTemplate(&buf, name, p); err != nil {
			return "", fmt.Errorf("render the %s: %w", name, err)
		}
		return template.HTML(buf.String()), nil //nolint:gosec // the layout's own output, escaped by html/template
	}
	var err error
	if c.signedOut, err = exec("header", page{Brand: b, Chrome: c}); err != nil {
		return err
	}
	c.signedIn = map[string]template.HTML{}
	for _, nav := range headerNavs {
		if c.signedIn[nav], err = exec("header", page{Brand: b, Chrome: c, Nav: nav, User: &identity{}}); err != nil {
			return err
		}
	}
	c.footer, err = exec("footer", page{Brand: b, Chrome: c})
	return err
}

// Header is the layout's header for the page, as renderChrome made it.
func (p page) Header() template.HTML {
	switch {
	case p.Chrome == nil:
		return ""
	case p.User == nil:
		return p.Chrome.signedOut
	}
	if h, ok := p.Chrome.signedIn[p.Nav]; ok {
		return h
	}
	return p.Chrome.signedIn[""]
}

// Footer is the layout's footer for a page whose switch returns to its
// own address (Back ""), as renderChrome made it.
func (p page) Footer() template.HTML {
	if p.Chrome == nil {
		return ""
	}
	return p.Chrome.footer
}

type langButton struct {
	Code, Name string
	Current    bool
}

func newChrome(tx *locale.Texts) *chrome {
	c := &chrome{
		Skip: tx.T("layout.skip"), Home: tx.T("layout.home"), AccountNav: tx.T("layout.account_nav"),
		Dashboard: tx.T("layout.dashboard"), Profile: tx.T("layout.profile"), SignOut: tx.T("layout.sign_out"),
		Tagline: tx.T("layout.tagline"), AboutNav: tx.T("layout.about_nav"), Help: tx.T("layout.help"),
		Terms: tx.T("layout.terms"), Privacy: tx.T("layout.privacy"), Language: tx.T("layout.language"),
	}
	for _, l := range locale.Langs {
		c.Langs = append(c.Langs, langButton{Code: l.Code, Name: l.Name, Current: l.Code == tx.Lang().Code})
	}
	return c
}

// T is the text id in the page's language, with the named values of kv.
func (p page) T(id string, kv ...any) string { return p.tx.T(id, kv...) }

// HTML is the "_html" text id, its values escaped.
func (p page) HTML(id string, kv ...any) template.HTML { return p.tx.HTML(id, kv...) }

// N is the plural text id for count.
func (p page) N(id string, count int, kv ...any) string { return p.tx.N(id, count, kv...) }

// Number writes n in the page's language's format.
func (p page) Number(n int) string { return p.tx.Number(n) }

// Date writes a day in the page's language.
func (p page) Date(t time.Time) string { return p.tx.Date(t) }

// Day writes a YYYY-MM-DD day in the page's language.
func (p page) Day(iso string) string { return p.tx.Day(iso) }

// Lang is the page's language.
func (p page) Lang() locale.Lang { return p.tx.Lang() }

// render executes a page into a buffer and writes it only when the whole
// page rendered, so a template error never sends half a page. It reports
// whether the page was sent (a failure answers 500 itself).
func (s *Server) render(w http.ResponseWriter, r *http.Request, status int, name string, data any) bool {
	var buf bytes.Buffer
	if err := s.tpl[name].ExecuteTemplate(&buf, "layout", data); err != nil {
		s.log.ErrorContext(r.Context(), "render page", "page", name, "err", err)
		http.Error(w, s.tr(r).T("error.render"), http.StatusInternalServerError)
		return false
	}
	clearNotice(w, r)
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	// The language follows the switch's cookie and Accept-Language (the
	// static files and the brand's do not).
	w.Header().Set("Content-Language", s.tr(r).Lang().Code)
	w.Header().Add("Vary", "Accept-Language, Cookie")
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

// fail renders the error page with status, its heading and text given by
// their ids; cause is logged.
func (s *Server) fail(w http.ResponseWriter, r *http.Request, status int, heading, text, retry string, cause error) {
	tx := s.tr(r)
	s.failText(w, r, status, tx.T(heading), tx.T(text), retry, cause)
}

// failText is fail with a heading and text already in the page's language.
func (s *Server) failText(w http.ResponseWriter, r *http.Request, status int, heading, text, retry string, cause error) {
	ref := w.Header().Get("X-Request-Id")
	if cause != nil {
		s.log.ErrorContext(r.Context(), "page failed", "path", r.URL.Path, "status", status, "err", cause)
	}
	s.render(w, r, status, "error", errorPage{
		Page:    s.page(r, s.tr(r).T("error.title"), "narrow"),
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
	s.fail(w, r, http.StatusServiceUnavailable, "error.unavailable_heading", "error.unavailable_text", retry, cause)
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
	s.fail(w, r, http.StatusNotFound, "error.not_found_heading", "error.not_found_text", "", nil)
}
