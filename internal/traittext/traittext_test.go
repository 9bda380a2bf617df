package traittext

import (
	"encoding/json"
	"reflect"
	"strings"
	"testing"
	"unicode"

	"golang.org/x/text/unicode/norm"
)

func TestCheck(t *testing.T) {
	tests := []struct {
		in   string
		want Problem
		r    rune
	}{
		{"Ann", OK, 0},
		{"José María", OK, 0},
		{"Zoë O'Brien-Smith", OK, 0},
		{"李小龍", OK, 0},
		{"محمد", OK, 0},
		{"Ann\nLee", Control, '\n'},
		{"Ann\r", Control, '\r'},
		{"Ann\x00", Control, 0},
		{"Ann\tLee", Control, '\t'},
		{"Ann\x7f", Control, 0x7f},
		{"Ann\u0085", Control, 0x85}, // C1: next line
		{"Ann\u009b", Control, 0x9b}, // C1: CSI
		{"Ann\u2028Lee", Control, 0x2028},
		{"Ann\u2029", Control, 0x2029},
		{"Ann\u202eeeL", Bidi, 0x202e},
		{"\u202aAnn", Bidi, 0x202a},
		{"Ann\u202c", Bidi, 0x202c},
		{"Ann\u2066x\u2069", Bidi, 0x2066},
		{"Ann\u2069", Bidi, 0x2069},
		{"Ann\u200e", Bidi, 0x200e},
		{"Ann\u200f", Bidi, 0x200f},
		{"Ann\u061c", Bidi, 0x061c},
		{"A\u200bnn", Invisible, 0x200b},
		{"A\u200cnn", Invisible, 0x200c},
		{"A\u200dnn", Invisible, 0x200d},
		{"\ufeffAnn", Invisible, 0xfeff},
		{"A\u2060nn", Invisible, 0x2060},
		{"An\u00adn", Invisible, 0xad},
		{"Ann\U000e0041", Invisible, 0xe0041}, // a tag character
		{"Ann\xff", BadUTF8, '\ufffd'},
		{"Ann\xc3", BadUTF8, '\ufffd'},
		{"Ann\ufffd", OK, 0}, // the replacement character itself is visible text
	}
	for _, tt := range tests {
		p, r := Check(tt.in)
		if p != tt.want || r != tt.r {
			t.Errorf("Check(%q) = %s, %s, want %s, %s", tt.in, p.Code(), CodePoint(r), tt.want.Code(), CodePoint(tt.r))
		}
	}
}

// Every control, format, private-use and unassigned character in Unicode
// is refused, and so is what shows nothing (default ignorables, variation
// selectors, fillers) or only spaces; every other letter, mark, digit,
// punctuation or symbol is not.
func TestCheckCategories(t *testing.T) {
	invisible := map[rune]bool{0x034f: true, 0x115f: true, 0x1160: true, 0x3164: true, 0xffa0: true, 0x2800: true}
	for r := rune(0); r <= unicode.MaxRune; r++ {
		if r >= 0xd800 && r <= 0xdfff {
			continue // surrogates are not text
		}
		p, _ := Check("A" + string(r))
		refused := unicode.In(r, unicode.Cc, unicode.Cf, unicode.Zl, unicode.Zp, unicode.Co, unicode.Variation_Selector, unicode.Other_Default_Ignorable_Code_Point) ||
			invisible[r] || !unicode.In(r, unicode.L, unicode.M, unicode.N, unicode.P, unicode.S, unicode.Z)
		if (p != OK) != refused {
			t.Errorf("Check(A%s) = %s, want refused = %v", CodePoint(r), p.Code(), refused)
		}
	}
	for _, s := range []string{" ", "   ", "\u00a0", "\u3000 "} {
		if p, _ := Check(s); p != Blank {
			t.Errorf("Check(%q) = %s, want blank", s, p.Code())
		}
	}
	if p, _ := Check(""); p != OK {
		t.Errorf("Check(\"\") = %s, want ok (the schema says whether a trait may be empty)", p.Code())
	}
}

