package selfserviceui

import (
	"strings"
	"testing"
)

func renderField(f Field) string {
	var b strings.Builder
	f.render(&b)
	return b.String()
}

// hostile is a value that breaks out of an attribute or text if it is not
// escaped.
const hostile = `"'><script>alert(1)</script>&`

const hostileEscaped = `&#34;&#39;&gt;&lt;script&gt;alert(1)&lt;/script&gt;&amp;`

// render writes every node kind with its values escaped and its URLs
// checked, and every kind shows its messages.
func TestRenderField(t *testing.T) {
	msg := []Message{{ID: 4000001, Text: "<i>bad</i>", Kind: "error"}}
	const msgHTML = `<p class="msg msg-error">&lt;i&gt;bad&lt;/i&gt;</p>`
	tests := []struct {
		name string
		f    Field
		want string
	}{
		{"input", Field{Kind: "input", ID: "f-x", Name: `a"b`, Type: "text", Value: hostile, Label: "<b>", Required: true,
			Autocomplete: "email", Pattern: `[a-z]+"`, MaxLength: 10, Messages: msg, Invalid: true, Autofocus: true},
			`<div class="field invalid">
<label for="f-x">&lt;b&gt; <span class="req" aria-hidden="true">*</span></label>
<input autofocus id="f-x" name="a&#34;b" type="text" value="` + hostileEscaped + `" required autocomplete="email" pattern="[a-z]+&#34;" maxlength="10" aria-describedby="f-x-msg" aria-invalid="true">
<div id="f-x-msg" class="field-msg"><p class="msg msg-error" data-id="4000001">&lt;i&gt;bad&lt;/i&gt;</p></div>
</div>
`},
		{"checkbox", Field{Kind: "checkbox", ID: `f-"c`, Name: "c", Value: "true", Label: hostile, Required: true, Disabled: true},
			`<div class="field check">
<input id="f-&#34;c" name="c" type="checkbox" value="true" checked required disabled>
<label for="f-&#34;c">` + hostileEscaped + `</label>

</div>
`},
		{"hidden", Field{Kind: "hidden", Name: "csrf_token", Value: "a+b/" + hostile},
			`<input type="hidden" name="csrf_token" value="a+b/` + hostileEscaped + `">
`},
		{"submit", Field{Kind: "submit", Group: "oidc", Name: "provider", Value: hostile, Label: "<b>GitHub</b>", Messages: msg},
			`<button type="submit" name="provider" value="` + hostileEscaped + `" class="btn btn-provider">&lt;b&gt;GitHub&lt;/b&gt;</button>
` + msgHTML + "\n"},
		{"trigger button", Field{Kind: "submit", Name: "webauthn_login_trigger", Trigger: hostile, LoadTrigger: "x", Label: "Key", Disabled: true},
			`<button type="button" name="webauthn_login_trigger" value="" data-trigger="` + hostileEscaped + `" data-load-trigger="x" disabled class="btn btn-secondary">Key</button>

`},
		{"text", Field{Kind: "text", ID: hostile, Label: "Secret", Text: hostile, Messages: msg},
			`<div class="node-text" id="` + hostileEscaped + `"><p class="label">Secret</p><p><code>` + hostileEscaped + `</code></p></div>
` + msgHTML + "\n"},
		{"text with secrets", Field{Kind: "text", ID: "codes", Label: "<Codes>", Secrets: []string{"ab-12", hostile}},
			`<div class="node-text" id="codes"><p>&lt;Codes&gt;</p><ul class="secrets"><li><code>ab-12</code></li><li><code>` + hostileEscaped + `</code></li></ul></div>
`},
		{"img", Field{Kind: "img", ID: "qr", Src: "javascript:alert(1)", Width: 256, Height: 256, Label: hostile, Messages: msg},
			`<figure class="node-img"><figcaption>` + hostileEscaped + `</figcaption><img id="qr" src="#ZgotmplZ" width="256" height="256" alt="` + hostileEscaped + `"></figure>
` + msgHTML + "\n"},
		{"img from data", Field{Kind: "img", Src: `data:image/png;base64,iVB+ORw0"`},
			`<figure class="node-img"><img id="" src="data:image/png;base64,iVB+ORw0&#34;" width="0" height="0" alt="Image"></figure>
`},
		{"a", Field{Kind: "a", ID: "forgot", Href: "JavaScript:alert(1)", Label: hostile, Messages: msg},
			`<p class="node-link"><a id="forgot" href="#ZgotmplZ">` + hostileEscaped + `</a></p>
` + msgHTML + "\n"},
		{"a with a query", Field{Kind: "a", Href: `https://id.example/recovery?a=1&b="x"`},
			`<p class="node-link"><a id="" href="https://id.example/recovery?a=1&amp;b=&#34;x&#34;">Continue</a></p>
`},
		{"script", Field{Kind: "script", ID: "webauthn", Src: "data:text/javascript,alert(1)", Async: true, Crossorigin: "anonymous",
			Integrity: hostile, Referrer: "no-referrer", Nonce: "n0nce", Messages: msg},
			`<script id="webauthn" src="#ZgotmplZ" async crossorigin="anonymous" integrity="` + hostileEscaped + `" referrerpolicy="no-referrer" nonce="n0nce"></script>
` + msgHTML + "\n"},
		{"div", Field{Kind: "div", ID: "captcha", Class: hostile, Messages: msg},
			`<div id="captcha" class="` + hostileEscaped + `"></div>
` + msgHTML + "\n"},
		{"unknown", Field{Kind: "unknown", Messages: msg}, msgHTML + "\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := renderField(tt.f); got != tt.want {
				t.Errorf("render(%+v) =\n%s\nwant\n%s", tt.f, got, tt.want)
			}
		})
	}
}

