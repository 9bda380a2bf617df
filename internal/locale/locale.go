// Package locale holds WorkID's texts in every language it ships and picks
// the language of a request.
//
// The texts are go-i18n message files embedded from locales/: workid.LANG.json
// for WorkID's own pages, kratos.LANG.json for Kratos's messages by their
// IDs (kratos.4000002). A text is a Go text/template over named values
// ({{.Domain}}); a key ending in "_html" holds HTML whose values are escaped
// before they go in. Plural texts have CLDR plural forms (one, other, ...),
// chosen by go-i18n's CLDR rules.
package locale

import (
	"embed"
	"errors"
	"fmt"
	"html/template"
	"io/fs"
	"math"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/nicksnyder/go-i18n/v2/i18n"
	i18ntemplate "github.com/nicksnyder/go-i18n/v2/i18n/template"
	"golang.org/x/text/language"
	"golang.org/x/text/message"
)

//go:embed locales/*.json
var files embed.FS

// Lang is one shipped language.
type Lang struct {
	// Code is the BCP 47 tag written in cookies and the identity's
	// metadata ("de").
	Code string
	// Name is the language's name in itself ("Deutsch"), for the switch.
	Name string
	tag  language.Tag
}

// Langs are the shipped languages, English first: it is the default and
// the fallback of a text another language lacks.
var Langs = []Lang{
	{Code: "en", Name: "English", tag: language.English},
	{Code: "de", Name: "Deutsch", tag: language.German},
	{Code: "fr", Name: "Français", tag: language.French},
	{Code: "es", Name: "Español", tag: language.Spanish},
	{Code: "ja", Name: "日本語", tag: language.Japanese},
}

// MetadataKey is the key of an account's language in its metadata_public:
// the UI's switch writes it, registration records the language the
// account was made in, and mails follow it.
const MetadataKey = "locale"

// Catalog is every language's texts, loaded once.
type Catalog struct {
	bundle *i18n.Bundle
	texts  []*Texts // in the order of Langs
}

// matcher finds the shipped language nearest a browser's preferences.
var matcher = language.NewMatcher(func() []language.Tag {
	tags := make([]language.Tag, len(Langs))
	for i, l := range Langs {
		tags[i] = l.tag
	}
	return tags
}())

// Load reads the embedded message files. common are named values every
// text may use (name, value, ...: "Product", the brand's product name).
func Load(common ...any) (*Catalog, error) {
	b := i18n.NewBundle(language.English)
	names, err := fs.Glob(files, "locales/*.json")
	if err != nil {
		return nil, err
	}
	for _, name := range names {
		if _, err := b.LoadMessageFileFS(files, name); err != nil {
			return nil, fmt.Errorf("message file %s: %w", name, err)
		}
	}
	c := &Catalog{bundle: b}
	values := pairs(common)
	for _, l := range Langs {
		c.texts = append(c.texts, &Texts{
			lang:    l,
			common:  values,
			loc:     i18n.NewLocalizer(b, l.Code, "en"),
			printer: message.NewPrinter(l.tag),
		})
	}
	return c, nil
}

// Texts returns the texts of the shipped language code, or English.
func (c *Catalog) Texts(code string) *Texts {
	for i, l := range Langs {
		if l.Code == code {
			return c.texts[i]
		}
	}
	return c.texts[0]
}

// Codes lists the shipped languages' codes: "en, de, fr, es, ja".
func Codes() string {
	codes := make([]string, len(Langs))
	for i, l := range Langs {
		codes[i] = l.Code
	}
	return strings.Join(codes, ", ")
}

// Known reports whether code is a shipped language.
func Known(code string) bool {
	for _, l := range Langs {
		if l.Code == code {
			return true
		}
	}
	return false
}

// Negotiate picks the language of a request: Match's, else English.
func (c *Catalog) Negotiate(chosen, acceptLanguage string) *Texts {
	return c.Texts(Match(chosen, acceptLanguage))
}

// Match is the code of the shipped language a browser wants: the chosen
// one (the switch's cookie) when it is shipped, else the best match of its
// Accept-Language; "" when it names none that WorkID ships.
func Match(chosen, acceptLanguage string) string {
	if Known(chosen) {
		return chosen
	}
	if acceptLanguage == "" || len(acceptLanguage) > 1000 {
		return ""
	}
	prefs, _, err := language.ParseAcceptLanguage(acceptLanguage)
	if err != nil || len(prefs) == 0 {
		return ""
	}
	_, i, conf := matcher.Match(prefs...)
	if conf == language.No {
		return ""
	}
	return Langs[i].Code
}

// Texts are one language's texts.
type Texts struct {
	lang    Lang
	common  map[string]any
	loc     *i18n.Localizer
	printer *message.Printer
	// plain are the texts asked for without values, by id, once
	// localized: they are the same every time (the common values do not
	// change), and a page asks for dozens. Only ids the catalog has are
	// kept, so the map is bounded by the catalog.
	plain sync.Map
}

// Lang is the texts' language.
func (t *Texts) Lang() Lang { return t.lang }

// T is the text id with the named values of kv (name, value, name,
// value...). A text the language lacks is English's; one the catalog
// lacks, or one given too few values (the tests keep both from
// happening), is its id, so a page shows what to fix rather than a gap.
func (t *Texts) T(id string, kv ...any) string {
	return t.localize(id, nil, kv)
}

// N is the plural text id for count, which the text can show as
// {{.Count}} (written in the language's number format).
func (t *Texts) N(id string, count int, kv ...any) string {
	return t.localize(id, count, append(kv, "Count", t.Number(count)))
}

