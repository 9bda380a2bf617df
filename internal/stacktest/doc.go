// Package stacktest starts the real WorkID stack for integration tests:
// Mailpit, Kratos and Hydra built from tools/, and WorkID's own `workid
// hooks` and `workid ui` processes built from this tree, all started and
// configured by the same internal/stack code `workid dev` uses, on free
// loopback ports with their data in a temporary folder. The workid binary
// is built once per test process, with the race detector when the tests
// have it.
//
// A test package shares one stack among its tests, started by the first
// test that asks for it, so the package's unit tests never wait:
//
//	var shared = &stacktest.Shared{}
//
//	func TestMain(m *testing.M) { shared.Main(m) }
//
//	func TestSomething(t *testing.T) {
//		st := shared.Get(t)
//		...
//	}
//
// When the stack cannot start, every test that asks for it fails with the
// reason: a test that needs the stack is never skipped. Start gives a test
// a stack of its own, for Kratos set up differently (Options.KratosEnv).
//
// Options.Postgres runs Kratos and Hydra on a PostgreSQL server started
// from Debian's package instead of SQLite; Options.Replicas runs several
// `workid hooks` and `workid ui` processes behind round-robin proxies
// (Stack.HooksReplicas and Stack.UIReplicas read each one's metrics).
//
// Helpers drive the stack as users and admins do: register through the
// Kratos API, read mail from Mailpit (and count what Kratos queued,
// Queued), follow a link, age a verification, use WorkID's pages without
// scripts (PageBrowser), and sign in to a connected service through Hydra
// (CreateOAuthClient, Exchange).
package stacktest