// No field, whatever Kratos puts in it, writes markup of its own or a
// script URL.
func TestRenderFieldHostileEverywhere(t *testing.T) {
	for _, kind := range []string{"input", "checkbox", "hidden", "submit", "text", "img", "a", "script", "div", "unknown"} {
		f := Field{Kind: kind, Group: hostile, Name: hostile, Type: hostile, Value: hostile, Label: hostile,
			Autocomplete: hostile, Pattern: hostile, ID: hostile, Messages: []Message{{Text: hostile, Kind: hostile}},
			Src: "javascript:alert(1)", Href: "javascript:alert(1)", Title: hostile, Text: hostile, Secrets: []string{hostile},
			Crossorigin: hostile, Integrity: hostile, Referrer: hostile, Class: hostile, Nonce: hostile, Trigger: hostile, LoadTrigger: hostile}
		got := renderField(f)
		for _, bad := range []string{"<script>", "'", "javascript:", `""`} {
			if strings.Contains(got, bad) {
				t.Errorf("render(%s with hostile values) = %s, which contains %q", kind, got, bad)
			}
		}
	}
}

func TestSafeURL(t *testing.T) {
	tests := []struct {
		in    string
		image bool
		want  string
	}{
		{"http://127.0.0.1:4455/recovery", false, "http://127.0.0.1:4455/recovery"},
		{"HTTPS://id.example/x", false, "HTTPS://id.example/x"},
		{"/recovery?flow=1:2", false, "/recovery?flow=1:2"},
		{"recovery", false, "recovery"},
		{"", false, ""},
		{"//id.example/x", false, "//id.example/x"},
		{"javascript:alert(1)", false, refusedURL},
		{"JavaScript:alert(1)", false, refusedURL},
		{" javascript:alert(1)", false, refusedURL},
		{"java\tscript:alert(1)", false, refusedURL},
		{"vbscript:msgbox(1)", false, refusedURL},
		{"mailto:ann@example.com", false, refusedURL},
		{"data:image/png;base64,iVBORw0KGgo=", false, refusedURL},
		{"data:image/png;base64,iVBORw0KGgo=", true, "data:image/png;base64,iVBORw0KGgo="},
		{"data:image/jpeg;base64,/9j/4AAQ", true, "data:image/jpeg;base64,/9j/4AAQ"},
		{"data:image/svg+xml;base64,PHN2Zz4=", true, refusedURL},
		{"data:text/html,<script>alert(1)</script>", true, refusedURL},
		{"javascript:alert(1)", true, refusedURL},
		{"https://id.example/qr.png", true, "https://id.example/qr.png"},
	}
	for _, tt := range tests {
		if got := safeURL(tt.in, tt.image); got != tt.want {
			t.Errorf("safeURL(%q, %v) = %q, want %q", tt.in, tt.image, got, tt.want)
		}
	}
}
