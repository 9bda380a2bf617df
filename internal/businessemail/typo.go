package businessemail

// A typo-squat or look-alike of a big personal provider ("gmial.com",
// "023gmail.com") is on no list until someone reports it, and there are
// endlessly many. They are caught by their shape instead: the registrable
// domain's first label, compared with each big provider's.

// bigProvider is a personal provider whose look-alikes are refused.
type bigProvider struct {
	// label is the provider's registrable label ("gmail", "mail" for
	// mail.ru), lower-case ASCII.
	label string
	// domain is the provider's main domain, which the message names.
	domain string
	// suffix, when set, is the only public suffix under which the label
	// counts: "qq" is an imitation under .com, a name elsewhere.
	suffix string
	// edits says that one-letter edits count, not only added digits and
	// hyphens: only for labels of five letters or more, which few real
	// names lie one edit away from.
	edits bool
}

// bigProviders are the providers users mean when they mistype one. Each
// domain is on the free-mail list (a test checks it).
var bigProviders = []bigProvider{
	{label: "gmail", domain: "gmail.com", edits: true},
	{label: "googlemail", domain: "googlemail.com", edits: true},
	{label: "yahoo", domain: "yahoo.com", edits: true},
	{label: "hotmail", domain: "hotmail.com", edits: true},
	{label: "outlook", domain: "outlook.com", edits: true},
	{label: "live", domain: "live.com"},
	{label: "msn", domain: "msn.com"},
	{label: "aol", domain: "aol.com"},
	{label: "icloud", domain: "icloud.com", edits: true},
	{label: "gmx", domain: "gmx.net"},
	{label: "yandex", domain: "yandex.ru", edits: true},
	{label: "mail", domain: "mail.ru", suffix: "ru"},
	{label: "qq", domain: "qq.com", suffix: "com"},
	{label: "163", domain: "163.com", suffix: "com"},
	{label: "126", domain: "126.com", suffix: "com"},
	{label: "protonmail", domain: "protonmail.com", edits: true},
	{label: "zoho", domain: "zoho.com"},
	// Regional providers: only an added digit or hyphen counts ("01orange.fr",
	// "1libero.it"), as one edit of a common word is often another word.
	{label: "orange", domain: "orange.fr", suffix: "fr"},
	{label: "wanadoo", domain: "wanadoo.fr", suffix: "fr"},
	{label: "sfr", domain: "sfr.fr", suffix: "fr"},
	{label: "laposte", domain: "laposte.net", suffix: "net"},
	{label: "libero", domain: "libero.it", suffix: "it"},
	{label: "virgilio", domain: "virgilio.it", suffix: "it"},
	{label: "t-online", domain: "t-online.de", suffix: "de"},
}

// typoExceptions are real organisations' registrable domains that the
// shape rule would take for a look-alike. Each says whose it is.
var typoExceptions = map[string]string{
	"gvmail.br":   "Fundação Getulio Vargas (gvmail is its staff and student mail)",
	"gail.co.in":  "GAIL (India) Limited, the state gas company",
	"1live.de":    "1LIVE, the WDR radio station",
	"live365.com": "Live365, the internet radio company",
}

// maxNumericExtra bounds the digits added to an all-digit provider label
// ("11163.com" imitates 163.com): a longer run of digits is as likely a
// business's own number, as Chinese companies often use (4399.com).
const maxNumericExtra = 2

// typoIndex is bigProviders arranged for the decision: looked up by
// label for the digit rule, by first letter for the edit rule. It is
// built once, when the package is loaded, from the constant table above.
type typoIndex struct {
	byLabel    map[string]*bigProvider
	exceptions map[string]string
	byFirst    [256][]*bigProvider
	numeric    []*bigProvider
}

var providerTypos = newTypoIndex(bigProviders, typoExceptions)

