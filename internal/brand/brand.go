// Package brand reads the brand file that puts a company's own name,
// logo, colours and contacts on its WorkID portal: pages and mails alike.
// A brand is checked whole when it loads, and every problem is reported
// at once, with the contrast ratio for colours that would make text
// unreadable (WCAG 2.1 AA).
package brand

import (
	"bytes"
	"encoding/json"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"math"
	"net/mail"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Brand is what a deployment calls itself and how it looks.
type Brand struct {
	// ProductName replaces "WorkID" wherever a user reads it.
	ProductName string `json:"product_name"`
	// Logo is an SVG or PNG file, relative to the brand file, and the
	// text that stands for it. Without one, the pages show the product
	// name's first letter.
	Logo *Logo `json:"logo,omitempty"`
	// Primary colours buttons, links and the letter mark; Accent marks
	// focus and the current tab. Both are #rrggbb.
	Primary *Color `json:"primary_color"`
	Accent  *Color `json:"accent_color"`
	// Support is where users get help: an email address or an https URL.
	Support string `json:"support"`
	// TermsURL and PrivacyURL are linked from every page's footer.
	TermsURL   string `json:"terms_url,omitempty"`
	PrivacyURL string `json:"privacy_url,omitempty"`
	// MailFromName is the display name of the mail sender; empty means
	// the product name.
	MailFromName string `json:"mail_from_name,omitempty"`
}

// Logo is the brand's image.
type Logo struct {
	File string `json:"file"`
	Alt  string `json:"alt"`
	// Data and Type are the file's bytes and media type, read at Load.
	Data []byte `json:"-"`
	Type string `json:"-"`
}

// MaxLogoBytes bounds the logo file: it is served with every page.
const MaxLogoBytes = 256 << 10

// Pages' text and background colours the brand colours must stand
// against (selfservice-ui/static/style.css).
var (
	white    = Color{0xff, 0xff, 0xff}
	pageBack = Color{0xf5, 0xf7, 0xfb}
)

// Load reads and checks the brand file at path.
func Load(path string) (*Brand, error) {
	raw, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("brand file: %w", err)
	}
	var b Brand
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&b); err != nil {
		return nil, fmt.Errorf("brand file %s: %w", path, err)
	}
	if _, err := dec.Token(); err != io.EOF {
		return nil, fmt.Errorf("brand file %s: text after the brand object", path)
	}
	if err := b.check(filepath.Dir(path)); err != nil {
		return nil, fmt.Errorf("brand file %s:\n%w", path, err)
	}
	return &b, nil
}

// SenderName is the display name mails go out under.
func (b *Brand) SenderName() string {
	if b.MailFromName != "" {
		return b.MailFromName
	}
	return b.ProductName
}

// SupportLink is Support as a link: mailto: for an address.
func (b *Brand) SupportLink() string {
	if strings.Contains(b.Support, "@") && !strings.Contains(b.Support, "://") {
		return "mailto:" + b.Support
	}
	return b.Support
}

func (b *Brand) check(dir string) error {
	var errs []error
	bad := func(field, format string, args ...any) {
		errs = append(errs, fmt.Errorf("  %s: %s", field, fmt.Sprintf(format, args...)))
	}
	checkText := func(field, s string, limit int, required bool) {
		switch {
		case s == "" && required:
			bad(field, "missing")
		case !utf8.ValidString(s) || strings.ContainsFunc(s, unicode.IsControl):
			bad(field, "holds control characters or invalid UTF-8")
		case utf8.RuneCountInString(s) > limit:
			bad(field, "longer than %d characters", limit)
		case s != strings.TrimSpace(s):
			bad(field, "starts or ends with spaces")
		}
	}
	checkText("product_name", b.ProductName, 60, true)
	checkText("mail_from_name", b.MailFromName, 60, false)

	if b.Logo != nil {
		checkText("logo.alt", b.Logo.Alt, 120, true)
		if err := b.Logo.read(dir); err != nil {
			bad("logo.file", "%v", err)
		}
	}

	if b.Primary == nil {
		bad("primary_color", "missing (a colour as #rrggbb)")
	} else {
		// White text on primary buttons, primary links on the pages.
		if r := Contrast(*b.Primary, white); r < 4.5 {
			bad("primary_color", "white button text on %s has a contrast of %.2f:1, WCAG AA needs 4.5:1; choose a darker colour", b.Primary, r)
		}
		if r := Contrast(*b.Primary, pageBack); r < 4.5 {
			bad("primary_color", "links in %s on the page background %s have a contrast of %.2f:1, WCAG AA needs 4.5:1; choose a darker colour", b.Primary, pageBack, r)
		}
	}
	if b.Accent == nil {
		bad("accent_color", "missing (a colour as #rrggbb)")
	} else if r := Contrast(*b.Accent, white); r < 3 {
		// Focus rings and the current tab's bar: non-text, 3:1.
		bad("accent_color", "%s against white has a contrast of %.2f:1, WCAG AA needs 3:1 for focus marks; choose a darker colour", b.Accent, r)
	}

	switch s := b.Support; {
	case s == "":
		bad("support", "missing (an email address or an https URL)")
	case strings.Contains(s, "://"):
		if err := checkURL(s); err != nil {
			bad("support", "%v", err)
		}
	default:
		if a, err := mail.ParseAddress(s); err != nil || a.Address != s || a.Name != "" {
			bad("support", "%q is neither an email address nor an https URL", s)
		}
	}
	for _, link := range []struct{ field, url string }{{"terms_url", b.TermsURL}, {"privacy_url", b.PrivacyURL}} {
		if link.url == "" {
			continue
		}
		if err := checkURL(link.url); err != nil {
			bad(link.field, "%v", err)
		}
	}
	return errors.Join(errs...)
}

