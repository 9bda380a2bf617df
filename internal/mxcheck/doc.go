// Package mxcheck tells whether a domain can receive email: it has an MX
// record, or else an A or AAAA record (RFC 5321's implicit MX), and which
// hosts its MX records name. Answers are cached, and a DNS failure is
// reported as such so the caller can fail open.
package mxcheck
