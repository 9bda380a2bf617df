// Package businessemail decides whether an email address may be used for a
// WorkID account: the business-email rule.
//
// The decision is pure and fast: Policy.Decide normalises the address
// (trim, case, trailing dot, IDNA, lengths, hostile characters), refuses
// invalid ones (no public suffix, reserved names, IP literals, mixed-script
// look-alikes), then consults the domain lists held in memory: the
// operator's allow and deny files, the disposable providers and the
// free-mail providers; last it refuses misspellings and digit variants of
// the big providers that no list holds yet ("gamil.com", "023gmail.com",
// typo.go). A mistyped domain ending gets a correction where one is clear
// ("acme.con": acme.com, suggest.go). It does no I/O; the lists are loaded by LoadLists and
// the operator's files are re-read by Policy.Watch, outside the decision.
//
// Policy.DecideWithMX adds the MX check for an address the lists allow,
// through the MailChecker it is given (internal/mxcheck): a domain without
// a mail server, or whose mail servers are a listed provider's, is refused.
// The package reads no configuration; internal/emailrule builds a policy
// and a checker from WorkID's settings.
//
// Every refusal has a Reason with a stable code, a Kratos message ID in
// WorkID's range (9100000-9100099, see docs/messages.md) and a message that
// says what is wrong and what to do.
package businessemail