// checkURL accepts absolute https URLs (and http ones on loopback, for
// make run).
func checkURL(s string) error {
	u, err := url.Parse(s)
	if err != nil || u.Host == "" || u.User != nil {
		return fmt.Errorf("%q is not an absolute URL", s)
	}
	switch u.Scheme {
	case "https":
		return nil
	case "http":
		if h := u.Hostname(); h == "localhost" || strings.HasPrefix(h, "127.") {
			return nil
		}
	}
	return fmt.Errorf("%q must be https", s)
}

func (l *Logo) read(dir string) error {
	if l.File == "" {
		return errors.New("missing (an .svg or .png file, relative to the brand file)")
	}
	path := l.File
	if !filepath.IsAbs(path) {
		path = filepath.Join(dir, path)
	}
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, MaxLogoBytes+1))
	if err != nil {
		return err
	}
	if len(data) > MaxLogoBytes {
		return fmt.Errorf("%s is larger than %d KB", l.File, MaxLogoBytes>>10)
	}
	switch strings.ToLower(filepath.Ext(path)) {
	case ".png":
		if !bytes.HasPrefix(data, []byte("\x89PNG\r\n\x1a\n")) {
			return fmt.Errorf("%s is not a PNG image", l.File)
		}
		l.Type = "image/png"
	case ".svg":
		if err := checkSVG(data); err != nil {
			return fmt.Errorf("%s: %w", l.File, err)
		}
		l.Type = "image/svg+xml"
	default:
		return fmt.Errorf("%s: a logo is an .svg or a .png file", l.File)
	}
	l.Data = data
	return nil
}

// checkSVG accepts an SVG document without scripts, event handlers or
// references to other files: the logo is served from the portal's own
// origin, where a script would run with the user's session.
func checkSVG(data []byte) error {
	dec := xml.NewDecoder(bytes.NewReader(data))
	root := true
	for {
		tok, err := dec.Token()
		if err == io.EOF {
			if root {
				return errors.New("not an SVG image")
			}
			return nil
		}
		if err != nil {
			return fmt.Errorf("not an SVG image: %w", err)
		}
		switch t := tok.(type) {
		case xml.StartElement:
			if root && t.Name.Local != "svg" {
				return errors.New("not an SVG image (its root element is not <svg>)")
			}
			root = false
			switch strings.ToLower(t.Name.Local) {
			case "script", "foreignobject", "iframe", "embed", "object":
				return fmt.Errorf("holds a <%s> element", t.Name.Local)
			}
			for _, a := range t.Attr {
				name := strings.ToLower(a.Name.Local)
				if strings.HasPrefix(name, "on") {
					return fmt.Errorf("holds an event handler (%s)", a.Name.Local)
				}
				if name == "href" && !strings.HasPrefix(strings.TrimSpace(a.Value), "#") {
					return fmt.Errorf("refers to another file (%s=%q)", a.Name.Local, a.Value)
				}
			}
		case xml.Directive:
			return errors.New("holds a DOCTYPE or entity declaration")
		}
	}
}

// Color is an sRGB colour, written #rrggbb.
type Color [3]uint8

func (c Color) String() string { return fmt.Sprintf("#%02x%02x%02x", c[0], c[1], c[2]) }

// MarshalText writes #rrggbb.
func (c Color) MarshalText() ([]byte, error) { return []byte(c.String()), nil }

// UnmarshalText reads #rrggbb.
func (c *Color) UnmarshalText(b []byte) error {
	s := string(b)
	if len(s) != 7 || s[0] != '#' {
		return fmt.Errorf("colour %q: write it as #rrggbb", s)
	}
	n, err := strconv.ParseUint(s[1:], 16, 32)
	if err != nil {
		return fmt.Errorf("colour %q: write it as #rrggbb", s)
	}
	*c = Color{uint8(n >> 16), uint8(n >> 8), uint8(n)}
	return nil
}

// Contrast is the WCAG 2.1 contrast ratio of two colours, 1 to 21.
func Contrast(a, b Color) float64 {
	la, lb := a.luminance(), b.luminance()
	if la < lb {
		la, lb = lb, la
	}
	return (la + 0.05) / (lb + 0.05)
}

func (c Color) luminance() float64 {
	var l [3]float64
	for i, v := range c {
		s := float64(v) / 255
		if s <= 0.04045 {
			l[i] = s / 12.92
		} else {
			l[i] = math.Pow((s+0.055)/1.055, 2.4)
		}
	}
	return 0.2126*l[0] + 0.7152*l[1] + 0.0722*l[2]
}
