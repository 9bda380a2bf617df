package mail

import (
	"bytes"
	"crypto/hmac"
	"crypto/sha256"
	"embed"
	"encoding/base64"
	"fmt"
	"html"
	htmltemplate "html/template"
	"regexp"
	"strings"
	texttemplate "text/template"
	"time"
	"unicode/utf8"

	"github.com/workid/workid/internal/brand"
	"github.com/workid/workid/internal/locale"
)

// Kind is one of the mails WorkID sends.
type Kind string

// The kinds of mail.
const (
	// Verification: "please verify your work address", with a link.
	Verification Kind = "verification"
	// Expiry: the yearly verification ran out; a new link.
	Expiry Kind = "expiry"
	// Reminder: the verification runs out soon; a link that renews it.
	Reminder Kind = "reminder"
	// Recovery: a link to sign in and set a new password.
	Recovery Kind = "recovery"
	// EmailChanged: told to the old address after an email change.
	EmailChanged Kind = "email_changed"
)

// Kinds lists every kind, in a fixed order (for metrics and checks).
var Kinds = []Kind{Verification, Expiry, Reminder, Recovery, EmailChanged}

// Data is what a mail says besides its fixed words.
type Data struct {
	// To is the recipient.
	To string
	// Lang is the language code of the account ("de"); one WorkID does
	// not ship, or none, is English.
	Lang string
	// Link is the mail's one action: verify, recover, or (EmailChanged)
	// recover the account from the old address.
	Link string
	// ValidUntil is when a verification ends (Reminder).
	ValidUntil time.Time
	// NewAddress is the address the account moved to, masked
	// (EmailChanged); ChangedAt when.
	NewAddress string
	ChangedAt  time.Time
}

//go:embed templates
var templateFS embed.FS

type kindTemplates struct {
	text *texttemplate.Template
	html *htmltemplate.Template
}

// Templates are the parsed mails of every kind, with the brand they go
// out under and every language's texts.
type Templates struct {
	kinds map[Kind]kindTemplates
	texts *locale.Catalog
	brand *brand.Brand
	// logoURL is the brand's logo as mail programs fetch it: a PNG on the
	// UI (mail programs show no SVG), or "" for the name alone.
	logoURL string
}

// LoadTemplates parses every kind's templates for brand b, whose logo the
// UI at uiURL serves: a kind whose subject, text or HTML part is missing or
// broken stops the server before it serves.
func LoadTemplates(b *brand.Brand, uiURL string) (*Templates, error) {
	texts, err := locale.Load("Product", b.ProductName)
	if err != nil {
		return nil, err
	}
	t := &Templates{kinds: map[Kind]kindTemplates{}, texts: texts, brand: b}
	if b.Logo != nil && b.Logo.Type == "image/png" {
		t.logoURL = strings.TrimSuffix(uiURL, "/") + "/brand/logo"
	}
	funcs := map[string]any{"action": action, "wrap": wrap}
	for _, k := range Kinds {
		text, err := texttemplate.New(string(k)+".txt").Funcs(funcs).ParseFS(templateFS, "templates/"+string(k)+".txt")
		if err != nil {
			return nil, fmt.Errorf("parse mail %s: %w", k, err)
		}
		if text.Lookup("subject") == nil {
			return nil, fmt.Errorf("mail %s defines no subject", k)
		}
		html, err := htmltemplate.New("layout.html").Funcs(funcs).ParseFS(templateFS, "templates/layout.html", "templates/"+string(k)+".html")
		if err != nil {
			return nil, fmt.Errorf("parse mail %s: %w", k, err)
		}
		if html.Lookup("body") == nil {
			return nil, fmt.Errorf("mail %s defines no HTML body", k)
		}
		t.kinds[k] = kindTemplates{text: text, html: html}
	}
	return t, nil
}

// Brand is the brand the mails go out under.
func (t *Templates) Brand() *brand.Brand { return t.brand }

// Compose writes a mail of kind k to d.To, in d.Lang.
func (t *Templates) Compose(k Kind, d Data) (Message, error) {
	kt, ok := t.kinds[k]
	if !ok {
		return Message{}, fmt.Errorf("no mail of kind %q", k)
	}
	v := view{Data: d, tx: t.texts.Texts(d.Lang), b: t.brand, LogoURL: t.logoURL}
	var subject, text, html bytes.Buffer
	if err := kt.text.ExecuteTemplate(&subject, "subject", v); err != nil {
		return Message{}, fmt.Errorf("mail %s subject: %w", k, err)
	}
	if err := kt.text.Execute(&text, v); err != nil {
		return Message{}, fmt.Errorf("mail %s text: %w", k, err)
	}
	if err := kt.html.Execute(&html, v); err != nil {
		return Message{}, fmt.Errorf("mail %s HTML: %w", k, err)
	}
	return Message{
		To:      d.To,
		Subject: strings.Join(strings.Fields(subject.String()), " "),
		Text:    strings.TrimSpace(text.String()) + "\n",
		HTML:    html.String(),
	}, nil
}

