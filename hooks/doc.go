// Package hooks is WorkID's receiver of Kratos web hooks (`workid hooks`).
//
// Kratos calls it before it saves a new identity (registration, every method)
// and before it saves a profile change (settings). The server authenticates
// Kratos by a shared key, reads the payload that config/hooks/body.jsonnet
// shapes, and answers in Kratos's web hook protocol: 204 to allow, a 4xx with
// messages on #/traits/email to refuse.
package hooks
