package businessemail

import (
	"net/netip"
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/net/idna"
	"golang.org/x/net/publicsuffix"
	"golang.org/x/text/unicode/norm"
)

// RFC 5321 limits, in octets of the ASCII (punycode) form.
const (
	maxLocal   = 64
	maxDomain  = 253
	maxAddress = 254
	// maxInput bounds the work done on a hostile input before any parsing.
	maxInput = 1024
)

// Address is a normalised email address.
type Address struct {
	// Local is the part before the @, in Unicode's composed form (NFC) but
	// otherwise unchanged (it is case-sensitive).
	Local string
	// Domain is the ASCII (punycode) domain, lower case, without a trailing dot.
	Domain string
	// Registrable is the domain a company registers: the public suffix
	// plus one label ("acme.co.uk" for "mail.acme.co.uk").
	Registrable string
	// Skeleton is the plain-Latin look-alike of an internationalised
	// domain: accents dropped and letters drawn like Latin ones replaced
	// ("gmail.com" for "gmäil.com" or "ɡmail.com"), or "" when the domain
	// has a letter with no Latin twin or is plain ASCII.
	Skeleton string
}

// String returns the address in its normal form.
func (a Address) String() string { return a.Local + "@" + a.Domain }

// lookup maps a domain as users type it (any case, Unicode) to its ASCII
// form, refusing labels that DNS or IDNA (RFC 5891) do not allow.
var lookup = idna.New(
	idna.MapForLookup(),
	idna.BidiRule(),
	idna.VerifyDNSLength(true),
	idna.StrictDomainName(true),
	idna.Transitional(false),
)

// reservedTLDs can never receive mail from the internet (RFC 2606, 6761,
// 6762, 7686, and ICANN's .internal).
var reservedTLDs = map[string]bool{
	"test": true, "example": true, "invalid": true, "localhost": true,
	"local": true, "onion": true, "internal": true, "arpa": true, "alt": true,
}

// reservedDomains are registered under real suffixes but reserved for
// documentation (RFC 2606).
var reservedDomains = map[string]bool{"example.com": true, "example.net": true, "example.org": true}

// Normalize parses raw into an Address, or returns why it is not a valid
// address. It allocates only when the domain needs case folding or IDNA.
func Normalize(raw string) (Address, Reason) {
	if len(raw) > maxInput {
		return Address{}, TooLong
	}
	s := strings.TrimSpace(raw)
	if s == "" {
		return Address{}, Empty
	}
	if r := checkRunes(s); r != OK {
		return Address{}, r
	}
	at := strings.IndexByte(s, '@')
	if at < 0 || strings.IndexByte(s[at+1:], '@') >= 0 {
		return Address{}, NotOneAt
	}
	local, domain := nfcLocal(s[:at]), s[at+1:]
	if r := checkLocal(local); r != OK {
		return Address{}, r
	}
	domain = strings.TrimSuffix(domain, ".")
	if domain == "" {
		return Address{Local: local}, BadDomain
	}
	if isIPLiteral(domain) {
		return Address{Local: local, Domain: domain}, IPLiteral
	}
	ascii, unicodeForm, r := toASCII(domain)
	a := Address{Local: local, Domain: ascii}
	if r != OK {
		if a.Domain == "" {
			a.Domain = domain
		}
		return a, r
	}
	if len(ascii) > maxDomain || len(local)+1+len(ascii) > maxAddress {
		return a, TooLong
	}
	if unicodeForm != "" {
		if mixedScript(unicodeForm) {
			return a, MixedScript
		}
		a.Skeleton = skeleton(unicodeForm)
	}
	a.Registrable, r = registrable(ascii)
	return a, r
}

// checkRunes refuses invalid UTF-8 and characters that have no place in an
// address: controls, format characters (zero-width spaces, bidi controls,
// soft hyphens), private use, and spaces inside the address.
func checkRunes(s string) Reason {
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			if c <= ' ' || c == 0x7f {
				return BadCharacters
			}
			i++
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 {
			return BadCharacters
		}
		if unicode.In(r, unicode.Cc, unicode.Cf, unicode.Co, unicode.Cs, unicode.Zs, unicode.Zl, unicode.Zp) ||
			unicode.Is(unicode.Variation_Selector, r) || (r >= 0xFFF0 && r <= 0xFFFF) {
			return BadCharacters
		}
		i += size
	}
	return OK
}

// nfcLocal returns the local part in Unicode's composed form (NFC), as
// RFC 6532 asks, so that its length is that of what is stored and
// compared: "e" and a combining accent is "é". ASCII, the common case, is
// returned as it is without a look.
func nfcLocal(local string) string {
	for i := 0; i < len(local); i++ {
		if local[i] >= utf8.RuneSelf {
			return norm.NFC.String(local)
		}
	}
	return local
}

// checkLocal accepts RFC 5322's dot-atom, with RFC 6531's UTF-8 letters
// and digits, each letter or digit followed by any combining marks: a mark
// alone, first or after a dot or symbol accents nothing. Quoted local
// parts are refused: no business needs them.
func checkLocal(local string) Reason {
	if local == "" {
		return BadLocal
	}
	if len(local) > maxLocal {
		return TooLong
	}
	if local[0] == '.' || local[len(local)-1] == '.' || strings.Contains(local, "..") {
		return BadLocal
	}
	markable := false // whether a combining mark may come next
	for _, r := range local {
		switch {
		case r < utf8.RuneSelf:
			if !isAtext(byte(r)) && r != '.' {
				return BadLocal
			}
			markable = 'a' <= r && r <= 'z' || 'A' <= r && r <= 'Z' || '0' <= r && r <= '9'
		case unicode.IsMark(r):
			if !markable {
				return BadLocal
			}
		case unicode.IsLetter(r) || unicode.IsDigit(r):
			markable = true
		default:
			return BadLocal
		}
	}
	return OK
}

