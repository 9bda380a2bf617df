package main

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	kratos "github.com/ory/kratos-client-go"

	"github.com/workid/workid/internal/kratosapi"
	"github.com/workid/workid/internal/stacktest"
)

// `admin identities list` against the real Kratos, paging two at a time
// through six identities of its own among the stack's others: every
// filter, every format, a dead Kratos.
func TestAdminIdentitiesList(t *testing.T) {
	st := shared.Get(t)
	ctx := t.Context()
	// A company of its own: the stack is shared with other tests.
	company := "acme-" + strings.TrimPrefix(stacktest.NewUser("x.com").Username, "user_") + ".com"
	ids := map[string]string{}
	for name, days := range map[string]int{"current": 30, "soon": 350, "old": 400} {
		ident, err := st.CreateVerifiedIdentity(ctx, stacktest.NewUser(company), time.Now().AddDate(0, 0, -days))
		if err != nil {
			t.Fatal(err)
		}
		ids[name] = ident.Id
	}
	// sub has no company domain recorded (created through the admin API,
	// not the hook): --domain goes by its address's registrable domain.
	for name, domain := range map[string]string{"never": company, "personal": "gmail.com", "sub": "mail." + company} {
		ident, err := st.CreateIdentity(ctx, stacktest.NewUser(domain))
		if err != nil {
			t.Fatal(err)
		}
		ids[name] = ident.Id
	}
	environ := append([]string{"WORKID_KRATOS_ADMIN_URL=" + st.KratosAdminURL}, listsEnv...)
	list := func(args ...string) (string, string, error) {
		var out, errOut bytes.Buffer
		err := run(ctx, append([]string{"workid", "admin", "identities", "list", "--page-size", "2"}, args...), environ, &out, &errOut)
		return out.String(), errOut.String(), err
	}
	listJSON := func(args ...string) map[string]listRow {
		t.Helper()
		out, _, err := list(append([]string{"--format", "json"}, args...)...)
		if err != nil {
			t.Fatalf("list %q: %v", args, err)
		}
		rows := map[string]listRow{}
		dec := json.NewDecoder(strings.NewReader(out))
		for dec.More() {
			var r listRow
			if err := dec.Decode(&r); err != nil {
				t.Fatalf("list %q: %v in %s", args, err, out)
			}
			rows[r.ID] = r
		}
		return rows
	}
	names := func(rows map[string]listRow) []string {
		var got []string
		for name, id := range ids {
			if _, ok := rows[id]; ok {
				got = append(got, name)
			}
		}
		slices.Sort(got)
		return got
	}

	all := listJSON()
	if got := names(all); len(got) != len(ids) {
		t.Fatalf("list gave %v of this test's identities, want all %d: %+v", got, len(ids), all)
	}
	for name, want := range map[string]string{"current": "verified", "soon": "verified", "old": "expired", "never": "unverified", "personal": "unverified", "sub": "unverified"} {
		if got := all[ids[name]].Status; got != want {
			t.Errorf("%s is %q, want %q", name, got, want)
		}
	}
	for _, tt := range []struct {
		args []string
		want []string
	}{
		{[]string{"--status", "expired"}, []string{"old"}},
		{[]string{"--status", "verified"}, []string{"current", "soon"}},
		{[]string{"--expiring-within", "720h"}, []string{"soon"}},
		{[]string{"--personal"}, []string{"personal"}},
		{[]string{"--domain", strings.ToUpper(company)}, []string{"current", "never", "old", "soon", "sub"}},
		{[]string{"--domain", company, "--status", "unverified"}, []string{"never", "sub"}},
		{[]string{"--domain", "mail." + company}, nil},
	} {
		rows := listJSON(tt.args...)
		if got := names(rows); !slices.Equal(got, tt.want) {
			t.Errorf("list %q = %v, want %v", tt.args, got, tt.want)
		}
		if slices.Contains(tt.args, "--personal") && rows[ids["personal"]].Refused != "free_mail" {
			t.Errorf("--personal row %+v, want refused free_mail", rows[ids["personal"]])
		}
	}

	out, summary, err := list("--format", "csv", "--status", "verified", "--domain", company)
	if err != nil {
		t.Fatal(err)
	}
	records, err := csv.NewReader(strings.NewReader(out)).ReadAll()
	if err != nil || len(records) != 3 || records[0][0] != "id" || records[0][2] != "status" {
		t.Errorf("csv = %q (%v), want a header and two rows", records, err)
	}
	// Every identity is read, the stack's others too; two are listed.
	if want := fmt.Sprintf("2 of %d identities listed\n", countIdentities(t, st.Admin)); summary != want {
		t.Errorf("summary %q, want %q", summary, want)
	}
	out, _, err = list("--status", "expired", "--domain", company)
	if lines := strings.Split(strings.TrimSpace(out), "\n"); err != nil || len(lines) != 2 ||
		!strings.HasPrefix(lines[0], "ID") || !strings.HasPrefix(lines[1], ids["old"]+"  expired") {
		t.Errorf("table = %q (%v), want a header and the expired identity", out, err)
	}

	environ = append([]string{"WORKID_KRATOS_ADMIN_URL=http://127.0.0.1:1"}, listsEnv...)
	if _, _, err := list(); err == nil || !strings.Contains(err.Error(), "cannot be reached") {
		t.Errorf("list against a dead Kratos = %v, want it named unreachable", err)
	}
}

// countIdentities counts every identity Kratos holds. The package's tests
// run one after another, so the count holds while a test uses it.
func countIdentities(t *testing.T, admin *kratos.APIClient) int {
	t.Helper()
	n := 0
	for p := kratosapi.NewIdentityPager(admin, 250); !p.Done(); {
		page, _, err := p.Next(t.Context())
		if err != nil {
			t.Fatalf("count identities: %v", err)
		}
		n += len(page)
	}
	return n
}
