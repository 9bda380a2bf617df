// Package pgsuite is the integration suite's PostgreSQL subset: its tests
// (there is no other code) run against the real Kratos, Hydra and Mailpit
// with Kratos and Hydra on PostgreSQL, a server the harness starts from
// Debian's package, and with two `workid hooks` and two `workid ui`
// processes behind round-robin proxies, as production runs them
// (stacktest.Options Postgres and Replicas). `make test` runs it with every other package.
//
// It covers, each asserted through the APIs and, where that proves the
// point, in the kratos and hydra databases themselves:
//
//   - Registration through the API flow and the browser flow: WorkID's
//     hook refuses a free-mail address on the email field and nothing is
//     saved; a business address is saved, in PostgreSQL (no SQLite file
//     exists). Both hooks replicas decide.
//   - Verification: the mail reaches Mailpit and its link verifies the
//     address once; the second use is refused (Kratos message 4070001).
//   - Yearly re-verification: a verification aged past a year is expired
//     by an internal/reverify pass (locked on the same PostgreSQL), which
//     sends exactly one mail that says why; its link verifies again.
//   - Single sign-on through Hydra: a third-party OAuth2 client, sign-in
//     and consent on WorkID's pages, an ID token (signature checked) with
//     email_verified; the client and the consent are in Hydra's database.
//   - Stateless replicas: a flow page from one UI replica, the dashboard
//     from the other with the same session; "Send me a verification link"
//     on one replica limits the next request on the other, and six
//     pressed at once on both send one mail; requests through each proxy
//     reach both replicas (counted by each process's own metrics).
//
// The full suite on SQLite stays in the packages of each part (hooks,
// selfservice-ui, internal/reverify, internal/stacktest).
package pgsuite