func isAtext(c byte) bool {
	switch {
	case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z', '0' <= c && c <= '9':
		return true
	}
	return strings.IndexByte("!#$%&'*+-/=?^_`{|}~", c) >= 0
}

func isIPLiteral(domain string) bool {
	if domain[0] == '[' {
		return true
	}
	// Only a domain ending in a digit or holding a colon can be an IP
	// address: skip the parse (and its error allocation) for all others.
	if last := domain[len(domain)-1]; !('0' <= last && last <= '9') && strings.IndexByte(domain, ':') < 0 {
		return false
	}
	_, err := netip.ParseAddr(domain)
	return err == nil
}

// toASCII returns the domain's ASCII form and, when the domain is
// internationalised, its Unicode form (for the script check). Plain ASCII
// domains take a fast path that allocates only to lower-case them.
func toASCII(domain string) (ascii, unicodeForm string, r Reason) {
	if isLDH(domain) {
		ascii = lowerASCII(domain)
		if !strings.Contains(ascii, "xn--") {
			return ascii, "", checkLabels(ascii)
		}
	}
	a, err := lookup.ToASCII(domain)
	if err != nil {
		return "", "", BadDomain
	}
	// A trailing dot in another script ("。") becomes "." only in mapping.
	a = strings.TrimSuffix(a, ".")
	u, err := lookup.ToUnicode(a)
	if err != nil {
		return "", "", BadDomain
	}
	if u == a {
		u = "" // ASCII after mapping (full-width letters, say): no script to check
	} else if back, err := lookup.ToASCII(u); err != nil || back != a || !idnRunes(u) {
		// Punycode typed as such must decode to a valid IDN; and UTS #46
		// lets symbols and emoji through where IDNA2008 allows only
		// letters, digits and marks ("xn--zz-zzz" decodes to "z⦌z").
		return "", "", BadDomain
	}
	return a, u, checkLabels(a)
}

// idnRunes reports whether an internationalised domain holds only letters,
// digits, combining marks, hyphens and dots.
func idnRunes(u string) bool {
	for _, r := range u {
		if r != '-' && r != '.' && !unicode.IsLetter(r) && !unicode.IsDigit(r) && !unicode.IsMark(r) {
			return false
		}
	}
	return true
}

// isLDH reports whether s has only ASCII letters, digits, hyphens and dots.
func isLDH(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '-' || c == '.') {
			return false
		}
	}
	return true
}

func lowerASCII(s string) string {
	for i := 0; i < len(s); i++ {
		if 'A' <= s[i] && s[i] <= 'Z' {
			return strings.ToLower(s)
		}
	}
	return s
}

// checkLabels checks an ASCII domain's labels: at least two, none empty,
// at most 63 octets, no hyphen at either end.
func checkLabels(domain string) Reason {
	labels := 0
	for rest := domain; ; {
		label, after, more := strings.Cut(rest, ".")
		if label == "" || len(label) > 63 || label[0] == '-' || label[len(label)-1] == '-' {
			return BadDomain
		}
		labels++
		if !more {
			break
		}
		rest = after
	}
	if labels < 2 {
		return UnknownSuffix
	}
	return OK
}

// registrable returns the domain's public suffix plus one label, refusing
// domains under no listed suffix, reserved names, and bare suffixes. A
// domain that is itself a suffix of the Public Suffix List's private
// section ("spb.ru", "ruhr-uni-bochum.de") is registered under the ICANN
// suffix above it: it is someone's domain. So is a bare academic or
// government suffix an institution uses ("mil.lv").
func registrable(domain string) (string, Reason) {
	tld := domain[strings.LastIndexByte(domain, '.')+1:]
	if reservedTLDs[tld] {
		return "", Reserved
	}
	suffix, icann := publicsuffix.PublicSuffix(domain)
	// Without an ICANN rule the suffix is either a private one ("github.io",
	// always more than one label) or the default rule for an unknown TLD.
	if !icann && !strings.Contains(suffix, ".") {
		return "", UnknownSuffix
	}
	if len(suffix) >= len(domain) && (!icann || institutional(domain)) {
		// Only a domain one label above its ICANN suffix is someone's: a
		// host under a wildcard rule ("ec2-3-91-1-2.compute-1.amazonaws.com")
		// is a cloud's machine, not amazonaws.com's people.
		if above := icannSuffixAbove(domain); !strings.Contains(domain[:len(domain)-len(above)-1], ".") {
			suffix = above
		}
	}
	if len(suffix) >= len(domain) {
		return "", BadDomain
	}
	i := strings.LastIndexByte(domain[:len(domain)-len(suffix)-1], '.')
	reg := domain[i+1:]
	if reservedDomains[reg] {
		return "", Reserved
	}
	return reg, OK
}

// icannSuffixAbove is the longest ICANN public suffix of domain but
// domain itself, passing over the Public Suffix List's private section.
func icannSuffixAbove(domain string) string {
	for d := domain; ; {
		i := strings.IndexByte(d, '.')
		if i < 0 {
			return d
		}
		d = d[i+1:]
		if s, icann := publicsuffix.PublicSuffix(d); icann && s == d {
			return d
		}
	}
}
