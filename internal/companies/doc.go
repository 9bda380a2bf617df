// Package companies owns WorkID's own database: companies, their domains,
// their admins and subscriptions, and the member index, a projection of
// Kratos's identities (identity, address, registrable domain, verification)
// that makes a company's members one indexed query. It also holds the
// "Send me a verification link" requests (ClaimLinkRequest) and the
// email-change notices (ClaimNotice) of the last day, so their limits hold
// across replicas.
//
// An account is a member of a company while its address is verified, the
// verification current, and its registrable domain one of the company's.
// Membership is never stored: it is read from the index and the clock, so
// it ends the moment a verification expires, and comes back when the
// address is verified again. A business domain seen on a current
// verification for the first time forms a company of its own, named after
// the domain, until an operator names or merges it.
//
// Kratos stays the source of truth for identities: the index is fed by
// Kratos's web hooks (Observe) and reconciled against Kratos by the
// re-verification job, and every write is idempotent, so a missed or
// repeated event heals at the next pass.
//
// The database is SQLite (a file under the data folder, modernc.org/sqlite:
// no C compiler, so the images stay static) or PostgreSQL (pgx), with the
// same SQL for both and versioned migrations run by goose at Open.
package companies
