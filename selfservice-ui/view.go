package selfserviceui

import (
	"encoding/json"
	"html/template"
	"slices"
	"strings"

	"github.com/workid/workid/internal/businessemail"
	"github.com/workid/workid/internal/locale"
	"github.com/workid/workid/internal/traittext"
)

// Form is a Kratos flow's form as the templates see it: WorkID's view
// model, built in one place (newForm) from the UI nodes.
type Form struct {
	Action, Method string
	// Messages are the flow's own messages, shown above the form.
	Messages []Message
	// Hidden are hidden inputs (the CSRF token, the method of a one-form flow).
	Hidden []Field
	// Fields are the visible nodes in Kratos's order, submits included.
	Fields []Field
}

// Field is one UI node.
type Field struct {
	// Kind says how render writes the field: input, checkbox, hidden,
	// submit, text, img, a, script or div.
	Kind  string
	Group string
	// Input attributes.
	Name, Type, Value, Label string
	Required, Disabled       bool
	Autocomplete, Pattern    string
	MaxLength                int
	// ID is the element id (inputs get one derived from their name).
	ID string
	// Messages are shown with the field, whatever its kind; Invalid marks
	// an error among them.
	Messages []Message
	Invalid  bool
	// Autofocus is set on the form's first invalid input (markFirstInvalid).
	Autofocus bool
	// Image, anchor, text, script and div attributes.
	Src                              string
	Width, Height                    int
	Href, Title, Text                string
	Secrets                          []string // lookup secrets in a text node
	Async                            bool
	Crossorigin, Integrity, Referrer string
	Class                            string
	// Nonce lets a script node run under the page's Content-Security-Policy.
	Nonce string
	// Trigger is the Kratos script function a button calls when clicked
	// (WebAuthn, passkeys), run by /static/triggers.js: inline handlers
	// are not allowed by the Content-Security-Policy.
	Trigger, LoadTrigger string
}

// Message is a text for the user: error, info or success.
type Message struct {
	ID   int64
	Text string
	Kind string
}

// newForm builds the form of ui with the nodes of the given groups, plus
// the hidden inputs of the "default" group (the CSRF token), which every
// form must send. With no groups, every node is included. Its texts are in
// tx's language.
func newForm(ui uiContainer, tx *locale.Texts, groups ...string) Form {
	f := Form{Action: ui.Action, Method: strings.ToUpper(ui.Method), Messages: messages(ui.Messages, tx)}
	if f.Method == "" {
		f.Method = "POST"
	}
	for _, n := range ui.Nodes {
		fld := newField(n, tx)
		if len(groups) > 0 && !slices.Contains(groups, n.Group) && (n.Group != "default" || fld.Kind != "hidden") {
			continue
		}
		if fld.Kind == "hidden" {
			f.Hidden = append(f.Hidden, fld)
			continue
		}
		f.Fields = append(f.Fields, fld)
	}
	passwordLast(f.Fields)
	return f
}

// passwordLast moves a password input after the other inputs of its form
// (Kratos lists it right after the identifier), so registration reads
// name, username, email, then password, then the button.
func passwordLast(fields []Field) {
	i := slices.IndexFunc(fields, func(f Field) bool { return f.Kind == "input" && f.Type == "password" })
	if i < 0 {
		return
	}
	end := i
	for end+1 < len(fields) && (fields[end+1].Kind == "input" || fields[end+1].Kind == "checkbox") {
		end++
	}
	pw := fields[i]
	copy(fields[i:end], fields[i+1:end+1])
	fields[end] = pw
}

// nodeGroups lists the node groups of ui that have visible nodes, in order
// (the "default" group only when it has more than hidden inputs).
func nodeGroups(ui uiContainer) []string {
	var out []string
	for _, n := range ui.Nodes {
		if !slices.Contains(out, n.Group) && nodeKind(n) != "hidden" {
			out = append(out, n.Group)
		}
	}
	return out
}

// idReplacer turns an input's name into an element id ("traits.name.first"
// gives "f-traits-name-first").
var idReplacer = strings.NewReplacer(".", "-", "_", "-")

