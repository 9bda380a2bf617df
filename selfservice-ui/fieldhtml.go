package selfserviceui

import (
	"cmp"
	"html/template"
	"strconv"
	"strings"
)

// Every form field, whatever node Kratos sent, is written here in Go; the
// form template only places them ({{.FieldsHTML}}). Executing a dozen
// template actions per field took twice as long (docs/benchmarks.md, "One
// way to render a field"), and calling a method per field from the
// template costs about nine allocations a field, hence one call a form.
//
// Safety rests on three things. Every attribute name and every piece of
// markup is a constant here. Every value, in text or in a double-quoted
// attribute, goes through template.HTMLEscapeString, html/template's own
// escaping (it leaves '+' as it is, where html/template writes &#43;; a
// browser reads both the same). And every URL Kratos gives for an href or
// a src first passes safeURL.

// FieldsHTML returns the markup of the form's hidden inputs, then of its
// visible fields, for the form template.
func (f Form) FieldsHTML() template.HTML {
	var b strings.Builder
	// About what an input with its label takes, so most forms fit at once.
	b.Grow(320 * (len(f.Hidden) + len(f.Fields)))
	for i := range f.Hidden {
		f.Hidden[i].render(&b)
	}
	for i := range f.Fields {
		f.Fields[i].render(&b)
	}
	return template.HTML(b.String())
}

// render writes the field by its Kind, with its messages, ending in a
// newline.
func (f *Field) render(b *strings.Builder) {
	switch f.Kind {
	case "input", "checkbox":
		f.renderInput(b)
	case "hidden":
		b.WriteString(`<input type="hidden"`)
		attr(b, "name", f.Name)
		attr(b, "value", f.Value)
		b.WriteString(">\n")
		nodeMessages(b, f.Messages)
	case "submit":
		f.renderButton(b)
		b.WriteString("\n")
		writeMessages(b, f.Messages, false)
		b.WriteString("\n")
	case "text":
		b.WriteString(`<div class="node-text"`)
		attr(b, "id", f.ID)
		b.WriteString(">")
		if len(f.Secrets) > 0 {
			element(b, "p", f.Label)
			b.WriteString(`<ul class="secrets">`)
			for _, s := range f.Secrets {
				b.WriteString("<li><code>")
				b.WriteString(template.HTMLEscapeString(s))
				b.WriteString("</code></li>")
			}
			b.WriteString("</ul>")
		} else {
			if f.Label != "" {
				b.WriteString(`<p class="label">`)
				b.WriteString(template.HTMLEscapeString(f.Label))
				b.WriteString("</p>")
			}
			b.WriteString("<p><code>")
			b.WriteString(template.HTMLEscapeString(f.Text))
			b.WriteString("</code></p>")
		}
		b.WriteString("</div>\n")
		nodeMessages(b, f.Messages)
	case "img":
		b.WriteString(`<figure class="node-img">`)
		if f.Label != "" {
			element(b, "figcaption", f.Label)
		}
		b.WriteString("<img")
		attr(b, "id", f.ID)
		attr(b, "src", safeURL(f.Src, true))
		attr(b, "width", strconv.Itoa(f.Width))
		attr(b, "height", strconv.Itoa(f.Height))
		attr(b, "alt", cmp.Or(f.Label, "Image"))
		b.WriteString("></figure>\n")
		nodeMessages(b, f.Messages)
	case "a":
		b.WriteString(`<p class="node-link"><a`)
		attr(b, "id", f.ID)
		attr(b, "href", safeURL(f.Href, false))
		b.WriteString(">")
		b.WriteString(template.HTMLEscapeString(cmp.Or(f.Title, f.Label, "Continue")))
		b.WriteString("</a></p>\n")
		nodeMessages(b, f.Messages)
	case "script":
		b.WriteString("<script")
		attr(b, "id", f.ID)
		attr(b, "src", safeURL(f.Src, false))
		if f.Async {
			b.WriteString(" async")
		}
		optAttr(b, "crossorigin", f.Crossorigin)
		optAttr(b, "integrity", f.Integrity)
		optAttr(b, "referrerpolicy", f.Referrer)
		attr(b, "nonce", f.Nonce)
		b.WriteString("></script>\n")
		nodeMessages(b, f.Messages)
	case "div":
		b.WriteString("<div")
		attr(b, "id", f.ID)
		attr(b, "class", f.Class)
		b.WriteString("></div>\n")
		nodeMessages(b, f.Messages)
	default:
		// A node type WorkID does not know yet: what it says still shows.
		nodeMessages(b, f.Messages)
	}
}

// renderInput writes an input or checkbox with its label and messages. A
// checkbox's label follows it; an input's label comes first and marks a
// required field.
func (f *Field) renderInput(b *strings.Builder) {
	checkbox := f.Kind == "checkbox"
	b.WriteString(`<div class="field`)
	if checkbox {
		b.WriteString(" check")
	}
	if f.Invalid {
		b.WriteString(" invalid")
	}
	b.WriteString("\">\n")
	if checkbox {
		f.renderInputElement(b)
		b.WriteString("\n")
		f.renderLabel(b)
	} else {
		f.renderLabel(b)
		f.renderInputElement(b)
		b.WriteString("\n")
	}
	if len(f.Messages) > 0 {
		b.WriteString(`<div`)
		attr(b, "id", f.ID+"-msg")
		b.WriteString(` class="field-msg">`)
		writeMessages(b, f.Messages, !checkbox)
		b.WriteString("</div>")
	}
	b.WriteString("\n</div>\n")
}

