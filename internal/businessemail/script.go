package businessemail

import (
	"strings"
	"unicode"
)

// scriptOf returns the Unicode script of a letter, or "" for characters
// shared by every script (digits, hyphens, combining marks).
func scriptOf(r rune) string {
	if r < 0x80 {
		if 'a' <= r && r <= 'z' || 'A' <= r && r <= 'Z' {
			return "Latin"
		}
		return ""
	}
	if unicode.In(r, unicode.Common, unicode.Inherited) {
		return ""
	}
	for name, table := range unicode.Scripts {
		if unicode.Is(table, r) {
			return name
		}
	}
	return "Unknown"
}

// mixedScripts are the combinations one label may use (UTS #39's "highly
// restrictive" level): one script, or Latin with the scripts written
// together in Japanese, Chinese or Korean.
var mixedScripts = []map[string]bool{
	{"Latin": true, "Han": true, "Hiragana": true, "Katakana": true},
	{"Latin": true, "Han": true, "Bopomofo": true},
	{"Latin": true, "Han": true, "Hangul": true},
}

// mixedScript reports whether a label of the Unicode domain mixes scripts
// in a way no language does, as look-alikes do ("gmаil" with a Cyrillic а).
func mixedScript(domain string) bool {
	for _, label := range strings.Split(domain, ".") {
		seen := map[string]bool{}
		for _, r := range label {
			if s := scriptOf(r); s != "" {
				seen[s] = true
			}
		}
		if len(seen) > 1 && !allowedMix(seen) {
			return true
		}
	}
	return false
}

func allowedMix(seen map[string]bool) bool {
	for _, allowed := range mixedScripts {
		ok := true
		for s := range seen {
			if !allowed[s] {
				ok = false
				break
			}
		}
		if ok {
			return true
		}
	}
	return false
}

// confusable maps Cyrillic and Greek letters to the Latin letters they are
// drawn like (a subset of Unicode's confusables.txt).
var confusable = map[rune]rune{
	'а': 'a', 'в': 'b', 'с': 'c', 'ԁ': 'd', 'е': 'e', 'ё': 'e', 'һ': 'h', 'і': 'i', 'ї': 'i', 'ј': 'j',
	'к': 'k', 'ӏ': 'l', 'м': 'm', 'н': 'h', 'о': 'o', 'р': 'p', 'ԛ': 'q', 'ѕ': 's', 'т': 't', 'у': 'y',
	'ԝ': 'w', 'х': 'x', 'ү': 'y', 'ɡ': 'g', 'ո': 'n', 'ս': 'u', 'օ': 'o',
	'α': 'a', 'β': 'b', 'ε': 'e', 'η': 'n', 'ι': 'i', 'κ': 'k', 'ν': 'v', 'ο': 'o', 'ρ': 'p', 'τ': 't',
	'υ': 'u', 'χ': 'x', 'ω': 'w',
}

// skeleton returns the Latin look-alike of a Unicode domain whose
// non-Latin letters are all confusable ("аррӏе.com" gives "apple.com"),
// or "" when some letter has no Latin twin.
func skeleton(unicodeDomain string) string {
	var b strings.Builder
	changed := false
	for _, r := range unicodeDomain {
		if r < 0x80 {
			b.WriteRune(r)
			continue
		}
		l, ok := confusable[unicode.ToLower(r)]
		if !ok {
			return ""
		}
		b.WriteRune(l)
		changed = true
	}
	if !changed {
		return ""
	}
	return b.String()
}
