package selfserviceui

import (
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/workid/workid/internal/locale"
)

func loadFlow(t testing.TB, name string) *flow {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", "flows", name+".json"))
	if err != nil {
		t.Fatal(err)
	}
	var f flow
	if err := json.Unmarshal(b, &f); err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	return &f
}

func fieldNames(f Form) []string {
	var out []string
	for _, fld := range f.Fields {
		out = append(out, fld.Kind+":"+fld.Name)
	}
	return out
}

func TestNewFormRegistration(t *testing.T) {
	f := newForm(loadFlow(t, "registration").UI, english(t))
	want := []string{"input:traits.name.first", "input:traits.name.last", "input:traits.username", "input:traits.email", "input:password", "submit:method"}
	if got := fieldNames(f); !slices.Equal(got, want) {
		t.Errorf("registration fields = %v, want %v (password last, then the button)", got, want)
	}
	if len(f.Hidden) != 1 || f.Hidden[0].Name != "csrf_token" || f.Hidden[0].Value == "" {
		t.Errorf("hidden = %+v, want the CSRF token", f.Hidden)
	}
	if f.Method != "POST" || f.Action == "" {
		t.Errorf("form posts %s to %q", f.Method, f.Action)
	}
	email := f.Fields[3]
	if email.Label != "Work email" || email.Type != "email" || !email.Required || email.Autocomplete != "email" || email.ID != "f-traits-email" {
		t.Errorf("email field = %+v", email)
	}
	if f.Fields[5].Label != "Create account" {
		t.Errorf("submit label = %q, want WorkID's %q", f.Fields[5].Label, "Create account")
	}
}

func TestNewFormMessages(t *testing.T) {
	en := english(t)
	refused := newForm(loadFlow(t, "registration-refused").UI, en)
	i := slices.IndexFunc(refused.Fields, func(f Field) bool { return f.Name == "traits.email" })
	email := refused.Fields[i]
	if !email.Invalid || len(email.Messages) != 1 || email.Messages[0].ID != 9100012 || email.Value != "ann@gmail.com" {
		t.Errorf("refused email field = %+v, want the hook's message beside the typed value", email)
	}
	login := newForm(loadFlow(t, "login-wrong-password").UI, en)
	if len(login.Messages) != 1 || login.Messages[0].Text != en.T("kratos.4000006") || !strings.HasPrefix(login.Messages[0].Text, "The username, email or password") || login.Messages[0].Kind != "error" {
		t.Errorf("wrong-password messages = %+v, want WorkID's plain English", login.Messages)
	}
}

func TestNewFormEveryNodeType(t *testing.T) {
	en := english(t)
	f := withNonce(newForm(loadFlow(t, "all-nodes").UI, en), "page-nonce")
	kinds := map[string]int{}
	for _, fld := range f.Fields {
		kinds[fld.Kind]++
	}
	for _, k := range []string{"input", "submit", "img", "text", "checkbox", "a", "script", "div"} {
		if kinds[k] == 0 {
			t.Errorf("no %s field from all-nodes.json (kinds %v)", k, kinds)
		}
	}
	for _, fld := range f.Fields {
		switch fld.Kind {
		case "script":
			if fld.Nonce != "page-nonce" || fld.Integrity != "sha512-abc" || !fld.Async {
				t.Errorf("script = %+v, want the page's nonce and Kratos's integrity", fld)
			}
		case "text":
			if fld.ID == "lookup_secret_codes" && !slices.Equal(fld.Secrets, []string{"abcd-1234", "efgh-5678"}) {
				t.Errorf("lookup secrets = %v", fld.Secrets)
			}
		case "unknown":
			t.Errorf("unknown node %+v", fld)
		}
	}
	if got := f.Messages; len(got) != 2 || got[0].Text != en.T("kratos.1050001") || !strings.HasPrefix(got[0].Text, "Your changes are saved.") || got[1].Text != "A message Kratos sends that WorkID does not rephrase." {
		t.Errorf("flow messages = %+v, want the saved text rephrased and the other as sent", got)
	}
	if groups := nodeGroups(loadFlow(t, "all-nodes").UI); !slices.Equal(groups, []string{"profile", "password", "totp", "lookup_secret", "default", "webauthn", "oidc", "captcha"}) {
		t.Errorf("groups = %v", groups)
	}
}

