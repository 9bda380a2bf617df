package locale

import (
	"encoding/json"
	"fmt"
	"io/fs"
	"maps"
	"os"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/workid/workid/internal/businessemail"
	"github.com/workid/workid/internal/traittext"
)

// pluralForms are the keys go-i18n reads as a plural message's forms.
var pluralForms = []string{"zero", "one", "two", "few", "many", "other"}

// messages reads every message file of lang, flattened to message ids;
// a plural message's forms are joined into one value per form
// ("company.expiring_in#one").
func messages(t *testing.T, lang string) map[string]string {
	t.Helper()
	out := map[string]string{}
	names, _ := fs.Glob(files, "locales/*."+lang+".json")
	if len(names) == 0 {
		t.Fatalf("no message files for %s", lang)
	}
	for _, name := range names {
		b, err := fs.ReadFile(files, name)
		if err != nil {
			t.Fatal(err)
		}
		var raw map[string]any
		if err := json.Unmarshal(b, &raw); err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		flatten(t, name, "", raw, out)
	}
	return out
}

func flatten(t *testing.T, file, prefix string, v map[string]any, out map[string]string) {
	for k, val := range v {
		id := k
		if prefix != "" {
			id = prefix + "." + k
		}
		switch val := val.(type) {
		case string:
			if _, dup := out[id]; dup {
				t.Errorf("%s: %s is defined twice", file, id)
			}
			out[id] = val
		case map[string]any:
			if slices.Contains(pluralForms, firstKey(val)) {
				for form, text := range val {
					s, _ := text.(string)
					out[id+"#"+form] = s
				}
				continue
			}
			flatten(t, file, id, val, out)
		default:
			t.Errorf("%s: %s is a %T, want a text", file, id, val)
		}
	}
}

func firstKey(m map[string]any) string {
	keys := slices.Sorted(maps.Keys(m))
	return keys[0]
}

var placeholder = regexp.MustCompile(`\{\{\s*\.(\w+)\s*\}\}`)
var action = regexp.MustCompile(`\{\{`)
var tag = regexp.MustCompile(`<[^>]+>`)

func placeholders(s string) []string {
	var out []string
	for _, m := range placeholder.FindAllStringSubmatch(s, -1) {
		out = append(out, m[1])
	}
	slices.Sort(out)
	return slices.Compact(out)
}

// baseID is a message id without its plural form.
func baseID(id string) string {
	base, _, _ := strings.Cut(id, "#")
	return base
}

// TestEveryLanguageHasEveryText: each language has exactly English's
// texts (a plural text has its language's forms instead of English's),
// with the same placeholders, only placeholders as template actions, and
// the same markup in its HTML texts.
func TestEveryLanguageHasEveryText(t *testing.T) {
	en := messages(t, "en")
	base := map[string]string{} // English by id, plural forms reduced to "other"
	for id, text := range en {
		if b := baseID(id); b == id || strings.HasSuffix(id, "#other") {
			base[b] = text
		}
	}
	for _, l := range Langs {
		t.Run(l.Code, func(t *testing.T) {
			got := messages(t, l.Code)
			seen := map[string]bool{}
			for id, text := range got {
				b := baseID(id)
				seen[b] = true
				want, ok := base[b]
				if !ok {
					t.Errorf("%s has %s, which English lacks", l.Code, id)
					continue
				}
				if strings.TrimSpace(text) == "" {
					t.Errorf("%s: %s is empty", l.Code, id)
				}
				if p, w := placeholders(text), placeholders(want); !slices.Equal(p, w) {
					t.Errorf("%s: %s has placeholders %v, English %v", l.Code, id, p, w)
				}
				if n, p := len(action.FindAllString(text, -1)), len(placeholder.FindAllString(text, -1)); n != p {
					t.Errorf("%s: %s = %q has a template action that is not a placeholder", l.Code, id, text)
				}
				if strings.HasSuffix(b, "_html") && !slices.Equal(tag.FindAllString(text, -1), tag.FindAllString(want, -1)) {
					t.Errorf("%s: %s has markup %v, English %v", l.Code, id, tag.FindAllString(text, -1), tag.FindAllString(want, -1))
				}
			}
			for id := range base {
				if !seen[id] {
					t.Errorf("%s lacks %s", l.Code, id)
				}
			}
		})
	}
}

