package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	kratos "github.com/ory/kratos-client-go"

	"github.com/workid/workid/internal/companies"
	"github.com/workid/workid/internal/stacktest"
)

// grant-admin and revoke-admin find an identity by its email address (any
// case) or username through the real Kratos; `identities list --company`
// keeps the accounts on the company's domains, members and pending, with
// the other filters.
func TestAdminCompaniesWithKratos(t *testing.T) {
	st := shared.Get(t)
	ctx := t.Context()
	db := newCompaniesDB(t, "WORKID_KRATOS_ADMIN_URL="+st.KratosAdminURL)
	// Domains of its own: the stack is shared with other tests.
	suffix := strings.TrimPrefix(stacktest.NewUser("x.com").Username, "user_")
	domain, second, other := "acme-"+suffix+".com", "acme-"+suffix+".co.uk", "globex-"+suffix+".com"
	idents := map[string]*kratos.Identity{}
	users := map[string]stacktest.User{}
	create := func(name, domain string, verifiedAt time.Time) {
		t.Helper()
		u := stacktest.NewUser(domain)
		var ident *kratos.Identity
		var err error
		if verifiedAt.IsZero() {
			ident, err = st.CreateIdentity(ctx, u)
		} else {
			ident, err = st.CreateVerifiedIdentity(ctx, u, verifiedAt)
		}
		if err != nil {
			t.Fatal(err)
		}
		idents[name], users[name] = ident, u
		// What the hooks would record: the index holds Kratos's ids.
		db.member(ident.Id, u.Email, verifiedAt)
	}
	now := time.Now()
	create("ann", domain, now.AddDate(0, 0, -10))
	create("bob", second, now.AddDate(0, 0, -10))
	create("new", domain, time.Time{})
	create("eve", other, now)
	if _, err := db.store.AddDomain(ctx, domain, second); err == nil {
		t.Fatal("acme-….co.uk formed a company of its own when bob verified: adding it should be refused")
	}
	if _, err := db.store.Merge(ctx, domain, second); err != nil {
		t.Fatal(err)
	}

	out, errOut := db.ok("grant-admin", domain, strings.ToUpper(users["ann"].Email))
	label := strings.ToUpper(users["ann"].Email) + " (" + idents["ann"].Id + ")"
	if !strings.HasPrefix(out, "made "+label+" an admin of "+domain) || !strings.Contains(errOut, "identity_id="+idents["ann"].Id) {
		t.Errorf("grant-admin by email printed:\n%s%s", out, errOut)
	}
	if c := db.company(domain); len(c.Admins) != 1 || c.Admins[0].IdentityID != idents["ann"].Id {
		t.Errorf("admins = %+v, want ann", c.Admins)
	}
	db.ok("grant-admin", second, users["bob"].Username)
	db.fails(companies.ErrNotMember, false, []string{"make " + users["new"].Username + " (" + idents["new"].Id + ") an admin", "is not verified"},
		"grant-admin", domain, users["new"].Username)
	out, _ = db.ok("revoke-admin", users["bob"].Email, users["bob"].Username)
	if !strings.HasPrefix(out, users["bob"].Username+" ("+idents["bob"].Id+") is no longer an admin") {
		t.Errorf("revoke-admin by username printed:\n%s", out)
	}
	db.fails(errNoIdentity, false, []string{`no identity signs in as "nobody@` + domain + `"`}, "grant-admin", domain, "nobody@"+domain)
	db.fails(errNoIdentity, false, nil, "revoke-admin", domain, "nobody")

	list := func(args ...string) []string {
		t.Helper()
		var out, errOut bytes.Buffer
		err := run(ctx, append([]string{"workid", "admin", "identities", "list", "--format", "json"}, args...), db.environ, &out, &errOut)
		if err != nil {
			t.Fatalf("identities list %q: %v", args, err)
		}
		var got []string
		for dec := json.NewDecoder(&out); dec.More(); {
			var r listRow
			if err := dec.Decode(&r); err != nil {
				t.Fatal(err)
			}
			for name, ident := range idents {
				if ident.Id == r.ID {
					got = append(got, name)
				}
			}
		}
		slices.Sort(got)
		return got
	}
	for _, tt := range []struct {
		args []string
		want []string
	}{
		{[]string{"--company", domain}, []string{"ann", "bob", "new"}},
		{[]string{"--company", strings.ToUpper(users["bob"].Email)}, []string{"ann", "bob", "new"}},
		{[]string{"--company", db.company(domain).ID, "--status", "unverified"}, []string{"new"}},
		{[]string{"--company", domain, "--domain", second}, []string{"bob"}},
		{[]string{"--company", domain, "--domain", other}, nil},
		{[]string{"--company", other}, []string{"eve"}},
	} {
		if got := list(tt.args...); !slices.Equal(got, tt.want) {
			t.Errorf("identities list %q = %v, want %v", tt.args, got, tt.want)
		}
	}
	err := run(ctx, []string{"workid", "admin", "identities", "list", "--company", "initech-" + suffix + ".com"}, db.environ, &bytes.Buffer{}, &bytes.Buffer{})
	if !errors.Is(err, companies.ErrNoCompany) || !strings.Contains(err.Error(), "admin identities list --company: company \"initech-") {
		t.Errorf("identities list --company of an unknown company = %v", err)
	}

	db.environ = append(db.environ, "WORKID_KRATOS_ADMIN_URL=http://127.0.0.1:1")
	db.fails(nil, false, []string{"cannot be reached"}, "grant-admin", domain, users["ann"].Email)
	// An id needs no Kratos: an operator can always revoke.
	if out, _ := db.ok("revoke-admin", domain, idents["ann"].Id); !strings.Contains(out, "no longer an admin") {
		t.Errorf("revoke-admin by id without Kratos printed:\n%s", out)
	}
}