// An address Kratos's own format check refuses (before WorkID's rule sees
// it) gets a text in the page's language, not the validator's English.
func TestInvalidEmailInLanguage(t *testing.T) {
	c, err := locale.Load("Product", "WorkID")
	if err != nil {
		t.Fatal(err)
	}
	de := c.Texts("de")
	reason := `"ann@gmäil.com" is not valid "email"`
	n := uiNode{Type: "input", Group: "default", Messages: []uiText{{ID: 4000001, Type: "error", Text: reason, Context: map[string]any{"reason": reason}}}}
	n.Attributes.Name, n.Attributes.NodeType, n.Attributes.InputType = "traits.email", "input", "email"
	if got := newField(n, de).Messages[0].Text; got != de.T("kratos.4000001_email") || strings.Contains(got, "not valid") {
		t.Errorf("the refused address reads %q, want the German text", got)
	}
	// An address the rule itself calls malformed gets the rule's reason,
	// as the hooks would give it.
	for value, id := range map[string]string{
		"ann@@acme-widgets.com": "kratos.9100004",
		".ann@acme-widgets.com": "kratos.9100005",
	} {
		raw, _ := json.Marshal(value)
		n.Attributes.Value = raw
		if got := newField(n, de).Messages[0].Text; got != de.T(id) {
			t.Errorf("%s reads %q, want the rule's reason %q", value, got, de.T(id))
		}
	}
	n.Attributes.Value = nil
	n.Attributes.Name = "traits.username"
	if got := newField(n, de).Messages[0].Text; !strings.Contains(got, "not valid") {
		t.Errorf("another field's message reads %q, want Kratos's reason", got)
	}
}

func TestMessageTextHidesHookFailures(t *testing.T) {
	en := english(t)
	systemError, hooksDown := en.T("kratos.system_error"), en.T("kratos.hooks_down")
	if got := messageText(uiText{ID: 5000001, Text: "dial tcp 10.0.0.3:25: connection refused"}, en); got != systemError {
		t.Errorf("a Kratos system error reads %q, want %q", got, systemError)
	}
	for _, text := range []string{
		`POST http://127.0.0.1:4456/hooks/registration giving up after 3 attempt(s): Post "http://127.0.0.1:4456/hooks/registration": dial tcp 127.0.0.1:4456: connect: connection refused`,
		"a webhook target returned an error",
	} {
		if got := messageText(uiText{ID: 4000001, Text: text}, en); got != hooksDown {
			t.Errorf("messageText(%q) = %q, want %q", text, got, hooksDown)
		}
	}
}