func newTypoIndex(providers []bigProvider, exceptions map[string]string) *typoIndex {
	ix := &typoIndex{byLabel: make(map[string]*bigProvider, len(providers)), exceptions: exceptions}
	for i := range providers {
		p := &providers[i]
		if trimDigitsHyphens(p.label) == "" {
			ix.numeric = append(ix.numeric, p)
			continue
		}
		ix.byLabel[p.label] = p
		if p.edits {
			ix.byFirst[p.label[0]] = append(ix.byFirst[p.label[0]], p)
		}
	}
	return ix
}

// providerTypo returns the main domain of the big provider that a's
// registrable domain imitates, or "". The domain must not be listed: a
// listed one (gmail.com itself, or a known squat) has decided already.
func providerTypo(a Address) string {
	return providerTypos.match(a.Registrable)
}

// match applies the rule to a registrable domain. It does not allocate.
func (ix *typoIndex) match(registrable string) string {
	dot := indexDot(registrable)
	if dot <= 0 {
		return ""
	}
	label, suffix := registrable[:dot], registrable[dot+1:]
	core := trimDigitsHyphens(label)
	var hit *bigProvider
	switch {
	case core == "":
		hit = ix.matchNumeric(label, suffix)
	case len(core) < len(label):
		if p := ix.byLabel[core]; p != nil && p.under(suffix) {
			hit = p
		}
	}
	if hit == nil {
		for _, p := range ix.byFirst[core0(core)] {
			if p.under(suffix) && oneEdit(core, p.label) {
				hit = p
				break
			}
		}
	}
	if hit == nil {
		return ""
	}
	if _, ok := ix.exceptions[registrable]; ok {
		return ""
	}
	return hit.domain
}

// matchNumeric finds an all-digit provider label inside an all-digit
// label, with at most maxNumericExtra digits or hyphens around it.
func (ix *typoIndex) matchNumeric(label, suffix string) *bigProvider {
	for _, p := range ix.numeric {
		extra := len(label) - len(p.label)
		if extra < 1 || extra > maxNumericExtra || !p.under(suffix) {
			continue
		}
		for i := 0; i <= extra; i++ {
			if label[i:i+len(p.label)] == p.label {
				return p
			}
		}
	}
	return nil
}

func (p *bigProvider) under(suffix string) bool { return p.suffix == "" || p.suffix == suffix }

func core0(s string) byte {
	if s == "" {
		return 0
	}
	return s[0]
}

// trimDigitsHyphens drops leading and trailing digits and hyphens.
func trimDigitsHyphens(s string) string {
	i, j := 0, len(s)
	for i < j && isDigitOrHyphen(s[i]) {
		i++
	}
	for j > i && isDigitOrHyphen(s[j-1]) {
		j--
	}
	return s[i:j]
}

func isDigitOrHyphen(c byte) bool { return '0' <= c && c <= '9' || c == '-' }

// oneEdit reports whether a is exactly one edit away from b: one letter
// changed, added or dropped, or two neighbours swapped (Damerau-
// Levenshtein distance 1), with the first letter unchanged: "gmial",
// "gmaill", "gmal", not "email".
func oneEdit(a, b string) bool {
	if a == "" || b == "" || a[0] != b[0] || a == b {
		return false
	}
	switch len(a) - len(b) {
	case 0:
		i := firstDiff(a, b)
		if a[i+1:] == b[i+1:] {
			return true
		}
		return i+1 < len(a) && a[i] == b[i+1] && a[i+1] == b[i] && a[i+2:] == b[i+2:]
	case 1:
		i := firstDiff(a, b)
		return a[i+1:] == b[i:]
	case -1:
		i := firstDiff(a, b)
		return a[i:] == b[i+1:]
	}
	return false
}

// firstDiff returns the first index at which a and b differ, or the
// shorter one's length.
func firstDiff(a, b string) int {
	n := min(len(a), len(b))
	for i := 0; i < n; i++ {
		if a[i] != b[i] {
			return i
		}
	}
	return n
}
