package businessemail

import (
	"strings"
	"unicode"

	"golang.org/x/text/unicode/norm"
)

// commonScripts are tried first: nearly every letter in a domain is in one
// of them, so the full table is rarely scanned.
var commonScripts = []string{
	"Latin", "Cyrillic", "Greek", "Han", "Hiragana", "Katakana", "Hangul", "Arabic",
	"Hebrew", "Devanagari", "Thai", "Armenian", "Georgian", "Bopomofo",
}

// scriptOf returns the Unicode script of a letter, or "" for characters
// shared by every script (digits, hyphens, combining marks). hint, the
// script of the letter before, is tried first: a label is nearly always
// written in one script, so the tables are scanned once per label.
func scriptOf(r rune, hint string) string {
	if r < 0x80 {
		if 'a' <= r && r <= 'z' || 'A' <= r && r <= 'Z' {
			return "Latin"
		}
		return ""
	}
	if unicode.In(r, unicode.Common, unicode.Inherited) {
		return ""
	}
	if hint != "" && unicode.Is(unicode.Scripts[hint], r) {
		return hint
	}
	for _, name := range commonScripts {
		if unicode.Is(unicode.Scripts[name], r) {
			return name
		}
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
var mixedScripts = [][]string{
	{"Latin", "Han", "Hiragana", "Katakana"},
	{"Latin", "Han", "Bopomofo"},
	{"Latin", "Han", "Hangul"},
}

// mixedScript reports whether a label of the Unicode domain mixes scripts
// in a way no language does, as look-alikes do ("gmаil" with a Cyrillic а).
func mixedScript(domain string) bool {
	for label := range strings.SplitSeq(domain, ".") {
		var seen []string
		last := ""
		for _, r := range label {
			s := scriptOf(r, last)
			if s == "" {
				continue
			}
			last = s
			if !contains(seen, s) {
				seen = append(seen, s)
			}
		}
		if len(seen) > 1 && !allowedMix(seen) {
			return true
		}
	}
	return false
}

func allowedMix(seen []string) bool {
	for _, allowed := range mixedScripts {
		ok := true
		for _, s := range seen {
			if !contains(allowed, s) {
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

func contains(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}

// confusable maps letters to the Latin letter they are drawn like: the
// Cyrillic, Greek, Armenian and Latin-extension look-alikes of Unicode's
// confusables.txt that can appear in a domain after IDNA mapping.
var confusable = map[rune]rune{
	// Cyrillic
	'а': 'a', 'в': 'b', 'с': 'c', 'ԁ': 'd', 'е': 'e', 'ё': 'e', 'һ': 'h', 'і': 'i', 'ї': 'i', 'ј': 'j',
	'к': 'k', 'ӏ': 'l', 'м': 'm', 'н': 'h', 'о': 'o', 'р': 'p', 'ԛ': 'q', 'ѕ': 's', 'т': 't', 'у': 'y',
	'ԝ': 'w', 'х': 'x', 'ү': 'y', 'ԍ': 'g', 'ɡ': 'g', 'ѡ': 'w', 'ꙇ': 'i', 'ӓ': 'a', 'ӧ': 'o',
	// Greek
	'α': 'a', 'β': 'b', 'ε': 'e', 'η': 'n', 'ι': 'i', 'κ': 'k', 'ν': 'v', 'ο': 'o', 'ρ': 'p', 'τ': 't',
	'υ': 'u', 'χ': 'x', 'ω': 'w', 'ϲ': 'c', 'ϳ': 'j',
	// Armenian
	'ո': 'n', 'ս': 'u', 'օ': 'o', 'հ': 'h', 'զ': 'q', 'ց': 'g',
	// Latin extensions drawn like plain letters
	'ı': 'i', 'ɑ': 'a', 'ɢ': 'g', 'ʟ': 'l', 'ɪ': 'i', 'ᴏ': 'o', 'ɩ': 'i', 'ŀ': 'l', 'ł': 'l', 'ø': 'o',
	'đ': 'd', 'ħ': 'h', 'ŧ': 't', 'ƅ': 'b', 'ɋ': 'q', 'ʀ': 'r', 'ʏ': 'y', 'ᴄ': 'c', 'ᴜ': 'u', 'ᴠ': 'v', 'ᴡ': 'w', 'ᴢ': 'z',
}

// skeleton returns the plain-Latin look-alike of a Unicode domain: accents
// and other marks dropped, confusable letters replaced. It returns "" when
// a letter has no Latin twin, or when nothing changed.
func skeleton(unicodeDomain string) string {
	var b strings.Builder
	for _, r := range norm.NFD.String(unicodeDomain) {
		switch {
		case r < 0x80:
			b.WriteRune(r)
		case unicode.Is(unicode.Mn, r):
			// a combining accent: drop it
		default:
			l, ok := confusable[unicode.ToLower(r)]
			if !ok {
				return ""
			}
			b.WriteRune(l)
		}
	}
	s := b.String()
	if s == unicodeDomain {
		return ""
	}
	return s
}
