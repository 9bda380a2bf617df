package main

import (
	"bytes"
	"crypto/rand"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/workid/workid/internal/businessemail"
	"github.com/workid/workid/internal/companies"
	"github.com/workid/workid/internal/emailstate"
)

// companiesDB is a test's own WorkID database: a SQLite file, seeded
// through the store as the hooks would feed it, and the environment that
// points the commands at it.
type companiesDB struct {
	t       *testing.T
	store   *companies.Store
	environ []string
}

func newCompaniesDB(t *testing.T, environ ...string) *companiesDB {
	t.Helper()
	policy, err := businessemail.LoadPolicy(t.Context(), "../../config/lists/node_modules", businessemail.OperatorFiles{}, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	url := "sqlite:" + filepath.Join(t.TempDir(), "workid.db")
	store, err := companies.Open(t.Context(), url, companies.Options{Rule: policy})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { store.Close() })
	// A dead Kratos unless the test gives its own: a command that should
	// not need Kratos must not reach a dev stack on the default ports.
	environ = append(append([]string{"WORKID_DATABASE_URL=" + url, "USER=tester", "WORKID_KRATOS_ADMIN_URL=http://127.0.0.1:1"}, listsEnv...), environ...)
	return &companiesDB{t: t, store: store, environ: environ}
}

// member puts an account in the member index, verified at verifiedAt (never
// when zero), and returns its company's id ("" for none).
func (db *companiesDB) member(id, address string, verifiedAt time.Time) string {
	db.t.Helper()
	st := emailstate.State{Address: address, Status: emailstate.Unverified}
	if !verifiedAt.IsZero() {
		st.Status, st.VerifiedAt = emailstate.Verified, verifiedAt
	}
	o, err := db.store.Observe(db.t.Context(), companies.Member{IdentityID: id, Address: address, Name: "Name of " + address, Username: id, State: st})
	if err != nil {
		db.t.Fatal(err)
	}
	return o.CompanyID
}

// company reads a company from the store.
func (db *companiesDB) company(ref string) companies.Company {
	db.t.Helper()
	c, err := db.store.Company(db.t.Context(), ref)
	if err != nil {
		db.t.Fatal(err)
	}
	return c
}

// run runs `workid admin companies args...` against the database.
func (db *companiesDB) run(args ...string) (stdout, stderr string, err error) {
	var out, errOut bytes.Buffer
	err = run(db.t.Context(), append([]string{"workid", "admin", "companies"}, args...), db.environ, &out, &errOut)
	return out.String(), errOut.String(), err
}

// ok runs the command and fails the test if it fails.
func (db *companiesDB) ok(args ...string) (stdout, stderr string) {
	db.t.Helper()
	out, errOut, err := db.run(args...)
	if err != nil {
		db.t.Fatalf("companies %q: %v\n%s", args, err, errOut)
	}
	return out, errOut
}

// fails runs the command and checks that it fails with an error that is
// want (nil for any), says each of says, and is a usage mistake (exit 2)
// or not (exit 1) as usage tells.
func (db *companiesDB) fails(want error, usage bool, says []string, args ...string) {
	db.t.Helper()
	out, _, err := db.run(args...)
	switch {
	case err == nil:
		db.t.Errorf("companies %q succeeded:\n%s", args, out)
		return
	case want != nil && !errors.Is(err, want):
		db.t.Errorf("companies %q = %v, want %v", args, err, want)
	case errors.As(err, new(usageError)) != usage:
		db.t.Errorf("companies %q = %v: usage mistake = %v, want %v", args, err, !usage, usage)
	case strings.Contains(err.Error(), "\n"):
		db.t.Errorf("companies %q = %q, want one line", args, err)
	}
	for _, s := range says {
		if !strings.Contains(err.Error(), s) {
			db.t.Errorf("companies %q = %v, want it to say %q", args, err, s)
		}
	}
}