func TestMessages(t *testing.T) {
	seen := map[int64]bool{}
	for p := Problem(1); p < NumProblems; p++ {
		id := p.MessageID()
		if id < 9100100 || id > 9100199 || seen[id] {
			t.Errorf("%s.MessageID() = %d, want a new ID in 9100100-9100199", p.Code(), id)
		}
		seen[id] = true
		msg := p.Message("The first name", 0x202e)
		if !strings.HasPrefix(msg, "The first name ") || !strings.Contains(msg, "Please") {
			t.Errorf("%s.Message = %q, want it to name the field and say what to do", p.Code(), msg)
		}
		if p != BadUTF8 && !strings.Contains(msg, "U+202E") {
			t.Errorf("%s.Message = %q, want the character named", p.Code(), msg)
		}
	}
	if OK.MessageID() != 0 || OK.Message("x", 'x') != "" {
		t.Error("OK has a message")
	}
	for p := range Problem(NumProblems) {
		if p.Code() == "" {
			t.Errorf("problem %d has no code", p)
		}
	}
}

func TestTraits(t *testing.T) {
	decomposed := "Jose\u0301" // e + combining acute
	tests := []struct {
		name     string
		in       string
		want     string
		changed  bool
		findings []string // pointer: code
	}{
		{"clean", `{"email":"ann@acme-widgets.com","username":"ann","name":{"first":"Ann","last":"Lee"}}`,
			`{"email":"ann@acme-widgets.com","username":"ann","name":{"first":"Ann","last":"Lee"}}`, false, nil},
		{"nfc", `{"email":"ann@acme-widgets.com","name":{"first":"` + decomposed + `","last":"Lee"}}`,
			`{"email":"ann@acme-widgets.com","name":{"first":"José","last":"Lee"}}`, true, nil},
		{"email left alone", `{"email":"jose\u0301@acme-widgets.com"}`, `{"email":"jose\u0301@acme-widgets.com"}`, false, nil},
		{"every field", `{"email":"a@b.com","username":"ann\u200b","name":{"first":"Ann\u202e","last":"Lee\r\n"}}`, "", false,
			[]string{"#/traits/name/first: bidi_control", "#/traits/name/last: control_character", "#/traits/username: invisible_character"}},
		{"nested and escaped", `{"email":"a@b.com","x/y":{"a~b":["ok","no\u0000"]},"n":42,"b":true,"z":null}`,
			`{"email":"a@b.com","x/y":{"a~b":["ok","no\u0000"]},"n":42,"b":true,"z":null}`, false,
			[]string{"#/traits/x~1y/a~0b/1: control_character"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var in map[string]any
			if err := json.Unmarshal([]byte(tt.in), &in); err != nil {
				t.Fatal(err)
			}
			before, _ := json.Marshal(in)
			r := Traits(in)
			if after, _ := json.Marshal(in); string(after) != string(before) {
				t.Errorf("Traits changed its input: %s, was %s", after, before)
			}
			var got []string
			for _, f := range r.Findings {
				got = append(got, f.Pointer()+": "+f.Problem.Code())
			}
			if !reflect.DeepEqual(got, tt.findings) {
				t.Errorf("Traits(%s) findings = %q, want %q", tt.in, got, tt.findings)
			}
			if r.Changed != tt.changed {
				t.Errorf("Traits(%s) changed = %v, want %v", tt.in, r.Changed, tt.changed)
			}
			if tt.want == "" {
				return
			}
			var want map[string]any
			if err := json.Unmarshal([]byte(tt.want), &want); err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(r.Traits, want) {
				t.Errorf("Traits(%s) = %v, want %v", tt.in, r.Traits, want)
			}
		})
	}
	if r := Traits(nil); r.Traits == nil || len(r.Traits) != 0 || r.Changed || r.Findings != nil {
		t.Errorf("Traits(nil) = %+v, want empty", r)
	}
}

func TestFindingMessage(t *testing.T) {
	for field, want := range map[string]string{
		"username":   "The username contains an invisible character (U+200B), such as a zero-width space or a soft hyphen. Please type it again without it.",
		"name.first": "The first name contains a character that reverses or reorders the text around it (U+202E), which can make it read as something else. Please type it again without it.",
		"name.last":  "The last name contains a line break, tab or other control character (U+000A). Please type it on one line, with letters, digits and spaces only.",
		"nickname":   "This field contains bytes that are not valid text. Please type it again.",
	} {
		in := map[string]string{"username": "a\u200b", "name.first": "a\u202e", "name.last": "a\n", "nickname": "a\xff"}[field]
		_, f := Text(field, in)
		if f == nil || f.Message() != want {
			t.Errorf("Text(%s, %q) = %+v, want the message %q", field, in, f, want)
		}
	}
	if got, f := Text("name.first", "Jose\u0301"); f != nil || got != "José" || !norm.NFC.IsNormalString(got) {
		t.Errorf("Text(decomposed) = %q, %v, want José in NFC", got, f)
	}
}
