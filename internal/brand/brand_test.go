package brand

import (
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func write(t *testing.T, dir, name, body string) string {
	t.Helper()
	p := filepath.Join(dir, name)
	if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestContrast(t *testing.T) {
	for _, c := range []struct {
		a, b Color
		want float64
	}{
		{Color{0, 0, 0}, Color{0xff, 0xff, 0xff}, 21},
		{Color{0xff, 0xff, 0xff}, Color{0xff, 0xff, 0xff}, 1},
		{Color{0x77, 0x77, 0x77}, Color{0xff, 0xff, 0xff}, 4.48}, // the classic just-fails grey
		{Color{0x1b, 0x7f, 0x4b}, Color{0xe6, 0xf5, 0xed}, 4.46}, // WorkID's old "Verified" badge
	} {
		if got := Contrast(c.a, c.b); math.Abs(got-c.want) > 0.01 {
			t.Errorf("Contrast(%s, %s) = %.3f, want %.2f", c.a, c.b, got, c.want)
		}
		if Contrast(c.a, c.b) != Contrast(c.b, c.a) {
			t.Errorf("Contrast(%s, %s) depends on the order", c.a, c.b)
		}
	}
}

// The brand the repository ships is WorkID's own, and loads.
func TestShippedBrand(t *testing.T) {
	b, err := Load(filepath.Join("..", "..", "config", "brand.json"))
	if err != nil {
		t.Fatal(err)
	}
	if b.ProductName != "WorkID" || b.Logo == nil || b.Logo.Type != "image/svg+xml" || len(b.Logo.Data) == 0 {
		t.Errorf("shipped brand = %+v", b)
	}
	if b.SenderName() != "WorkID" {
		t.Errorf("sender name %q", b.SenderName())
	}
}

func TestLoadReportsEveryProblem(t *testing.T) {
	dir := t.TempDir()
	write(t, dir, "logo.png", "GIF89a not a png")
	path := write(t, dir, "brand.json", `{
		"product_name": " Acme\u0007 ",
		"logo": {"file": "logo.png"},
		"primary_color": "#ffcc00",
		"accent_color": "#eeeeee",
		"support": "help desk",
		"terms_url": "http://acme.example/terms",
		"privacy_url": "javascript:alert(1)"
	}`)
	_, err := Load(path)
	if err == nil {
		t.Fatal("a brand with every field wrong loaded")
	}
	msg := err.Error()
	for _, want := range []string{
		"product_name: holds control characters",
		"logo.alt: missing",
		"logo.file: logo.png is not a PNG image",
		"primary_color: white button text on #ffcc00 has a contrast of 1.51:1, WCAG AA needs 4.5:1",
		"accent_color: #eeeeee against white has a contrast of 1.16:1",
		`support: "help desk" is neither an email address nor an https URL`,
		`terms_url: "http://acme.example/terms" must be https`,
		`privacy_url: "javascript:alert(1)" is not an absolute URL`,
	} {
		if !strings.Contains(msg, want) {
			t.Errorf("the error does not say %q:\n%s", want, msg)
		}
	}
}

func TestLoadRefuses(t *testing.T) {
	good := `"primary_color": "#2952cc", "accent_color": "#2952cc", "support": "help@acme.example"`
	for name, c := range map[string]struct{ brand, file, logo, want string }{
		"unknown field":   {`{"product_name": "Acme", "colour": "red", ` + good + `}`, "", "", `unknown field "colour"`},
		"two objects":     {`{"product_name": "Acme", ` + good + `} {}`, "", "", "text after the brand object"},
		"bad colour":      {`{"product_name": "Acme", "primary_color": "blue", "accent_color": "#2952cc", "support": "help@acme.example"}`, "", "", `colour "blue": write it as #rrggbb`},
		"no name":         {`{` + good + `}`, "", "", "product_name: missing"},
		"svg script":      {`{"product_name": "Acme", "logo": {"file": "l.svg", "alt": "Acme"}, ` + good + `}`, "l.svg", `<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>`, "holds a <script> element"},
		"svg handler":     {`{"product_name": "Acme", "logo": {"file": "l.svg", "alt": "Acme"}, ` + good + `}`, "l.svg", `<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"/>`, "holds an event handler (onload)"},
		"svg outside ref": {`{"product_name": "Acme", "logo": {"file": "l.svg", "alt": "Acme"}, ` + good + `}`, "l.svg", `<svg xmlns="http://www.w3.org/2000/svg"><image href="https://evil.example/x.png"/></svg>`, "refers to another file"},
		"svg entity":      {`{"product_name": "Acme", "logo": {"file": "l.svg", "alt": "Acme"}, ` + good + `}`, "l.svg", `<!DOCTYPE svg [<!ENTITY x "y">]><svg/>`, "DOCTYPE"},
		"not svg":         {`{"product_name": "Acme", "logo": {"file": "l.svg", "alt": "Acme"}, ` + good + `}`, "l.svg", `<html></html>`, "root element is not <svg>"},
		"gif":             {`{"product_name": "Acme", "logo": {"file": "l.gif", "alt": "Acme"}, ` + good + `}`, "l.gif", `GIF89a`, "a logo is an .svg or a .png file"},
		"missing logo":    {`{"product_name": "Acme", "logo": {"file": "nowhere.svg", "alt": "Acme"}, ` + good + `}`, "", "", "no such file"},
	} {
		t.Run(name, func(t *testing.T) {
			dir := t.TempDir()
			if c.file != "" {
				write(t, dir, c.file, c.logo)
			}
			_, err := Load(write(t, dir, "brand.json", c.brand))
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Errorf("error = %v, want it to say %q", err, c.want)
			}
		})
	}
}

func TestLoadAcceptsAGoodBrand(t *testing.T) {
	dir := t.TempDir()
	write(t, dir, "logo.png", "\x89PNG\r\n\x1a\nrest")
	b, err := Load(write(t, dir, "brand.json", `{
		"product_name": "Acme Account",
		"logo": {"file": "logo.png", "alt": "Acme"},
		"primary_color": "#000000", "accent_color": "#0b5cad",
		"support": "https://help.acme.example/",
		"terms_url": "https://acme.example/terms", "privacy_url": "http://127.0.0.1:4455/privacy",
		"mail_from_name": "Acme accounts"
	}`))
	if err != nil {
		t.Fatal(err)
	}
	if b.Logo.Type != "image/png" || b.SenderName() != "Acme accounts" || b.SupportLink() != "https://help.acme.example/" || *b.Primary != (Color{}) {
		t.Errorf("brand = %+v", b)
	}
	b.Support = "help@acme.example"
	if b.SupportLink() != "mailto:help@acme.example" {
		t.Errorf("support link %q", b.SupportLink())
	}
}