// newUUID is an identity id Kratos does not hold: the commands take an id
// as it is.
func newUUID() string {
	var b [16]byte
	_, _ = rand.Read(b[:])
	b[6], b[8] = b[6]&0x0f|0x40, b[8]&0x3f|0x80
	return fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:16])
}

// flat joins a text's words with single spaces: tabwriter's columns vary.
func flat(s string) string { return strings.Join(strings.Fields(s), " ") }

// list, show and the three formats: every company with its domains,
// members, admins and subscriptions.
func TestAdminCompaniesListAndShow(t *testing.T) {
	db := newCompaniesDB(t)
	ctx := t.Context()
	now := time.Now().UTC().Truncate(time.Second)
	ann, bob, old, fresh := newUUID(), newUUID(), newUUID(), newUUID()
	acme := db.member(ann, "ann@acme-widgets.com", now.AddDate(0, 0, -30))
	db.member(bob, "bob@acme-widgets.com", now.AddDate(0, -11, -20)) // expiring within 30 days
	db.member(old, "old@acme-widgets.com", now.AddDate(-1, 0, -5))
	db.member(fresh, "new@acme-widgets.com", time.Time{})
	eve := newUUID()
	globex := db.member(eve, "eve@globex-corp.com", now)
	for _, step := range []func() (companies.Company, error){
		func() (companies.Company, error) { return db.store.SetName(ctx, acme, "Acme Widgets") },
		func() (companies.Company, error) { return db.store.AddDomain(ctx, acme, "acme-widgets.co.uk") },
		func() (companies.Company, error) { return db.store.GrantAdmin(ctx, acme, ann, companies.Operator) },
		func() (companies.Company, error) { return db.store.GrantAdmin(ctx, globex, eve, companies.Operator) },
		func() (companies.Company, error) { return db.store.Subscribe(ctx, acme, "support", "2099-06-30") },
		func() (companies.Company, error) { return db.store.Subscribe(ctx, acme, "training", "2020-01-31") },
	} {
		if _, err := step(); err != nil {
			t.Fatal(err)
		}
	}

	// An admin whose verification expires stays an admin, but cannot act
	// until verified again: show says so.
	db.member(eve, "eve@globex-corp.com", now.AddDate(-1, 0, -1))

	out, summary := db.ok("list")
	lines := strings.Split(strings.TrimSpace(out), "\n")
	if len(lines) != 3 || flat(lines[0]) != "ID NAME MEMBERS ADMINS DOMAINS SUBSCRIPTIONS" {
		t.Fatalf("list = %q, want a header and two companies", out)
	}
	if want := acme + " Acme Widgets 2 1 acme-widgets.co.uk, acme-widgets.com support until 2099-06-30; training until 2020-01-31 (ended)"; flat(lines[1]) != want {
		t.Errorf("list row = %q, want %q", flat(lines[1]), want)
	}
	if want := globex + " globex-corp.com 0 1 globex-corp.com -"; flat(lines[2]) != want {
		t.Errorf("list row = %q, want %q", flat(lines[2]), want)
	}
	if summary != "2 of 2 companies listed\n" {
		t.Errorf("list summary = %q", summary)
	}

	out, _ = db.ok("list", "--format", "json")
	var got []companies.Company
	for dec := json.NewDecoder(strings.NewReader(out)); dec.More(); {
		var c companies.Company
		if err := dec.Decode(&c); err != nil {
			t.Fatalf("%v in %s", err, out)
		}
		got = append(got, c)
	}
	if len(got) != 2 || got[0].ID != acme || got[0].Members != 2 || !got[0].Named || len(got[0].Admins) != 1 ||
		got[0].Admins[0].IdentityID != ann || len(got[0].Subscriptions) != 2 || got[1].ID != globex || got[1].Named || got[1].Members != 0 {
		t.Errorf("list --format json = %+v", got)
	}

	out, _ = db.ok("list", "--format", "csv")
	records, err := csv.NewReader(strings.NewReader(out)).ReadAll()
	want := [][]string{
		{"id", "name", "named", "domains", "members", "admins", "subscriptions", "created_at"},
		{acme, "Acme Widgets", "true", "acme-widgets.co.uk acme-widgets.com", "2", ann, "support until 2099-06-30; training until 2020-01-31 (ended)"},
		{globex, "globex-corp.com", "false", "globex-corp.com", "0", eve, ""},
	}
	if err != nil || len(records) != 3 {
		t.Fatalf("csv = %q, %v", records, err)
	}
	for i := range want {
		if !slices.Equal(records[i][:len(want[i])], want[i]) {
			t.Errorf("csv row %d = %q, want %q", i, records[i], want[i])
		}
	}

	for _, tt := range []struct{ search, want string }{{"GLOBEX", globex}, {"widgets.co.uk", acme}, {"acme w", acme}} {
		out, summary := db.ok("list", "--search", tt.search, "--format", "csv")
		if rows := strings.Split(strings.TrimSpace(out), "\n"); len(rows) != 2 || !strings.HasPrefix(rows[1], tt.want) || summary != "1 of 2 companies listed\n" {
			t.Errorf("list --search %q = %q (%s), want %s only", tt.search, out, summary, tt.want)
		}
	}

	// show: by id, by a domain, by an address or a subdomain on one.
	out, _ = db.ok("show", "new@acme-widgets.co.uk")
	for _, w := range []string{
		"company " + acme, "name Acme Widgets", "domains acme-widgets.co.uk, acme-widgets.com", "members 2",
		"admin ann@acme-widgets.com (" + ann + "), granted by an operator ",
		"subscription support until 2099-06-30", "subscription training until 2020-01-31 (ended)",
		"members: 2 ADDRESS STATE VALID UNTIL ADMIN NAME IDENTITY",
		"ann@acme-widgets.com verified " + now.AddDate(1, 0, -30).Format(time.DateOnly) + " admin Name of ann@acme-widgets.com " + ann,
		"bob@acme-widgets.com expiring", "pending (on its domains, not verified or expired): 2",
		"new@acme-widgets.com unverified - - Name of new@acme-widgets.com " + fresh,
		"old@acme-widgets.com expired",
	} {
		if !strings.Contains(flat(out), w) {
			t.Errorf("show lacks %q:\n%s", w, out)
		}
	}
	out, _ = db.ok("show", "globex-corp.com")
	if f := flat(out); !strings.Contains(f, "name globex-corp.com (named after its first domain") ||
		!strings.Contains(f, "admin eve@globex-corp.com ("+eve+"), granted by an operator ") ||
		!strings.Contains(f, "; expired, so not acting until verified again") || !strings.Contains(f, "subscriptions none") {
		t.Errorf("show of an unnamed company:\n%s", out)
	}
	out, _ = db.ok("show", "--members", "1", "--search", "@ACME", acme)
	if f := flat(out); !strings.Contains(f, "members: 2, the first 1 shown (--members)") || strings.Contains(f, "bob@") ||
		!strings.Contains(f, "pending (on its domains, not verified or expired): 2, the first 1 shown") {
		t.Errorf("show --members 1:\n%s", out)
	}
	out, _ = db.ok("show", "--json", "--members", "0", "mail.acme-widgets.com")
	var v companyView
	if err := json.Unmarshal([]byte(out), &v); err != nil {
		t.Fatalf("%v in %s", err, out)
	}
	if v.Company.ID != acme || v.Members.Total != 2 || len(v.Members.Rows) != 0 || v.Pending.Total != 2 ||
		len(v.Admins) != 1 || v.Admins[0].Address != "ann@acme-widgets.com" {
		t.Errorf("show --json --members 0 = %+v", v)
	}
	out, _ = db.ok("show", "--json", acme)
	if err := json.Unmarshal([]byte(out), &v); err != nil || len(v.Members.Rows) != 2 || !v.Members.Rows[0].Admin || len(v.Pending.Rows) != 2 {
		t.Errorf("show --json = %+v, %v", v, err)
	}

	db.fails(companies.ErrNoCompany, false, []string{`company "initech-systems.com"`}, "show", "initech-systems.com")
	db.fails(companies.ErrNoCompany, false, []string{"(domain initech-systems.com)"}, "show", "ann@initech-systems.com")
	db.fails(nil, true, []string{"exactly one company"}, "show")
	db.fails(nil, true, []string{"--members must be between 0 and 500"}, "show", "--members", "501", acme)
	db.fails(nil, true, []string{`--format "xml" must be table, json or csv`}, "list", "--format", "xml")
	db.fails(nil, true, []string{`unknown command "companies frobnicate"`}, "frobnicate")
}

