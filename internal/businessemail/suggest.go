package businessemail

import "strings"

// commonSuffixes are the endings a mistyped domain ending is compared
// with: the generic ones most businesses use, and the biggest countries'.
// It is short on purpose: the longer it is, the more often a typo lies
// one edit from two of them, and then no suggestion is clear. Two-letter
// endings a typo of .com or .net reaches ("co", "cm", "om", "ne") are left
// out, so that .con, .cmo, .ocm and .nte each have one answer.
var commonSuffixes = []string{
	"com", "net", "org", "edu", "gov", "info", "biz", "io",
	"de", "fr", "it", "es", "nl", "ch", "at", "be", "se", "pl", "eu", "uk",
	"co.uk", "org.uk", "ac.uk", "com.au", "co.nz", "co.jp", "co.in", "com.br", "co.za",
}

// suggestSuffix returns domain with its ending corrected when the ending
// is no public suffix and exactly one common suffix is one edit away
// ("acme-widgets.con" -> "acme-widgets.com"), else "". domain is an
// ASCII domain whose ending the Public Suffix List does not know.
func suggestSuffix(domain string) string {
	// The last two labels are tried first, so that "acme.co.ukk" and
	// "acme.co.u" become "acme.co.uk" rather than two answers from "ukk" or "u".
	last := strings.LastIndexByte(domain, '.')
	if last <= 0 {
		return ""
	}
	if prev := strings.LastIndexByte(domain[:last], '.'); prev > 0 {
		if s := suggestFor(domain[:prev], domain[prev+1:]); s != "" {
			return s
		}
	}
	return suggestFor(domain[:last], domain[last+1:])
}

// suggestFor returns head + "." + the one common suffix one edit away
// from typed, or "" when there is none or more than one.
func suggestFor(head, typed string) string {
	var found string
	for _, s := range commonSuffixes {
		if !oneEditAnywhere(typed, s) {
			continue
		}
		if found != "" {
			return ""
		}
		found = s
	}
	if found == "" {
		return ""
	}
	suggestion := head + "." + found
	// The corrected domain must be one a business can hold: not a bare
	// suffix ("co" + ".uk"), not a reserved name ("example" + ".com").
	if _, r := registrable(suggestion); r != OK {
		return ""
	}
	return suggestion
}

// oneEditAnywhere is oneEdit without the first-letter condition: an
// ending is mistyped at its first letter as often as anywhere (".vom").
func oneEditAnywhere(a, b string) bool {
	if a == "" || b == "" || a == b {
		return false
	}
	if a[0] == b[0] {
		return oneEdit(a, b)
	}
	switch len(a) - len(b) {
	case 0:
		return a[1:] == b[1:] || len(a) > 1 && a[0] == b[1] && a[1] == b[0] && a[2:] == b[2:]
	case 1:
		return a[1:] == b
	case -1:
		return a == b[1:]
	}
	return false
}

// SuggestionMessage is the message of an address whose domain ending is
// mistyped, with the correction: "acme-widgets.con is not a domain. Did
// you mean acme-widgets.com?".
func SuggestionMessage(domain, suggestion string) string {
	return domain + " is not a domain. Did you mean " + suggestion + "?"
}

// suggestion is the correction offered with a refusal, if any.
func suggestion(r Reason, a Address) string {
	if r != UnknownSuffix {
		return ""
	}
	return suggestSuffix(a.Domain)
}