func load(t *testing.T) *Catalog {
	t.Helper()
	c, err := Load("Product", "Acme Account")
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// TestPluralsHaveEveryForm: go-i18n picks a plural's form by the CLDR
// rules of the language; each count must find its form.
func TestPluralsHaveEveryForm(t *testing.T) {
	c := load(t)
	var plurals []string
	for id := range messages(t, "en") {
		if b := baseID(id); b != id && !slices.Contains(plurals, b) {
			plurals = append(plurals, b)
		}
	}
	if len(plurals) == 0 {
		t.Fatal("no plural texts found")
	}
	counts := []int{1_000_000, 2_000_000}
	for n := range 1001 {
		counts = append(counts, n)
	}
	for _, l := range Langs {
		tx := c.Texts(l.Code)
		for _, id := range plurals {
			for _, n := range counts {
				if got := tx.N(id, n, "Date", "d"); got == id || !strings.Contains(got, tx.Number(n)) {
					t.Errorf("%s: N(%s, %d) = %q, want the form for %d", l.Code, id, n, got, n)
					break
				}
			}
		}
	}
}

// TestWorkIDMessagesHaveTexts: every refusal of WorkID's hooks has a text
// in the catalog by its message ID, in every language (Load falls back to
// English, so this asks each language's files directly).
func TestWorkIDMessagesHaveTexts(t *testing.T) {
	var ids []string
	for r := range businessemail.Reason(businessemail.NumReasons) {
		if !r.Allowed() {
			ids = append(ids, fmt.Sprintf("kratos.%d", r.MessageID()))
		}
	}
	for p := traittext.Problem(1); p < traittext.NumProblems; p++ {
		ids = append(ids, fmt.Sprintf("kratos.%d", p.MessageID()))
	}
	for _, l := range Langs {
		got := messages(t, l.Code)
		for _, id := range ids {
			if got[id] == "" {
				t.Errorf("%s lacks %s", l.Code, id)
			}
		}
	}
}

func TestNegotiate(t *testing.T) {
	c := load(t)
	tests := []struct{ chosen, accept, want string }{
		{"", "", "en"},
		{"", "de-DE,de;q=0.9,en;q=0.8", "de"},
		{"", "de-AT", "de"},
		{"", "fr-CA,en;q=0.5", "fr"},
		{"", "es-419", "es"},
		{"", "ja-JP", "ja"},
		{"", "pt-BR,es;q=0.8", "es"},
		{"", "zh-CN", "en"},
		{"", "en-GB,de;q=0.5", "en"},
		{"", ";;;garbage===", "en"},
		{"", strings.Repeat("de,", 500), "en"},
		{"ja", "de", "ja"},
		{"xx", "fr", "fr"},
		{"<script>", "", "en"},
	}
	for _, tt := range tests {
		if got := c.Negotiate(tt.chosen, tt.accept).Lang().Code; got != tt.want {
			t.Errorf("Negotiate(%q, %q) = %s, want %s", tt.chosen, tt.accept, got, tt.want)
		}
	}
}

func TestFormats(t *testing.T) {
	c := load(t)
	day := time.Date(2027, 6, 30, 23, 0, 0, 0, time.UTC)
	for code, want := range map[string][2]string{
		"en": {"30 June 2027", "1,234,567"},
		"de": {"30. Juni 2027", "1.234.567"},
		"fr": {"30 juin 2027", "1\u00a0234\u00a0567"},
		"es": {"30 de junio de 2027", "1.234.567"},
		"ja": {"2027年6月30日", "1,234,567"},
	} {
		tx := c.Texts(code)
		if got := tx.Date(day); got != want[0] {
			t.Errorf("%s: Date = %q, want %q", code, got, want[0])
		}
		if got := tx.Number(1234567); got != want[1] {
			t.Errorf("%s: Number = %q, want %q", code, got, want[1])
		}
	}
	if got := c.Texts("de").Day("2027-06-30"); got != "30. Juni 2027" {
		t.Errorf("Day = %q", got)
	}
	if got := c.Texts("de").Day("not a day"); got != "not a day" {
		t.Errorf("Day of a bad date = %q, want it as given", got)
	}
}

func TestTexts(t *testing.T) {
	c := load(t)
	en, de := c.Texts("en"), c.Texts("de")
	if got := en.T("flow.login.heading"); got != "Sign in to Acme Account" {
		t.Errorf("T = %q, want the product name in it", got)
	}
	if got := de.T("no.such.text"); got != "no.such.text" {
		t.Errorf("a missing text = %q, want its id", got)
	}
	h := string(en.HTML("dashboard.personal_html", "Address", `<b>ann</b>@gmail.com`))
	if strings.Contains(h, "<b>") || !strings.Contains(h, "&lt;b&gt;ann&lt;/b&gt;@gmail.com") || !strings.Contains(h, "<strong>") {
		t.Errorf("HTML = %q, want the value escaped and the text's markup kept", h)
	}
	rd, err := Load("Product", "R&D <i>Portal</i>")
	if err != nil {
		t.Fatal(err)
	}
	if h := string(rd.Texts("de").HTML("dashboard.personal_html", "Address", "a@gmail.com")); strings.Contains(h, "<i>") || !strings.Contains(h, "R&amp;D &lt;i&gt;Portal&lt;/i&gt;") {
		t.Errorf("HTML = %q, want the product name escaped too", h)
	}
	// Kratos's JSON numbers are written as the language writes numbers.
	tooLong := map[string]any{"max_length": 100.0, "actual_length": 1e6}
	if got := de.Kratos(4000017, tooLong, "fallback"); got != "Bitte geben Sie höchstens 100 Zeichen ein (eingegeben: 1.000.000)." {
		t.Errorf("Kratos(4000017) = %q, want the German text with its numbers", got)
	}
	if got := en.Kratos(4000017, tooLong, "fallback"); got != "Please enter at most 100 characters (you entered 1,000,000)." {
		t.Errorf("Kratos(4000017) in English = %q", got)
	}
	if got := de.Kratos(4000017, map[string]any{}, "length must be <= 100, but got 1000000"); got != "length must be <= 100, but got 1000000" {
		t.Errorf("Kratos(4000017) without its values = %q, want Kratos's own text", got)
	}
	if got := de.Kratos(1234567, nil, "Kratos's own text"); got != "Kratos's own text" {
		t.Errorf("Kratos of an unknown id = %q, want the fallback", got)
	}
	if !de.Has("flow.already_intro") || de.Has("no.such.text") {
		t.Error("Has is wrong")
	}
	if got := de.T("flow.already_intro", "Address", "a@b.c"); got != "flow.already_intro" {
		t.Errorf("a text given too few values = %q, want its id", got)
	}
	if !Known("fr") || Known("FR") || Known("") {
		t.Error("Known is wrong")
	}
}

// A text without values is localized once and then kept: asked again it
// is the same, in its own language, and an id the catalog lacks is still
// its id (and not kept).
func TestPlainTextsAreKept(t *testing.T) {
	c := load(t)
	en, de := c.Texts("en"), c.Texts("de")
	for range 3 {
		if got := en.T("layout.sign_out"); got != "Sign out" {
			t.Errorf("en layout.sign_out = %q", got)
		}
		if got := de.T("layout.sign_out"); got == "Sign out" || got == "layout.sign_out" {
			t.Errorf("de layout.sign_out = %q, want German", got)
		}
		if got := en.T("no.such.text"); got != "no.such.text" {
			t.Errorf("missing text = %q, want its id", got)
		}
	}
	if _, kept := en.plain.Load("no.such.text"); kept {
		t.Error("a missing id was kept")
	}
	// A text that takes values is not affected: each call has its own.
	if a, b := en.T("date.long", "Day", 1, "Month", "June", "Year", 2027), en.T("date.long", "Day", 2, "Month", "June", "Year", 2027); a == b {
		t.Errorf("two dates localized alike: %q", a)
	}
}

// kratos.4000004 says in words what the identity schema's one pattern,
// the username's, allows: a pattern added to the schema needs words of
// its own.
func TestThePatternTextDescribesTheSchema(t *testing.T) {
	raw, err := os.ReadFile("../../config/identity.schema.json")
	if err != nil {
		t.Fatal(err)
	}
	got := regexp.MustCompile(`"pattern":\s*"([^"]*)"`).FindAllStringSubmatch(string(raw), -1)
	if len(got) != 1 || got[0][1] != `^[a-zA-Z0-9][a-zA-Z0-9._-]*$` {
		t.Errorf("the identity schema's patterns are %q; kratos.4000004 describes the username's alone", got)
	}
}