// Every change: what it prints, what it logs, and each refusal with a
// one-line error that names the problem, changing nothing.
func TestAdminCompaniesChanges(t *testing.T) {
	db := newCompaniesDB(t)
	now := time.Now().UTC()
	ann, bob, old, fresh, eve := newUUID(), newUUID(), newUUID(), newUUID(), newUUID()
	acme := db.member(ann, "ann@acme-widgets.com", now.AddDate(0, 0, -30))
	db.member(bob, "bob@acme-widgets.com", now)
	db.member(old, "old@acme-widgets.com", now.AddDate(-1, 0, -5))
	db.member(fresh, "new@acme-widgets.com", time.Time{})
	globex := db.member(eve, "eve@globex-corp.com", now)
	uk := db.member(newUUID(), "cat@acme-widgets.co.uk", now)
	if _, err := db.store.GrantAdmin(t.Context(), uk, eve, companies.Operator); err == nil {
		t.Fatal("eve is no member of acme-widgets.co.uk")
	}

	logged := func(stderr string, want ...string) {
		t.Helper()
		for _, w := range append([]string{"level=INFO", `msg="company changed"`, "operator=tester", "company_id=" + acme}, want...) {
			if !strings.Contains(stderr, w) {
				t.Errorf("the log line lacks %q: %s", w, stderr)
			}
		}
	}

	out, errOut := db.ok("set-name", "acme-widgets.com", "  Acme Widgets ")
	if !strings.HasPrefix(out, "renamed acme-widgets.com to Acme Widgets\n") || !strings.Contains(flat(out), "name Acme Widgets created") {
		t.Errorf("set-name printed:\n%s", out)
	}
	logged(errOut, "command=set-name", `company="Acme Widgets"`, "old_name=acme-widgets.com")
	db.fails(companies.ErrInvalid, false, []string{"company name: empty"}, "set-name", acme, " ")
	db.fails(companies.ErrNoCompany, false, []string{`company "initech-systems.com"`}, "set-name", "initech-systems.com", "Initech")
	db.fails(nil, true, []string{"give the company (ID, domain or email address) and NAME"}, "set-name", acme)

	out, errOut = db.ok("add-domain", acme, "Acme-Widgets.DE")
	if !strings.HasPrefix(out, "added acme-widgets.de to Acme Widgets\n") || !strings.Contains(out, "acme-widgets.com, acme-widgets.de") {
		t.Errorf("add-domain printed:\n%s", out)
	}
	logged(errOut, "command=add-domain", "domain=acme-widgets.de")
	if out, errOut := db.ok("add-domain", acme, "acme-widgets.de"); !strings.HasPrefix(out, "Acme Widgets already holds acme-widgets.de: nothing changed") || errOut != "" {
		t.Errorf("add-domain again printed:\n%s%s", out, errOut)
	}
	db.fails(companies.ErrDomainRefused, false, []string{`add "gmail.com": not a business domain (free_mail): gmail.com is a personal email provider.`},
		"add-domain", acme, "gmail.com")
	db.fails(companies.ErrDomainRefused, false, []string{"(disposable)", "mailinator.com"}, "add-domain", acme, "mailinator.com")
	db.fails(companies.ErrDomainRefused, false, []string{`add "not a domain"`}, "add-domain", acme, "not a domain")
	db.fails(companies.ErrInvalid, false, []string{"add acme-widgets.nl"}, "add-domain", acme, "mail.acme-widgets.nl")
	db.fails(companies.ErrDomainTaken, false, []string{"add globex-corp.com: the domain belongs to another company: globex-corp.com (" + globex + ")",
		"workid admin companies merge " + acme + " globex-corp.com"}, "add-domain", "acme-widgets.com", "globex-corp.com")
	if c := db.company(acme); len(c.Domains) != 2 {
		t.Errorf("after the refusals acme has %v, want its two domains", c.Domains)
	}

	out, errOut = db.ok("grant-admin", acme, strings.ToUpper(ann))
	if !strings.HasPrefix(out, "made "+ann+" an admin of Acme Widgets\n") || !strings.Contains(flat(out), "admin ann@acme-widgets.com ("+ann+"), granted by an operator") {
		t.Errorf("grant-admin printed:\n%s", out)
	}
	logged(errOut, "command=grant-admin", "identity_id="+ann)
	if out, errOut := db.ok("grant-admin", "ann@acme-widgets.com", ann); !strings.HasPrefix(out, ann+" is already an admin of Acme Widgets: nothing changed") || errOut != "" {
		t.Errorf("grant-admin again printed:\n%s%s", out, errOut)
	}
	db.fails(companies.ErrNotMember, false, []string{"make " + old + " an admin of Acme Widgets: not a member of the company: the verification of old@acme-widgets.com expired on "},
		"grant-admin", acme, old)
	db.fails(companies.ErrNotMember, false, []string{"new@acme-widgets.com is not verified"}, "grant-admin", acme, fresh)
	db.fails(companies.ErrNotMember, false, []string{"its address eve@globex-corp.com is not on the company's domains (acme-widgets.com, acme-widgets.de)"},
		"grant-admin", acme, eve)
	db.fails(companies.ErrNotMember, false, []string{"the member index has no such account"}, "grant-admin", acme, newUUID())
	db.fails(companies.ErrNotAdmin, false, []string{"revoke " + bob + " from Acme Widgets: not an admin of the company"}, "revoke-admin", acme, bob)
	if c := db.company(acme); len(c.Admins) != 1 {
		t.Errorf("after the refusals acme has admins %+v, want ann only", c.Admins)
	}

	out, errOut = db.ok("subscribe", acme, "support", "--until", "2099-06-30")
	if !strings.HasPrefix(out, "Acme Widgets has support until 2099-06-30\n") || !strings.Contains(flat(out), "subscription support until 2099-06-30") {
		t.Errorf("subscribe printed:\n%s", out)
	}
	logged(errOut, "command=subscribe", "subscription=support", "until=2099-06-30")
	if out, _ := db.ok("subscribe", "--until", "2099-12-31", acme, "support"); !strings.HasPrefix(out, "Acme Widgets has support until 2099-12-31 (was until 2099-06-30)") {
		t.Errorf("subscribe again printed:\n%s", out)
	}
	today := now.Format(time.DateOnly)
	if out, _ := db.ok("subscribe", acme, "training", "--until", today, "--json"); !strings.Contains(out, `{"name":"training","ends_on":"`+today+`"}`) {
		t.Errorf("subscribe --json through today printed:\n%s", out)
	}
	db.fails(nil, true, []string{`--until "2099-02-30" is not a date: want YYYY-MM-DD`}, "subscribe", acme, "support", "--until", "2099-02-30")
	db.fails(nil, true, []string{`--until "30/06/2099" is not a date`}, "subscribe", acme, "support", "--until", "30/06/2099")
	db.fails(nil, true, []string{"--until 2020-01-01 is in the past"}, "subscribe", acme, "support", "--until", "2020-01-01")
	db.fails(nil, true, []string{"--until YYYY-MM-DD, the subscription's last day, is required"}, "subscribe", acme, "support")
	db.fails(nil, true, []string{"--until is subscribe's"}, "unsubscribe", acme, "support", "--until", "2099-01-01")
	db.fails(companies.ErrInvalid, false, []string{`subscription "Support": want a lower-case name`}, "subscribe", acme, "Support", "--until", "2099-01-01")
	db.fails(companies.ErrNoCompany, false, nil, "subscribe", "initech-systems.com", "support", "--until", "2099-01-01")

	out, errOut = db.ok("unsubscribe", acme, "training")
	if !strings.HasPrefix(out, "ended the training subscription of Acme Widgets\n") || strings.Contains(out, "training until") {
		t.Errorf("unsubscribe printed:\n%s", out)
	}
	logged(errOut, "command=unsubscribe", "subscription=training")
	db.fails(companies.ErrInvalid, false, []string{`Acme Widgets has no "training" subscription (it has: support until 2099-12-31)`}, "unsubscribe", acme, "training")

	out, errOut = db.ok("merge", "Ann@Acme-Widgets.com", "acme-widgets.co.uk")
	if want := "merged acme-widgets.co.uk (" + uk + ") into Acme Widgets: its domains (acme-widgets.co.uk), admins and subscriptions now belong to Acme Widgets, and " + uk + " is gone\n"; !strings.HasPrefix(out, want) ||
		!strings.Contains(flat(out), "domains acme-widgets.co.uk, acme-widgets.com, acme-widgets.de members 3") {
		t.Errorf("merge printed:\n%s\nwant first %s", out, want)
	}
	logged(errOut, "command=merge", "from_id="+uk, "from_name=acme-widgets.co.uk", "domains=acme-widgets.co.uk")
	db.fails(companies.ErrNoCompany, false, []string{`merge: company "initech-systems.com"`}, "merge", acme, "initech-systems.com")
	db.fails(companies.ErrNoCompany, false, []string{`company "initech-systems.com"`}, "merge", "initech-systems.com", acme)
	db.fails(companies.ErrInvalid, false, []string{"merge acme-widgets.co.uk into Acme Widgets: they are the same company (" + acme + ")"}, "merge", acme, "acme-widgets.co.uk")
	db.fails(nil, true, []string{"and FROM"}, "merge", acme)

	out, errOut = db.ok("revoke-admin", acme, ann)
	if !strings.HasPrefix(out, ann+" is no longer an admin of Acme Widgets\n") || !strings.Contains(flat(out), "admins none") {
		t.Errorf("revoke-admin printed:\n%s", out)
	}
	logged(errOut, "command=revoke-admin", "identity_id="+ann)
	if c := db.company(globex); c.Name != "globex-corp.com" || len(c.Domains) != 1 || len(c.Admins) != 0 {
		t.Errorf("globex changed: %+v", c)
	}
}

