package traittext

import (
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"
)

// Problem is why a trait's text is refused.
type Problem uint8

// The problems. OK carries no message; the others have the message IDs
// MessageIDBase+0, +1, ... in this order. Never renumber: the IDs are part
// of WorkID's contract with UIs.
const (
	OK        Problem = iota
	Control           // C0 and C1 controls (CR, LF, NUL, TAB, ...), U+2028, U+2029
	Bidi              // bidi embeddings, overrides, isolates and marks
	Invisible         // other format characters (Cf), other invisible or unprintable ones: zero-width spaces, BOM, soft hyphen, fillers, private use, ...
	BadUTF8           // bytes that are not UTF-8 text
	Blank             // nothing but spaces
)

// NumProblems is how many problems there are, OK included: they run from
// 0 to NumProblems-1, each with a code.
const NumProblems = 6

// MessageIDBase is the message ID of the first refusal (Control).
// WorkID's Kratos message IDs are 91xxxxx: 9100000-9100099 for the
// business-email rule (internal/businessemail), 9100100-9100199 for this
// rule.
const MessageIDBase = 9100100

var codes = [NumProblems]string{
	OK: "ok", Control: "control_character", Bidi: "bidi_control", Invisible: "invisible_character", BadUTF8: "invalid_utf8",
	Blank: "blank",
}

// Code is the problem's stable name, used in logs, metrics and the Kratos
// message context.
func (p Problem) Code() string { return codes[p] }

// MessageID is the Kratos message ID of a refusal; 0 for OK.
func (p Problem) MessageID() int64 {
	if p == OK {
		return 0
	}
	return MessageIDBase + int64(p) - 1
}

// Message tells the user what is wrong with the field called label ("The
// first name") and what to do; r is the refused character.
func (p Problem) Message(label string, r rune) string {
	switch p {
	case Control:
		return fmt.Sprintf("%s contains a line break, tab or other control character (%s). Please type it on one line, with letters, digits and spaces only.", label, CodePoint(r))
	case Bidi:
		return fmt.Sprintf("%s contains a character that reverses or reorders the text around it (%s), which can make it read as something else. Please type it again without it.", label, CodePoint(r))
	case Invisible:
		return fmt.Sprintf("%s contains an invisible character (%s), such as a zero-width space or a soft hyphen. Please type it again without it.", label, CodePoint(r))
	case BadUTF8:
		return label + " contains bytes that are not valid text. Please type it again."
	case Blank:
		return fmt.Sprintf("%s holds only spaces (%s). Please type it with letters.", label, CodePoint(r))
	}
	return ""
}

// CodePoint writes r as U+XXXX.
func CodePoint(r rune) string { return fmt.Sprintf("U+%04X", r) }

// Check returns the first character of s the rule refuses, and why; OK
// when there is none.
func Check(s string) (Problem, rune) {
	blank := true
	var first rune
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		if p := classify(r, size); p != OK {
			return p, r
		}
		if i == 0 {
			first = r
		}
		blank = blank && unicode.IsSpace(r)
		i += size
	}
	if blank && s != "" {
		return Blank, first
	}
	return OK, 0
}

func classify(r rune, size int) Problem {
	switch {
	case r == utf8.RuneError && size == 1:
		return BadUTF8
	case r < utf8.RuneSelf:
		if r < ' ' || r == 0x7f {
			return Control
		}
		return OK
	case unicode.Is(unicode.Cc, r) || r == '\u2028' || r == '\u2029':
		return Control
	case isBidiControl(r):
		return Bidi
	case unicode.Is(unicode.Cf, r) || r == '\u00ad' || unprintable(r):
		return Invisible
	}
	return OK
}