func (f *Field) renderLabel(b *strings.Builder) {
	b.WriteString("<label")
	attr(b, "for", f.ID)
	b.WriteString(">")
	b.WriteString(template.HTMLEscapeString(f.Label))
	if f.Required && f.Kind != "checkbox" {
		b.WriteString(` <span class="req" aria-hidden="true">*</span>`)
	}
	b.WriteString("</label>\n")
}

func (f *Field) renderInputElement(b *strings.Builder) {
	b.WriteString("<input")
	if f.Autofocus {
		b.WriteString(" autofocus")
	}
	attr(b, "id", f.ID)
	attr(b, "name", f.Name)
	if f.Kind == "checkbox" {
		b.WriteString(` type="checkbox" value="true"`)
		if f.Value == "true" {
			b.WriteString(" checked")
		}
	} else {
		attr(b, "type", f.Type)
		attr(b, "value", f.Value)
	}
	if f.Required {
		b.WriteString(" required")
	}
	if f.Disabled {
		b.WriteString(" disabled")
	}
	optAttr(b, "autocomplete", f.Autocomplete)
	optAttr(b, "pattern", f.Pattern)
	if f.MaxLength != 0 {
		attr(b, "maxlength", strconv.Itoa(f.MaxLength))
	}
	if len(f.Messages) > 0 {
		attr(b, "aria-describedby", f.ID+"-msg")
	}
	if f.Invalid {
		b.WriteString(` aria-invalid="true"`)
	}
	b.WriteString(">")
}

// renderButton writes a submit button, or a button that runs a Kratos
// script (WebAuthn, passkeys) through /static/triggers.js.
func (f *Field) renderButton(b *strings.Builder) {
	if f.Trigger != "" {
		b.WriteString(`<button type="button"`)
	} else {
		b.WriteString(`<button type="submit"`)
	}
	attr(b, "name", f.Name)
	attr(b, "value", f.Value)
	if f.Trigger != "" {
		attr(b, "data-trigger", f.Trigger)
		optAttr(b, "data-load-trigger", f.LoadTrigger)
	}
	if f.Disabled {
		b.WriteString(" disabled")
	}
	switch {
	case f.Trigger != "":
		b.WriteString(` class="btn btn-secondary">`)
	case f.Group == "oidc":
		b.WriteString(` class="btn btn-provider">`)
	default:
		b.WriteString(` class="btn btn-primary">`)
	}
	b.WriteString(template.HTMLEscapeString(f.Label))
	b.WriteString("</button>")
}

// writeMessages writes a field's messages, one paragraph each; dataID adds
// Kratos's message ID.
func writeMessages(b *strings.Builder, msgs []Message, dataID bool) {
	for _, m := range msgs {
		b.WriteString(`<p class="msg msg-`)
		b.WriteString(template.HTMLEscapeString(m.Kind))
		b.WriteString(`"`)
		if dataID {
			b.WriteString(` data-id="`)
			b.WriteString(strconv.FormatInt(m.ID, 10))
			b.WriteString(`"`)
		}
		b.WriteString(">")
		b.WriteString(template.HTMLEscapeString(m.Text))
		b.WriteString("</p>")
	}
}

// nodeMessages writes the messages of a node other than an input or a
// button on a line under it.
func nodeMessages(b *strings.Builder, msgs []Message) {
	if len(msgs) > 0 {
		writeMessages(b, msgs, false)
		b.WriteString("\n")
	}
}

// attr writes ` name="value"`, the value escaped; name is a constant.
func attr(b *strings.Builder, name, value string) {
	b.WriteString(" ")
	b.WriteString(name)
	b.WriteString(`="`)
	b.WriteString(template.HTMLEscapeString(value))
	b.WriteString(`"`)
}

// optAttr writes the attribute only when it has a value.
func optAttr(b *strings.Builder, name, value string) {
	if value != "" {
		attr(b, name, value)
	}
}

// element writes <tag>text</tag>, the text escaped; tag is a constant.
func element(b *strings.Builder, tag, text string) {
	b.WriteString("<")
	b.WriteString(tag)
	b.WriteString(">")
	b.WriteString(template.HTMLEscapeString(text))
	b.WriteString("</")
	b.WriteString(tag)
	b.WriteString(">")
}

// refusedURL is what html/template writes for a URL it will not keep.
const refusedURL = "#ZgotmplZ"

// safeURL returns a URL Kratos sent for an href or src, or refusedURL
// when the URL could run script (javascript:, vbscript:, data:text/html
// ...). It keeps what html/template's own URL filter keeps, which the
// package does not export: a URL whose first colon comes after a slash
// or is missing (relative), or whose scheme is http or https. For an image
// it also keeps a raster data: URL, which is how Kratos sends a TOTP QR
// code (rasterData: SVG can carry script, so it is not among them).
func safeURL(u string, image bool) string {
	if image {
		for _, p := range rasterData {
			if strings.HasPrefix(u, p) {
				return u
			}
		}
	}
	if i := strings.IndexByte(u, ':'); i >= 0 && !strings.Contains(u[:i], "/") {
		if scheme := strings.ToLower(u[:i]); scheme != "http" && scheme != "https" {
			return refusedURL
		}
	}
	return u
}
