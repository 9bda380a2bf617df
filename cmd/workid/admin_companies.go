package main

import (
	"context"
	"encoding/csv"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"os"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/workid/workid/config"
	"github.com/workid/workid/internal/companies"
	"github.com/workid/workid/internal/csvcell"
)

// runCompanies dispatches `workid admin companies ...`.
func runCompanies(ctx context.Context, args, environ []string, stdout, stderr io.Writer) error {
	if len(args) > 0 {
		switch args[0] {
		case "list":
			return runCompaniesList(ctx, args[1:], environ, stdout, stderr)
		case "show":
			return runCompaniesShow(ctx, args[1:], environ, stdout, stderr)
		}
		if ch, ok := companyChanges[args[0]]; ok {
			return runCompanyChange(ctx, args[0], ch, args[1:], environ, stdout, stderr)
		}
	}
	fmt.Fprint(stderr, adminUsage)
	return usageError{fmt.Sprintf("admin: unknown command %q", strings.Join(append([]string{"companies"}, args...), " "))}
}

// openCompanies opens WorkID's database for a command. rule is the
// business-email rule, needed only to add a domain. A SQLite file that is
// not there is an error, not a new empty database: the operator is most
// likely in the wrong folder, and would otherwise see no companies.
func openCompanies(ctx context.Context, cfg config.Admin, rule companies.Rule) (*companies.Store, error) {
	loc, err := companies.ParseURL(cfg.Database.URL)
	if err != nil {
		return nil, err
	}
	if !loc.Postgres {
		if _, err := os.Stat(loc.Path); errors.Is(err, fs.ErrNotExist) {
			return nil, fmt.Errorf("open WorkID's database: %s does not exist (WORKID_DATABASE_URL=%s): run the command where `make run` keeps its data folder, or set WORKID_DATABASE_URL", loc.Path, cfg.Database.URL)
		}
	}
	s, err := companies.Open(ctx, cfg.Database.URL, companies.Options{Rule: rule, MaxAge: cfg.MaxAge})
	if err != nil {
		// Not the URL itself: it can hold a password.
		return nil, fmt.Errorf("open WorkID's database (WORKID_DATABASE_URL): %w", err)
	}
	return s, nil
}

// runCompaniesList prints every company (or those matching --search) with
// its domains, members, admins and subscriptions.
func runCompaniesList(ctx context.Context, args, environ []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("admin companies list", flag.ContinueOnError)
	format := fs.String("format", "table", "table, json (one object a line) or csv")
	search := fs.String("search", "", "keep companies whose name or one of whose domains contains this (any case)")
	if err := parseFlags(fs, args, stderr); err != nil {
		return err
	}
	if *format != "table" && *format != "json" && *format != "csv" {
		return usageError{fmt.Sprintf("admin companies list: --format %q must be table, json or csv", *format)}
	}
	cfg, err := config.Load[config.Admin](environ)
	if err != nil {
		return err
	}
	store, err := openCompanies(ctx, cfg, nil)
	if err != nil {
		return err
	}
	defer store.Close()
	all, err := store.Companies(ctx)
	if err != nil {
		return err
	}
	var kept []companies.Company
	for _, c := range all {
		if matchesSearch(c, *search) {
			kept = append(kept, c)
		}
	}
	if err := writeCompanies(stdout, *format, kept, time.Now()); err != nil {
		return err
	}
	fmt.Fprintf(stderr, "%d of %d companies listed\n", len(kept), len(all))
	return nil
}

// matchesSearch reports whether q is in the company's name or a domain.
func matchesSearch(c companies.Company, q string) bool {
	q = strings.ToLower(strings.TrimSpace(q))
	if strings.Contains(strings.ToLower(c.Name), q) {
		return true
	}
	for _, d := range c.Domains {
		if strings.Contains(d, q) {
			return true
		}
	}
	return false
}