// nodeKind is the Kind newField gives n's input ("hidden", "submit", ...).
func nodeKind(n uiNode) string {
	if n.Attributes.NodeType != "input" && n.Attributes.NodeType != "" {
		return n.Attributes.NodeType
	}
	switch n.Attributes.InputType {
	case "hidden", "checkbox":
		return n.Attributes.InputType
	case "submit", "button":
		return "submit"
	}
	return "input"
}

func newField(n uiNode, tx *locale.Texts) Field {
	a := n.Attributes
	f := Field{Group: n.Group, Messages: messages(n.Messages, tx)}
	if a.Name == "traits.email" || a.Name == "email" {
		for i, m := range f.Messages {
			if m.ID == kratosInvalid {
				f.Messages[i].Text = invalidEmailText(rawString(a.Value), tx)
			}
		}
	}
	for _, m := range f.Messages {
		if m.Kind == "error" {
			f.Invalid = true
		}
	}
	label := a.Label
	if n.Meta.Label != nil {
		label = n.Meta.Label
	}
	if label != nil {
		f.Label = labelText(*label, a.Name, tx)
	}
	switch a.NodeType {
	case "input", "":
		f.Name, f.Type, f.Value = a.Name, a.InputType, rawString(a.Value)
		f.Required, f.Disabled = a.Required, a.Disabled
		f.Autocomplete, f.Pattern, f.MaxLength = a.Autocomplete, a.Pattern, a.MaxLength
		f.ID = "f-" + idReplacer.Replace(a.Name)
		switch a.InputType {
		case "hidden":
			f.Kind = "hidden"
		case "submit", "button":
			f.Kind = "submit"
			f.ID = ""
			f.Trigger, f.LoadTrigger = a.OnClickTrigger, a.OnLoadTrigger
		case "checkbox":
			f.Kind = "checkbox"
		default:
			f.Kind = "input"
		}
		if f.Type == "email" {
			f.Autocomplete = orDefault(f.Autocomplete, "email")
		}
	case "text":
		f.Kind, f.ID = "text", a.ID
		if a.Text != nil {
			f.Text = labelText(*a.Text, "", tx)
			f.Secrets = secrets(*a.Text)
		}
	case "img":
		f.Kind, f.ID, f.Src, f.Width, f.Height = "img", a.ID, a.Src, a.Width, a.Height
	case "a":
		f.Kind, f.ID, f.Href = "a", a.ID, a.Href
		if a.Title != nil {
			f.Title = labelText(*a.Title, "", tx)
		}
	case "script":
		f.Kind, f.ID, f.Src, f.Async = "script", a.ID, a.Src, a.Async
		f.Crossorigin, f.Integrity, f.Referrer = a.Crossorigin, a.Integrity, a.Referrerpolicy
	case "div":
		f.Kind, f.ID, f.Class = "div", a.ID, a.Class
	default:
		f.Kind = "unknown"
	}
	return f
}

// rasterData are the data: URL prefixes of images that cannot carry
// script (SVG can, so it is not among them).
var rasterData = []string{"data:image/png;base64,", "data:image/jpeg;base64,", "data:image/gif;base64,", "data:image/webp;base64,"}

// imageURL is safeURL for an image another party names (a service's logo
// on the consent page): raster data, or an absolute http or https URL;
// anything else is refused.
func imageURL(src string) template.URL {
	u := safeURL(src, true)
	if !strings.HasPrefix(u, "data:") && !strings.HasPrefix(strings.ToLower(u), "http://") && !strings.HasPrefix(strings.ToLower(u), "https://") {
		return refusedURL
	}
	return template.URL(u)
}

// secrets returns the lookup secrets a text node lists (Kratos puts them
// in the context as {"secrets": [{"text": ...}, ...]}).
func secrets(t uiText) []string {
	list, _ := t.Context["secrets"].([]any)
	var out []string
	for _, s := range list {
		if m, ok := s.(map[string]any); ok {
			if v, ok := m["text"].(string); ok {
				out = append(out, v)
			}
		}
	}
	return out
}

func rawString(v json.RawMessage) string {
	if len(v) == 0 || string(v) == "null" {
		return ""
	}
	var s string
	if json.Unmarshal(v, &s) == nil {
		return s
	}
	// Numbers and booleans are shown as written.
	return string(v)
}