// unprintable reports characters that show nothing, or nothing agreed on,
// without being format characters: the combining grapheme joiner,
// variation selectors, Hangul fillers, the blank braille pattern, private
// use and unassigned code points.
func unprintable(r rune) bool {
	switch r {
	case '\u034f', '\u115f', '\u1160', '\u3164', '\uffa0', '\u2800':
		return true
	}
	return unicode.Is(unicode.Variation_Selector, r) || unicode.Is(unicode.Other_Default_Ignorable_Code_Point, r) ||
		unicode.Is(unicode.Co, r) || !unicode.Is(unicode.L, r) && !unicode.In(r, unicode.M, unicode.N, unicode.P, unicode.S, unicode.Z)
}

// isBidiControl reports the explicit directional formatting characters
// (Unicode's Bidi_Control property), which can reorder what a name shows.
func isBidiControl(r rune) bool {
	return r >= '\u202a' && r <= '\u202e' || r >= '\u2066' && r <= '\u2069' ||
		r == '\u200e' || r == '\u200f' || r == '\u061c'
}

// Finding is one trait the rule refuses.
type Finding struct {
	// Path is the trait's place in the traits: ["name", "first"].
	Path    []string
	Problem Problem
	// Rune is the first refused character (U+FFFD for invalid UTF-8).
	Rune rune
}

// Pointer is where Kratos shows the message: "#/traits/name/first".
func (f Finding) Pointer() string {
	var b strings.Builder
	b.WriteString("#/traits")
	for _, p := range f.Path {
		// RFC 6901 escapes.
		b.WriteString("/" + strings.NewReplacer("~", "~0", "/", "~1").Replace(p))
	}
	return b.String()
}

// Field is the trait's name in dotted form: "name.first".
func (f Finding) Field() string { return strings.Join(f.Path, ".") }

// labels name the identity schema's text traits in messages.
var labels = map[string]string{
	"username":   "The username",
	"name.first": "The first name",
	"name.last":  "The last name",
}

// Message is what the user reads on the field.
func (f Finding) Message() string {
	label, ok := labels[f.Field()]
	if !ok {
		label = "This field"
	}
	return f.Problem.Message(label, f.Rune)
}

// Result is the rule's answer for a set of traits.
type Result struct {
	// Traits are the traits with every text trait in NFC: a copy, which
	// shares nothing with the input.
	Traits map[string]any
	// Changed tells whether normalising changed any text.
	Changed bool
	// Findings are the refused traits, in the order of their paths.
	Findings []Finding
}

// EmailTrait is the trait this rule leaves alone: the business-email rule
// judges it, and its form is the address Kratos verifies.
const EmailTrait = "email"

// Traits applies the rule to every string among traits, at any depth,
// except the top-level email: each is checked and normalised to NFC.
// Values that are not strings are copied as they are.
func Traits(traits map[string]any) Result {
	var r Result
	r.Traits, _ = r.walk(traits, nil).(map[string]any)
	if r.Traits == nil {
		r.Traits = map[string]any{}
	}
	return r
}

func (r *Result) walk(v any, path []string) any {
	switch v := v.(type) {
	case string:
		if len(path) == 1 && path[0] == EmailTrait {
			return v
		}
		if p, c := Check(v); p != OK {
			r.Findings = append(r.Findings, Finding{Path: slices.Clone(path), Problem: p, Rune: c})
			return v
		}
		n := norm.NFC.String(v)
		if n != v {
			r.Changed = true
		}
		return n
	case map[string]any:
		out := make(map[string]any, len(v))
		for _, k := range slices.Sorted(maps.Keys(v)) {
			out[k] = r.walk(v[k], append(path, k))
		}
		return out
	case []any:
		out := make([]any, len(v))
		for i, e := range v {
			out[i] = r.walk(e, append(path, strconv.Itoa(i)))
		}
		return out
	}
	return v
}

// Text checks one text trait and returns it in NFC: what a command that
// takes a name as an argument needs. field is the trait's dotted name
// ("name.first"), for the message.
func Text(field, s string) (string, *Finding) {
	if p, c := Check(s); p != OK {
		return s, &Finding{Path: strings.Split(field, "."), Problem: p, Rune: c}
	}
	return norm.NFC.String(s), nil
}