// writeCompanies prints the companies in one of list's formats.
func writeCompanies(w io.Writer, format string, cs []companies.Company, now time.Time) error {
	switch format {
	case "json":
		enc := json.NewEncoder(w)
		for _, c := range cs {
			if err := enc.Encode(c); err != nil {
				return err
			}
		}
		return nil
	case "csv":
		cw := csv.NewWriter(w)
		_ = cw.Write([]string{"id", "name", "named", "domains", "members", "admins", "subscriptions", "created_at"})
		for _, c := range cs {
			admins := make([]string, len(c.Admins))
			for i, a := range c.Admins {
				admins[i] = a.IdentityID
			}
			_ = cw.Write([]string{c.ID, csvcell.Safe(c.Name), strconv.FormatBool(c.Named), strings.Join(c.Domains, " "), strconv.Itoa(c.Members),
				strings.Join(admins, " "), subscriptionsText(c.Subscriptions, now), c.CreatedAt.Format(time.RFC3339)})
		}
		cw.Flush()
		return cw.Error()
	}
	if len(cs) == 0 {
		return nil
	}
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "ID\tNAME\tMEMBERS\tADMINS\tDOMAINS\tSUBSCRIPTIONS")
	for _, c := range cs {
		fmt.Fprintf(tw, "%s\t%s\t%d\t%d\t%s\t%s\n", c.ID, c.Name, c.Members, len(c.Admins),
			strings.Join(c.Domains, ", "), orDash(subscriptionsText(c.Subscriptions, now)))
	}
	return tw.Flush()
}

// subscriptionsText is "support until 2027-06-30; training until
// 2026-01-31 (ended)".
func subscriptionsText(subs []companies.Subscription, now time.Time) string {
	parts := make([]string, len(subs))
	for i, s := range subs {
		parts[i] = s.Name + " until " + s.EndsOn
		if !s.Active(now) {
			parts[i] += " (ended)"
		}
	}
	return strings.Join(parts, "; ")
}

// companyView is a company as `companies show --json` prints it.
type companyView struct {
	Company companies.Company `json:"company"`
	// Admins are the admins' rows in the member index, where it has them.
	Admins  []companies.Row `json:"admin_accounts"`
	Members companies.Page  `json:"members"`
	Pending companies.Page  `json:"pending"`
}

// runCompaniesShow prints one company with a page of its members and of
// its pending accounts (on its domains, not verified or expired).
func runCompaniesShow(ctx context.Context, args, environ []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("admin companies show", flag.ContinueOnError)
	asJSON := fs.Bool("json", false, "print the company, its members and its pending accounts as one JSON object")
	limit := fs.Int("members", 50, fmt.Sprintf("show up to this many members and as many pending accounts (0-%d)", companies.MaxPage))
	search := fs.String("search", "", "show only the accounts whose address, name or username contains this")
	const usage = "usage: workid admin companies show [--json] [--members N] [--search S] ID|DOMAIN|EMAIL"
	if err := parseFlagsAndArgs(fs, args, usage, stderr); err != nil {
		return err
	}
	switch {
	case fs.NArg() != 1:
		fmt.Fprintln(stderr, usage)
		return usageError{"admin companies show: give exactly one company ID, domain or email address"}
	case *limit < 0 || *limit > companies.MaxPage:
		return usageError{fmt.Sprintf("admin companies show: --members must be between 0 and %d", companies.MaxPage)}
	}
	cfg, err := config.Load[config.Admin](environ)
	if err != nil {
		return err
	}
	store, err := openCompanies(ctx, cfg, nil)
	if err != nil {
		return err
	}
	defer store.Close()
	c, err := store.Find(ctx, fs.Arg(0))
	if err != nil {
		return fmt.Errorf("admin companies show: %w", err)
	}
	v := companyView{Company: c}
	for _, q := range []struct {
		pending bool
		page    *companies.Page
	}{{false, &v.Members}, {true, &v.Pending}} {
		// Limit 0 asks the store for its largest page: ask for one row
		// and keep only the total.
		*q.page, err = store.Members(ctx, c.ID, companies.MemberQuery{Pending: q.pending, Search: *search, Limit: max(*limit, 1)})
		if err != nil {
			return err
		}
		if *limit == 0 {
			q.page.Rows = []companies.Row{}
		}
	}
	accounts, err := adminAccounts(ctx, store, c)
	if err != nil {
		return err
	}
	v.Admins = []companies.Row{}
	for _, a := range c.Admins {
		if r, ok := accounts[a.IdentityID]; ok {
			v.Admins = append(v.Admins, r)
		}
	}
	if *asJSON {
		return json.NewEncoder(stdout).Encode(v)
	}
	if err := writeCompany(stdout, c, accounts, time.Now()); err != nil {
		return err
	}
	if err := writeAccounts(stdout, "members", v.Members); err != nil {
		return err
	}
	return writeAccounts(stdout, "pending (on its domains, not verified or expired)", v.Pending)
}