// A database file that is not there is an error, and stays not there: the
// operator is in the wrong folder, not looking at an empty database.
func TestAdminCompaniesMissingDatabase(t *testing.T) {
	path := filepath.Join(t.TempDir(), "data", "workid.db")
	environ := append([]string{"WORKID_DATABASE_URL=sqlite:" + path}, listsEnv...)
	for _, args := range [][]string{{"companies", "list"}, {"companies", "set-name", "acme-widgets.com", "Acme"}, {"identities", "list", "--company", "acme-widgets.com"}} {
		err := run(t.Context(), append([]string{"workid", "admin"}, args...), environ, io.Discard, io.Discard)
		if err == nil || !strings.Contains(err.Error(), path+" does not exist (WORKID_DATABASE_URL=sqlite:"+path+")") {
			t.Errorf("%q = %v, want the missing file named", args, err)
		}
	}
	if _, err := os.Stat(filepath.Dir(path)); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("the commands made %s: %v", filepath.Dir(path), err)
	}
	environ = []string{"WORKID_DATABASE_URL=mysql://db/workid"}
	if err := run(t.Context(), []string{"workid", "admin", "companies", "list"}, environ, io.Discard, io.Discard); err == nil ||
		!strings.Contains(err.Error(), "WORKID_DATABASE_URL must be sqlite:PATH") {
		t.Errorf("a MySQL URL = %v, want it refused", err)
	}
}