// view is what a mail's templates see: the data, and its texts in the
// account's language with the brand's name, contact and colour.
type view struct {
	Data
	LogoURL string
	tx      *locale.Texts
	b       *brand.Brand
}

// values are the named values every mail text may print.
func (v view) values(kv []any) []any {
	return append([]any{"To", v.To, "NewAddress", v.NewAddress, "ValidUntil", v.tx.Date(v.ValidUntil),
		"ChangedAt", v.tx.DateTime(v.ChangedAt), "Support", v.b.Support, "SupportLink", v.b.SupportLink()}, kv...)
}

// T is the text id in the mail's language.
func (v view) T(id string, kv ...any) string { return v.tx.T(id, v.values(kv)...) }

// HTML is the "_html" text id, its values escaped.
func (v view) HTML(id string, kv ...any) htmltemplate.HTML { return v.tx.HTML(id, v.values(kv)...) }

// Plain is the "_html" text id for the plain-text part: its markup
// dropped, a link written as its text.
func (v view) Plain(id string, kv ...any) string {
	return html.UnescapeString(markup.ReplaceAllString(string(v.HTML(id, kv...)), ""))
}

// Lang is the mail's language code.
func (v view) Lang() string { return v.tx.Lang().Code }

// Product, Support and Primary are the brand's name, help contact and
// button colour.
func (v view) Product() string     { return v.b.ProductName }
func (v view) Support() string     { return v.b.Support }
func (v view) SupportLink() string { return v.b.SupportLink() }
func (v view) Primary() string     { return v.b.Primary.String() }
func (v view) LogoAlt() string {
	if v.b.Logo == nil {
		return ""
	}
	return v.b.Logo.Alt
}

var markup = regexp.MustCompile(`<[^>]*>`)

// wrap breaks a paragraph of the plain-text part into lines of at most 72
// columns at its spaces (a language written without them, such as
// Japanese, keeps its lines).
func wrap(s string) string {
	var b strings.Builder
	col := 0
	for i, w := range strings.Fields(s) {
		n := utf8.RuneCountInString(w)
		switch {
		case i == 0:
		case col+1+n > 72:
			b.WriteByte('\n')
			col = 0
		default:
			b.WriteByte(' ')
			col++
		}
		b.WriteString(w)
		col += n
	}
	return b.String()
}

// action is a button's data: where it leads, what it says, in the
// brand's colour (white on it passes WCAG AA, internal/brand checks), and
// the line under it that gives the address for mail programs that show
// no buttons.
func action(v view, link, label string) struct{ Link, Label, Color, OrOpen string } {
	return struct{ Link, Label, Color, OrOpen string }{link, label, v.Primary(), v.T("mail.or_open")}
}

// Mask shows enough of an address for its owner to recognise it and not
// enough to hand it to someone else: n***@newco.com.
func Mask(address string) string {
	at := strings.LastIndex(address, "@")
	if at < 1 {
		return "***"
	}
	first := []rune(address[:at])[0]
	return string(first) + "***" + address[at:]
}

// LinkSignature authenticates what a mailed link carries besides Kratos's
// token: the identity the page names and when the link was sent. The
// hooks server signs, the UI checks, with the key both share
// (WORKID_LINK_KEY): a link made up with someone else's identity names
// nobody, and costs the UI no read of it. page is the link's path
// ("/verify").
func LinkSignature(key []byte, page, flow, token, identity, sent string) string {
	return sign(key, page, flow, token, identity, sent)
}

// LinkSigned reports whether sig is the signature of the link's parts.
func LinkSigned(key []byte, sig, page, flow, token, identity, sent string) bool {
	return len(key) > 0 && hmac.Equal([]byte(sig), []byte(LinkSignature(key, page, flow, token, identity, sent)))
}

// AddressSignature binds a link's signature sig to the address it was
// mailed to, which the link does not carry: the UI names the address on
// the link's page only while the identity still has it, so an old link
// opened from the old mailbox after an email change does not show the
// new address.
func AddressSignature(key []byte, sig, to string) string {
	return sign(key, "address", sig, strings.ToLower(strings.TrimSpace(to)))
}

// AddressSigned reports whether asig binds sig to the address to.
func AddressSigned(key []byte, asig, sig, to string) bool {
	return len(key) > 0 && hmac.Equal([]byte(asig), []byte(AddressSignature(key, sig, to)))
}

// sign is the HMAC-SHA256 of parts, each ended by a NUL, cut to 18 bytes.
func sign(key []byte, parts ...string) string {
	m := hmac.New(sha256.New, key)
	for _, part := range parts {
		m.Write([]byte(part))
		m.Write([]byte{0})
	}
	return base64.RawURLEncoding.EncodeToString(m.Sum(nil)[:18])
}