// adminAccounts reads the company's admins from the member index.
func adminAccounts(ctx context.Context, store *companies.Store, c companies.Company) (map[string]companies.Row, error) {
	ids := make([]string, len(c.Admins))
	for i, a := range c.Admins {
		ids[i] = a.IdentityID
	}
	return store.Accounts(ctx, ids)
}

// writeCompany prints a company as aligned "name  value" lines. accounts
// are the admins' rows in the member index.
func writeCompany(w io.Writer, c companies.Company, accounts map[string]companies.Row, now time.Time) error {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	line := func(name, value string) { field(tw, name, value) }
	line("company", c.ID)
	name := c.Name
	if !c.Named {
		name += " (named after its first domain until an operator names it)"
	}
	line("name", name)
	line("created", day(c.CreatedAt))
	line("domains", strings.Join(c.Domains, ", "))
	line("members", strconv.Itoa(c.Members))
	if len(c.Admins) == 0 {
		line("admins", "none")
	}
	for _, a := range c.Admins {
		line("admin", describeAdmin(a, accounts))
	}
	if len(c.Subscriptions) == 0 {
		line("subscriptions", "none")
	}
	for _, s := range c.Subscriptions {
		line("subscription", subscriptionsText([]companies.Subscription{s}, now))
	}
	return tw.Flush()
}

// describeAdmin says who an admin is and whether they can act now.
func describeAdmin(a companies.Admin, accounts map[string]companies.Row) string {
	by := "an operator"
	if a.GrantedBy != companies.Operator {
		by = a.GrantedBy
	}
	granted := fmt.Sprintf("granted by %s %s", by, day(a.GrantedAt))
	r, ok := accounts[a.IdentityID]
	switch {
	case !ok:
		return fmt.Sprintf("%s (not in the member index), %s", a.IdentityID, granted)
	case r.State == companies.StateVerified || r.State == companies.StateExpiring:
		return fmt.Sprintf("%s (%s), %s", r.Address, a.IdentityID, granted)
	}
	return fmt.Sprintf("%s (%s), %s; %s, so not acting until verified again", r.Address, a.IdentityID, granted, r.State)
}

// writeAccounts prints a page of accounts under a heading with its total.
func writeAccounts(w io.Writer, heading string, p companies.Page) error {
	shown := ""
	if len(p.Rows) < p.Total {
		shown = fmt.Sprintf(", the first %d shown (--members)", len(p.Rows))
	}
	fmt.Fprintf(w, "\n%s: %d%s\n", heading, p.Total, shown)
	if len(p.Rows) == 0 {
		return nil
	}
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "ADDRESS\tSTATE\tVALID UNTIL\tADMIN\tNAME\tIDENTITY")
	for _, r := range p.Rows {
		until, admin := "-", ""
		if !r.ValidUntil.IsZero() {
			until = r.ValidUntil.Format(time.DateOnly)
		}
		if r.Admin {
			admin = "admin"
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\n", r.Address, r.State, until, orDash(admin), orDash(r.Name), r.IdentityID)
	}
	return tw.Flush()
}
