// Package stacktest starts the real WorkID stack for integration tests:
// Mailpit, Kratos and Hydra built from tools/ (the same internal/stack code
// `workid dev` uses), on free loopback ports with their data in a temporary
// folder, and WorkID's hooks and UI servers in the test process.
//
// A test package starts one stack for all its tests:
//
//	var st *stacktest.Stack
//
//	func TestMain(m *testing.M) { stacktest.Main(m, &st, stacktest.Options{}) }
//
// When the stack cannot start, Main fails the package with the reason: a
// test that needs the stack is never skipped.
//
// Options.Postgres runs Kratos and Hydra on a PostgreSQL server started
// from Debian's package instead of SQLite; Options.Replicas runs several
// `workid hooks` and `workid ui` processes behind round-robin proxies
// (Stack.HooksReplicas and Stack.UIReplicas read each one's metrics).
//
// Helpers drive the stack as users and admins do: register through the
// Kratos API, read mail from Mailpit, follow a link, age a verification,
// use WorkID's pages without scripts (PageBrowser), and sign in to a
// connected service through Hydra (CreateOAuthClient, Exchange).
package stacktest
