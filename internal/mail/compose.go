package mail

import (
	"bytes"
	"crypto/hmac"
	"crypto/sha256"
	"embed"
	"encoding/base64"
	"fmt"
	htmltemplate "html/template"
	"strings"
	texttemplate "text/template"
	"time"
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

// Data is what a mail's templates may print.
type Data struct {
	// Product is the portal's name as users know it.
	Product string
	// To is the recipient.
	To string
	// Link is the mail's one action: verify, recover, or (EmailChanged)
	// recover the account from the old address.
	Link string
	// ValidUntil is when a verification ends (Reminder).
	ValidUntil time.Time
	// NewAddress is the address the account moved to, masked
	// (EmailChanged); ChangedAt when.
	NewAddress string
	ChangedAt  time.Time
	// Support is where to turn for help: an address or a URL, or "".
	Support string
}

//go:embed templates
var templateFS embed.FS

type kindTemplates struct {
	text *texttemplate.Template
	html *htmltemplate.Template
}

// Templates are the parsed texts of every kind.
type Templates map[Kind]kindTemplates

func date(t time.Time) string { return t.UTC().Format("2 January 2006") }

func dateTime(t time.Time) string { return t.UTC().Format("2 January 2006 at 15:04 UTC") }

// LoadTemplates parses every kind's texts: a kind whose subject, text or
// HTML part is missing or broken stops the server before it serves.
func LoadTemplates() (Templates, error) {
	funcs := map[string]any{"date": date, "datetime": dateTime, "mailto": mailto, "action": action}
	t := Templates{}
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
		t[k] = kindTemplates{text: text, html: html}
	}
	return t, nil
}

// Compose writes a mail of kind k to d.To.
func (t Templates) Compose(k Kind, d Data) (Message, error) {
	kt, ok := t[k]
	if !ok {
		return Message{}, fmt.Errorf("no mail of kind %q", k)
	}
	var subject, text, html bytes.Buffer
	if err := kt.text.ExecuteTemplate(&subject, "subject", d); err != nil {
		return Message{}, fmt.Errorf("mail %s subject: %w", k, err)
	}
	if err := kt.text.Execute(&text, d); err != nil {
		return Message{}, fmt.Errorf("mail %s text: %w", k, err)
	}
	if err := kt.html.Execute(&html, d); err != nil {
		return Message{}, fmt.Errorf("mail %s HTML: %w", k, err)
	}
	return Message{
		To:      d.To,
		Subject: strings.Join(strings.Fields(subject.String()), " "),
		Text:    strings.TrimSpace(text.String()) + "\n",
		HTML:    html.String(),
	}, nil
}

// action is a button's data: where it leads and what it says.
func action(link, label string) struct{ Link, Label string } {
	return struct{ Link, Label string }{link, label}
}

// mailto makes a support contact a link: an address becomes mailto:.
func mailto(contact string) string {
	if strings.Contains(contact, "@") && !strings.Contains(contact, "://") {
		return "mailto:" + contact
	}
	return contact
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
// nobody. page is the link's path ("/verify").
func LinkSignature(key []byte, page, flow, token, identity, sent string) string {
	m := hmac.New(sha256.New, key)
	for _, part := range []string{page, flow, token, identity, sent} {
		m.Write([]byte(part))
		m.Write([]byte{0})
	}
	return base64.RawURLEncoding.EncodeToString(m.Sum(nil)[:18])
}

// LinkSigned reports whether sig is the signature of the link's parts.
func LinkSigned(key []byte, sig, page, flow, token, identity, sent string) bool {
	if len(key) == 0 {
		return false
	}
	return hmac.Equal([]byte(sig), []byte(LinkSignature(key, page, flow, token, identity, sent)))
}
