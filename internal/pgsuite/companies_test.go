package pgsuite_test

import (
	"context"
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
