// Package hooks is WorkID's receiver of Kratos web hooks (`workid hooks`).
//
// Kratos calls it before it saves a new identity (registration, every method)
// and before it saves a profile change (settings). The server authenticates
// Kratos by a shared key, reads the payload that config/hooks/body.jsonnet
// shapes, applies the business-email rule (internal/businessemail) to the
// address and the text rule (internal/traittext) to the username and names,
// and answers in Kratos's web hook protocol: 204 to allow, a 200 that
// records the company domain and, when NFC changed them, sends the traits
// back, or a 4xx with a message on each refused field (#/traits/email,
// #/traits/name/first, ...).
//
// After Kratos saved an identity (a registration, a profile change, a
// verification) it calls /hooks/members/{event} without waiting, with the
// body config/hooks/member.jsonnet shapes, and the server records the
// identity in WorkID's member index (internal/companies; members.go). It
// also receives Kratos's courier (every mail) and the notice after an
// email change.
package hooks