// HTML is the "_html" text id, whose values, the common ones too, are
// escaped before they go in.
func (t *Texts) HTML(id string, kv ...any) template.HTML {
	values := make(map[string]any, len(t.common)+len(kv)/2)
	for k, v := range t.common {
		values[k] = template.HTMLEscapeString(fmt.Sprint(v))
	}
	for k, v := range pairs(kv) {
		values[k] = template.HTMLEscapeString(fmt.Sprint(v))
	}
	s, err := t.localizeData(id, nil, values)
	if err != nil {
		s = template.HTMLEscapeString(id)
	}
	return template.HTML(s) //nolint:gosec // the catalog's own markup, every value escaped
}

// Kratos is Kratos's message id in this language, with its context's
// values, or fallback (Kratos's own English text) when the catalog has no
// text for it or the context lacks a value the text needs.
func (t *Texts) Kratos(id int64, context map[string]any, fallback string) string {
	// Kratos's numbers come as JSON's: 1000000 would print as 1e+06.
	var values map[string]any
	if len(context) > 0 {
		values = make(map[string]any, len(context))
	}
	for k, v := range context {
		if f, ok := v.(float64); ok && f == math.Trunc(f) && math.Abs(f) < 1e15 {
			v = t.Number(int(f))
		}
		values[k] = v
	}
	s, err := t.localizeData("kratos."+strconv.FormatInt(id, 10), nil, values)
	if err != nil || s == "" {
		return fallback
	}
	return s
}

// Has reports whether the catalog has a text for id, in English at least,
// whatever values it names.
func (t *Texts) Has(id string) bool {
	// The strict parser, as every lookup: go-i18n keeps the first parse
	// of a text for good. A text that needs values fails for want of them,
	// and exists.
	s, err := t.loc.Localize(&i18n.LocalizeConfig{MessageID: id, TemplateParser: strict})
	var missing *i18n.MessageNotFoundErr
	return !errors.As(err, &missing) || s != ""
}

// Lookup is the text id, and whether the catalog has one (in English at
// least) that needs no values.
func (t *Texts) Lookup(id string) (string, bool) {
	s, err := t.localizeData(id, nil, nil)
	return s, err == nil
}

// Sentences joins sentences as they are written: with a space after one
// that ends in a Latin full stop, nothing after a full-width "。", "！" or
// "？" (Japanese).
func Sentences(s ...string) string {
	var b strings.Builder
	for i, x := range s {
		if i > 0 && !strings.HasSuffix(s[i-1], "。") && !strings.HasSuffix(s[i-1], "！") && !strings.HasSuffix(s[i-1], "？") {
			b.WriteByte(' ')
		}
		b.WriteString(x)
	}
	return b.String()
}

func (t *Texts) localize(id string, count any, kv []any) string {
	s, err := t.localizeData(id, count, pairs(kv))
	if err != nil {
		return id
	}
	return s
}

// localizeData is the text id with values (and the common ones, which
// values may override), for count when it is a plural text.
func (t *Texts) localizeData(id string, count any, values map[string]any) (string, error) {
	if len(values) == 0 {
		if count == nil {
			if s, ok := t.plain.Load(id); ok {
				return s.(string), nil
			}
		}
		// Texts only read their values: the common ones need no copy.
		s, err := t.get(id, t.common, count)
		if err == nil && count == nil {
			t.plain.Store(id, s)
		}
		return s, err
	}
	data := make(map[string]any, len(t.common)+len(values))
	for k, v := range t.common {
		data[k] = v
	}
	for k, v := range values {
		data[k] = v
	}
	return t.get(id, data, count)
}

// strict fails a text whose data lacks a value it names, where
// text/template would write "<no value>".
var strict = &i18ntemplate.TextParser{Option: "missingkey=error"}

// get localizes id; a text this language lacks is English's (go-i18n
// returns it with a MessageNotFoundErr).
func (t *Texts) get(id string, data map[string]any, count any) (string, error) {
	s, err := t.loc.Localize(&i18n.LocalizeConfig{MessageID: id, TemplateData: data, PluralCount: count, TemplateParser: strict})
	var missing *i18n.MessageNotFoundErr
	if errors.As(err, &missing) && s != "" {
		return s, nil
	}
	return s, err
}

func pairs(kv []any) map[string]any {
	m := make(map[string]any, len(kv)/2)
	addPairs(m, kv)
	return m
}

// addPairs sets m's names of kv (name, value, name, value...).
func addPairs(m map[string]any, kv []any) {
	for i := 0; i+1 < len(kv); i += 2 {
		if k, ok := kv[i].(string); ok {
			m[k] = kv[i+1]
		}
	}
}

// Number writes n in the language's format (1,234 or 1.234).
func (t *Texts) Number(n int) string { return t.printer.Sprint(n) }

// Date writes a day in the language's long format ("30 June 2027",
// "30. Juni 2027", "2027年6月30日"), from the catalog's date pattern and
// month names. A zero time is "".
func (t *Texts) Date(d time.Time) string {
	if d.IsZero() {
		return ""
	}
	d = d.UTC()
	return t.T("date.long", "Day", d.Day(), "Month", t.T("month."+strconv.Itoa(int(d.Month()))),
		"Year", d.Year())
}

// DateTime writes a moment as its day and its UTC time of day, in the
// language's words ("1 December 2026 at 09:30 UTC").
func (t *Texts) DateTime(d time.Time) string {
	if d.IsZero() {
		return ""
	}
	return t.T("date.time", "Date", t.Date(d), "Time", d.UTC().Format("15:04"))
}

// Day is Date for a YYYY-MM-DD day; anything else is written as given.
func (t *Texts) Day(iso string) string {
	d, err := time.Parse(time.DateOnly, strings.TrimSpace(iso))
	if err != nil {
		return iso
	}
	return t.Date(d)
}
