package pgsuite_test

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"log/slog"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/workid/workid/internal/businessemail"
	"github.com/workid/workid/internal/companies"
	"github.com/workid/workid/internal/emailstate"
	"github.com/workid/workid/internal/stacktest"
)

// On PostgreSQL, with two UI processes, WorkID's database is the workid
// database: a company admin sees the company on the dashboard and its
// people on the company page, whichever process answers.
func TestCompanyPageOnPostgres(t *testing.T) {
	st := shared.Get(t)
	if !strings.HasPrefix(st.Layout.WorkIDDatabaseURL(), "postgres://") {
		t.Fatalf("WorkID's database on the PostgreSQL stack is %q, want the workid database", st.Layout.WorkIDDatabaseURL())
	}
	policy, err := businessemail.LoadPolicy(context.Background(), "../../config/lists/node_modules", businessemail.OperatorFiles{}, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	db, err := companies.Open(t.Context(), st.Layout.WorkIDDatabaseURL(), companies.Options{Rule: policy})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	verifiedAt := time.Now().AddDate(0, 0, -30)
	var ids []string
	users := []stacktest.User{stacktest.NewUser("tailspin-toys.com"), stacktest.NewUser("tailspin-toys.com")}
	for _, u := range users {
		ident, err := st.CreateVerifiedIdentity(t.Context(), u, verifiedAt)
		if err != nil {
			t.Fatal(err)
		}
		ids = append(ids, ident.Id)
		if _, err := db.Observe(t.Context(), companies.Member{IdentityID: ident.Id, Address: u.Email, Name: u.First + " " + u.Last, Username: u.Username,
			State: emailstate.State{Address: u.Email, Status: emailstate.Verified, VerifiedAt: verifiedAt}}); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := db.SetName(t.Context(), "tailspin-toys.com", "Tailspin Toys"); err != nil {
		t.Fatal(err)
	}
	if _, err := db.GrantAdmin(t.Context(), "tailspin-toys.com", ids[0], companies.Operator); err != nil {
		t.Fatal(err)
	}
	b := stacktest.NewPageBrowser(t)
	if final, _, body := b.SignIn(st.UIURL+"/login", users[0]); final.Path != "/" || !strings.Contains(body, "Your company: Tailspin Toys") {
		t.Fatalf("sign-in ended at %s without the company on the dashboard", final)
	}
	// Several requests, so both UI processes answer some.
	for range 4 {
		_, status, body := b.Get(st.UIURL + "/company")
		if status != http.StatusOK || !strings.Contains(body, strings.ToLower(users[1].Email)) {
			t.Fatalf("GET /company = %d, without the colleague", status)
		}
	}
	if n := count(t, "workid", "SELECT count(*) FROM members WHERE identity_id = ANY($1)", ids); n != 2 {
		t.Errorf("members rows in the workid database = %d, want 2", n)
	}
}

// On PostgreSQL, with two hooks processes, Kratos's hooks feed the workid
// database: a registration is an unverified row, its verification makes
// the account a member of a company formed on its domain.
func TestMemberHooksOnPostgres(t *testing.T) {
	st := shared.Get(t)
	ctx := t.Context()
	b := make([]byte, 4)
	_, _ = rand.Read(b)
	domain := "fourth-coffee-" + hex.EncodeToString(b) + ".com"
	u := stacktest.NewUser(domain)
	reg, err := st.Register(ctx, u)
	if err != nil {
		t.Fatal(err)
	}
	status := func() string {
		var s string
		for deadline := time.Now().Add(20 * time.Second); time.Now().Before(deadline); time.Sleep(100 * time.Millisecond) {
			var n int
			query(t, "workid", "SELECT count(*) FROM members WHERE identity_id = $1", []any{reg.Identity.Id}, &n)
			if n == 1 {
				query(t, "workid", "SELECT status FROM members WHERE identity_id = $1", []any{reg.Identity.Id}, &s)
				return s
			}
		}
		return "(no row)"
	}
	if got := status(); got != "unverified" {
		t.Fatalf("after registration the workid database says %q, want unverified", got)
	}
	if _, err := st.VerifyByMail(ctx, u.Email); err != nil {
		t.Fatal(err)
	}
	for deadline := time.Now().Add(20 * time.Second); ; time.Sleep(100 * time.Millisecond) {
		if n := count(t, "workid", `SELECT count(*) FROM members m JOIN company_domains d ON d.domain = m.domain
			JOIN companies c ON c.id = d.company_id WHERE m.identity_id = $1 AND m.status = 'verified' AND c.name = $2`, reg.Identity.Id, domain); n == 1 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the verification did not make %s a member of a company named %s (status %q)", u.Email, domain, status())
		}
	}
}