func TestSafeReturnTo(t *testing.T) {
	s := &Server{}
	s.cfg.UIPublicURL = "http://127.0.0.1:4455"
	tests := map[string]string{
		"http://127.0.0.1:4455/settings":       "http://127.0.0.1:4455/settings",
		"http://127.0.0.1:4455/?x=1":           "http://127.0.0.1:4455/?x=1",
		"https://evil.example/":                "",
		"//evil.example/":                      "",
		"http://127.0.0.1:4455@evil.example/":  "",
		"http://user@127.0.0.1:4455/":          "",
		"javascript:alert(1)":                  "",
		"http://127.0.0.1:4456/hooks/settings": "",
		"":                                     "",
	}
	for in, want := range tests {
		if got := s.safeReturnTo(in); got != want {
			t.Errorf("safeReturnTo(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestMarkFirstInvalid(t *testing.T) {
	invalid := []Message{{Text: "x", Kind: "error"}}
	tests := []struct {
		name      string
		form      Form
		wantErrs  bool
		wantFocus []bool
	}{
		{"no errors", Form{Fields: []Field{{Kind: "input"}, {Kind: "submit"}}}, false, []bool{false, false}},
		{"the form's own error", Form{Messages: invalid, Fields: []Field{{Kind: "input"}}}, true, []bool{false}},
		{"two invalid inputs", Form{Fields: []Field{
			{Kind: "text", Invalid: true}, {Kind: "input"}, {Kind: "checkbox", Invalid: true}, {Kind: "input", Invalid: true},
		}}, true, []bool{false, false, true, false}},
		{"an invalid button", Form{Fields: []Field{{Kind: "input"}, {Kind: "submit", Invalid: true}}}, true, []bool{false, false}},
		{"only a text node (its message shows)", Form{Fields: []Field{{Kind: "text", Invalid: true}}}, true, []bool{false}},
		{"a hidden input's error", Form{Hidden: []Field{{Kind: "hidden", Invalid: true}}, Fields: []Field{{Kind: "input"}}}, true, []bool{false}},
		{"an invalid submit before an invalid input", Form{Fields: []Field{{Kind: "submit", Invalid: true}, {Kind: "input", Invalid: true}}}, true, []bool{false, true}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := markFirstInvalid(&tt.form); got != tt.wantErrs {
				t.Errorf("markFirstInvalid(%+v) = %v, want %v", tt.form, got, tt.wantErrs)
			}
			var focus []bool
			for _, f := range tt.form.Fields {
				focus = append(focus, f.Autofocus)
			}
			if !slices.Equal(focus, tt.wantFocus) {
				t.Errorf("autofocus = %v, want %v", focus, tt.wantFocus)
			}
		})
	}
}

func TestImageURL(t *testing.T) {
	tests := map[string]string{
		"data:image/png;base64,iVBORw0KGgo=": "data:image/png;base64,iVBORw0KGgo=",
		"data:image/svg+xml;base64,PHN2Zz4=": refusedURL,
		"javascript:alert(1)":                refusedURL,
		"/relative/logo.png":                 refusedURL,
		"http://127.0.0.1:4433/qr.png":       "http://127.0.0.1:4433/qr.png",
	}
	for in, want := range tests {
		if got := string(imageURL(in)); got != want {
			t.Errorf("imageURL(%q) = %q, want %q", in, got, want)
		}
	}
}

// A service's logo is allowed by the consent page's CSP from its own
// origin only, and nothing but a plain origin gets into the policy.
func TestImageOrigin(t *testing.T) {
	for _, tt := range []struct{ src, want string }{
		{"https://cdn.example.com/logo.png?v=2", "https://cdn.example.com"},
		{"https://cdn.example.com:8443/l.png", "https://cdn.example.com:8443"},
		{"javascript:alert(1)", ""},
		{"data:image/png;base64,AAAA", ""},
		{"about:invalid#zGoSafez", ""},
		{"https://evil.example;script-src */x.png", ""},
		{"https://evil.example;script-src/x.png", ""},
		{"https://evil.example(x)/l.png", ""},
		{"https://%C3%A9vil.example/l.png", ""},
		{"https://CDN.Example.com/l.png", ""}, // url.Parse keeps the case; only lower case gets in
		{"/relative.png", ""},
	} {
		got, ok := imageOrigin(tt.src)
		if got != tt.want || ok != (tt.want != "") {
			t.Errorf("imageOrigin(%q) = %q, %v; want %q", tt.src, got, ok, tt.want)
		}
	}
	s := &Server{kratosOrigin: "http://127.0.0.1:4433"}
	const want = "img-src 'self' data: http://127.0.0.1:4433 https://cdn.example.com; "
	if got := s.csp("n0nce", pageSources{images: []string{"https://cdn.example.com"}}); !strings.Contains(got, want) || !strings.Contains(got, "'nonce-n0nce'") {
		t.Errorf("csp with a logo origin = %q, want it to contain %q and the nonce", got, want)
	}
	if got := s.csp("n0nce", pageSources{}); !strings.Contains(got, "img-src 'self' data: http://127.0.0.1:4433; ") {
		t.Errorf("csp = %q, want images from WorkID and Kratos only", got)
	}
}

// english is the catalog's English texts (a browser that asks for no
// language gets them), with WorkID's default product name.
func english(t testing.TB) *locale.Texts {
	t.Helper()
	c, err := locale.Load("Product", "WorkID")
	if err != nil {
		t.Fatal(err)
	}
	return c.Texts("en")
}