func orDefault(v, d string) string {
	if v == "" {
		return d
	}
	return v
}

func messages(in []uiText, tx *locale.Texts) []Message {
	out := make([]Message, 0, len(in))
	for _, t := range in {
		kind := t.Type
		if kind != "error" && kind != "success" {
			kind = "info"
		}
		out = append(out, Message{ID: t.ID, Text: messageText(t, tx), Kind: kind})
	}
	return out
}

// kratosInvalid is Kratos's message of a value its schema refuses, whose
// text is the validator's English reason.
const kratosInvalid = 4000001

// invalidEmailText is the text for an address Kratos's format check
// refused before WorkID's rule could see it (Kratos's reason is English
// only): the rule's own reason when its syntax check names one (not
// exactly one @, a bad part before the @, ...), as the hooks and `workid
// admin email check` would say, else a general one (an address with
// accents, which the rule would take).
func invalidEmailText(value string, tx *locale.Texts) string {
	general := tx.T("kratos.4000001_email")
	if _, why := businessemail.Normalize(value); why != businessemail.OK && why != businessemail.Empty {
		domain := ""
		if at := strings.LastIndex(value, "@"); at >= 0 {
			domain = value[at+1:]
		}
		return workidMessage(uiText{ID: why.MessageID(), Text: general, Context: map[string]any{"domain": domain}}, tx)
	}
	return general
}

// messageText is a Kratos message in tx's language: by its ID from the
// catalog (WorkID's own texts for the messages users meet most, and for
// WorkID's hooks' 91xxxxx), else Kratos's English text. A failed hook call
// and a system error (5xxxxxx, whose text can carry internal detail such
// as a mail server's address) get a text of their own.
func messageText(t uiText, tx *locale.Texts) string {
	switch {
	case mentionsHook(t.Text):
		return tx.T("kratos.hooks_down")
	case t.ID >= 5000000 && t.ID < 6000000:
		return tx.T("kratos.system_error")
	case t.ID >= 9100000 && t.ID < 9200000:
		return workidMessage(t, tx)
	}
	return tx.Kratos(t.ID, t.Context, t.Text)
}

// workidMessage writes a message of WorkID's hooks (docs/messages.md) from
// its ID and context: the business-email rule's names a domain, the text
// rule's a field and a character.
func workidMessage(t uiText, tx *locale.Texts) string {
	str := func(k string) string { v, _ := t.Context[k].(string); return v }
	id := t.ID
	if id == businessemail.UnknownSuffix.MessageID() && str("suggestion") != "" {
		return tx.T("kratos.9100008_suggestion", "domain", shortDomain(str("domain")), "suggestion", str("suggestion"))
	}
	if id >= traittext.MessageIDBase {
		subject, ok := tx.Lookup("subject." + strings.ReplaceAll(str("field"), ".", "_"))
		if !ok {
			subject = tx.T("subject.unknown")
		}
		return tx.Kratos(id, map[string]any{"subject": subject, "character": str("character")}, t.Text)
	}
	return tx.Kratos(id, map[string]any{"domain": shortDomain(str("domain")), "matched": str("matched"), "suggestion": str("suggestion")}, t.Text)
}

// shortDomain keeps a domain from a hostile input short in a message.
func shortDomain(d string) string {
	const max = 80
	d = strings.ToValidUTF8(d, "")
	if r := []rune(d); len(r) > max {
		return string(r[:max]) + "…"
	}
	return d
}

// mentionsHook recognises Kratos's texts about a failed web hook call.
func mentionsHook(s string) bool {
	return strings.Contains(s, "/hooks/registration") || strings.Contains(s, "/hooks/settings") ||
		strings.Contains(s, "webhook") || strings.Contains(s, "giving up after")
}

// labelText is a Kratos label in tx's language: an input's by its name
// (field.traits.email, the identity schema's traits), else by Kratos's ID.
func labelText(t uiText, name string, tx *locale.Texts) string {
	if name != "" {
		if s, ok := tx.Lookup("field." + name); ok {
			return s
		}
	}
	return tx.Kratos(t.ID, t.Context, t.Text)
}
