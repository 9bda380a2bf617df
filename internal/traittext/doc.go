// Package traittext decides whether the text traits of an identity (the
// username and the names; the email address has the business-email rule)
// are safe to store and show, and puts them in Unicode's composed form.
//
// A name is shown in "Hello, …", in admin listings and to every connected
// service (the ID token's given_name and family_name), so characters that
// change how the text around them reads are refused: controls (C0 and C1,
// including CR, LF, NUL and TAB, and the line and paragraph separators),
// bidi controls (U+202A-U+202E, U+2066-U+2069, U+200E, U+200F, U+061C), and
// invisible format characters (category Cf, such as zero-width spaces, the
// byte order mark and the soft hyphen). Every refusal has a Problem with a
// stable code, a Kratos message ID in WorkID's range (9100100-9100199, see
// docs/messages.md) and a message that says what is wrong and what to do.
//
// Accepted text is normalised to NFC, so "é" typed as e and a combining
// accent is stored as the one character users and services compare with.
// The package is pure: no I/O, no configuration.
package traittext
