package pgsuite_test

import (
	"context"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/workid/workid/internal/stacktest"
)

var shared = &stacktest.Shared{Options: stacktest.Options{Postgres: true, Replicas: 2}}

func TestMain(m *testing.M) { shared.Main(m) }

// query runs a query on one of the stack's PostgreSQL databases ("kratos"
// or "hydra") and scans its one row into dest.
func query(t *testing.T, database, sql string, args []any, dest ...any) {
	t.Helper()
	st := shared.Get(t)
	u, err := url.Parse(st.PostgresDSN)
	if err != nil {
		t.Fatal(err)
	}
	u.Path = "/" + database
	conn, err := pgx.Connect(t.Context(), u.String())
	if err != nil {
		t.Fatalf("connect to the %s database: %v", database, err)
	}
	defer conn.Close(context.WithoutCancel(t.Context()))
	if err := conn.QueryRow(t.Context(), sql, args...).Scan(dest...); err != nil {
		t.Fatalf("%s: %s: %v", database, sql, err)
	}
}

// count returns the number of rows of a count(*) query on database.
func count(t *testing.T, database, sql string, args ...any) int {
	t.Helper()
	var n int
	query(t, database, sql, args, &n)
	return n
}

// identitiesWithIdentifier counts Kratos's credential identifiers for an
// address: one per saved password account.
func identitiesWithIdentifier(t *testing.T, email string) int {
	t.Helper()
	return count(t, "kratos", "SELECT count(*) FROM identity_credential_identifiers WHERE identifier = $1", strings.ToLower(email))
}

// waitForMail waits up to 20 seconds for n mails to address.
func waitForMail(t *testing.T, address string, n int) []stacktest.Message {
	t.Helper()
	st := shared.Get(t)
	ctx, cancel := context.WithTimeout(t.Context(), 20*time.Second)
	defer cancel()
	msgs, err := st.WaitForMail(ctx, strings.ToLower(address), n)
	if err != nil {
		t.Fatal(err)
	}
	return msgs
}

// registerVerified registers u through the API and follows the link of
// the verification mail.
func registerVerified(t *testing.T, u stacktest.User) string {
	t.Helper()
	st := shared.Get(t)
	reg, err := st.Register(t.Context(), u)
	if err != nil {
		t.Fatalf("Register(%s) = %v, want success", u.Email, err)
	}
	if _, err := st.VerifyByMail(t.Context(), u.Email); err != nil {
		t.Fatal(err)
	}
	return reg.Identity.Id
}

// addressInDB returns the verification state of the identity's address as
// Kratos stored it in PostgreSQL.
func addressInDB(t *testing.T, identityID string) (verified bool, verifiedAt *time.Time) {
	t.Helper()
	query(t, "kratos", "SELECT verified, verified_at FROM identity_verifiable_addresses WHERE identity_id = $1",
		[]any{identityID}, &verified, &verifiedAt)
	return verified, verifiedAt
}
