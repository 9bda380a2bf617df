package businessemail

import "strings"

// Reason is the outcome of the rule for one address: allowed, or why not.
type Reason uint8

// The reasons, in the order of their Kratos message IDs (9100000 + n).
// Never renumber: the IDs are part of WorkID's contract with UIs.
const (
	Unchecked       Reason = iota // the address could not be checked (bad request, server trouble)
	Empty                         // nothing was entered
	TooLong                       // over RFC 5321's lengths
	BadCharacters                 // controls, invisible or space characters, invalid UTF-8
	NotOneAt                      // not exactly one @
	BadLocal                      // the part before the @ is malformed
	BadDomain                     // the part after the @ is malformed
	IPLiteral                     // an IP address instead of a domain
	UnknownSuffix                 // not under any public suffix ("acme", "localhost")
	Reserved                      // reserved names (example.com, .test, .local, ...)
	MixedScript                   // a label mixes scripts, as look-alikes do
	LookAlike                     // an internationalised imitation of a listed provider
	FreeMail                      // a personal (free-mail or ISP) provider
	Disposable                    // a disposable-address provider
	OperatorDenied                // in the operator's deny file
	NoMailServer                  // the domain has no MX, A or AAAA record
	OK                            // allowed: a business address
	OperatorAllowed               // allowed by the operator's allow file
	ProviderTypo                  // a misspelling or digit variant of a big provider ("gmial.com")
)

// MessageIDBase is the first of WorkID's Kratos message IDs. Kratos uses
// 1xxxxxx (info), 4xxxxxx (errors) and 5xxxxxx (system); WorkID's
// business-email messages are 9100000-9100099.
const MessageIDBase = 9100000

var codes = [...]string{
	Unchecked: "unchecked", Empty: "empty", TooLong: "too_long", BadCharacters: "bad_characters",
	NotOneAt: "not_one_at", BadLocal: "bad_local_part", BadDomain: "bad_domain", IPLiteral: "ip_literal",
	UnknownSuffix: "unknown_suffix", Reserved: "reserved", MixedScript: "mixed_script", LookAlike: "look_alike",
	FreeMail: "free_mail", Disposable: "disposable", OperatorDenied: "operator_denied",
	NoMailServer: "no_mail_server", OK: "ok", OperatorAllowed: "operator_allowed",
	ProviderTypo: "provider_typo",
}

// NumReasons is how many reasons there are: they run from 0 to
// NumReasons-1, each with a code. The allowed ones (OK, OperatorAllowed)
// sit among them, not at the end: a reason added later comes last, so
// loop over every reason and ask Allowed.
const NumReasons = len(codes)

// Code is the reason's stable name, used in logs, metrics and the Kratos
// message context.
func (r Reason) Code() string { return codes[r] }

// Allowed reports whether the address may be used.
func (r Reason) Allowed() bool { return r == OK || r == OperatorAllowed }

// MessageID is the Kratos message ID of a refusal.
func (r Reason) MessageID() int64 { return MessageIDBase + int64(r) }

const workAddress = "Please use your work address, e.g. name@yourcompany.com."

// Message tells the user what is wrong and what to do. domain is the
// address's domain (shown where it helps) and matched the listed domain a
// look-alike imitates, or the provider a misspelling means.
func (r Reason) Message(domain, matched string) string {
	switch r {
	case Unchecked:
		return "We could not check this address right now. Please try again in a minute."
	case Empty:
		return "Please enter your work email address, e.g. name@yourcompany.com."
	case TooLong:
		return "This email address is too long to be valid. Please check it for typos."
	case BadCharacters:
		return "This email address contains characters that cannot be part of an address, such as spaces or invisible characters. Please type it again."
	case NotOneAt:
		return "An email address has exactly one @, as in name@yourcompany.com. Please check it for typos."
	case BadLocal:
		return "The part before the @ is not valid. Please check the address for typos."
	case BadDomain:
		return "The part after the @ is not a valid domain. Please check the address for typos, e.g. name@yourcompany.com."
	case IPLiteral:
		return "An address at an IP address cannot be used. " + workAddress
	case UnknownSuffix:
		return quote(domain) + " does not end in a real domain ending such as .com or .de. Please check the address for typos."
	case Reserved:
		return quote(domain) + " is a reserved name that cannot receive email from the internet. " + workAddress
	case MixedScript:
		return "The domain " + quote(domain) + " mixes letters from different alphabets, as look-alike addresses do. Please type your work address again."
	case LookAlike:
		return "The domain " + quote(domain) + " is written with look-alike letters and imitates " + matched + ". " + workAddress
	case FreeMail:
		return domain + " is a personal email provider. " + workAddress
	case Disposable:
		return domain + " provides disposable addresses, which cannot hold an account. " + workAddress
	case OperatorDenied:
		return "Addresses at " + domain + " cannot be used here. " + workAddress
	case NoMailServer:
		return domain + " does not receive email. Please check the address for typos."
	case ProviderTypo:
		return "Did you mean " + matched + "? That is a personal address, which cannot hold an account here. " + workAddress
	}
	return ""
}

// quote keeps a domain from a hostile input short in a message.
func quote(domain string) string {
	const max = 80
	if len(domain) > max {
		domain = domain[:max] + "…"
	}
	return "“" + strings.ToValidUTF8(domain, "") + "”"
}
