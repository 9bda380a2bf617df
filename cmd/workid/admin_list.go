package main

import (
	"context"
	"encoding/csv"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"strings"
	"time"

	kratos "github.com/ory/kratos-client-go"

	"github.com/workid/workid/config"
	"github.com/workid/workid/internal/businessemail"
	"github.com/workid/workid/internal/csvcell"
	"github.com/workid/workid/internal/emailrule"
	"github.com/workid/workid/internal/emailstate"
	"github.com/workid/workid/internal/kratosapi"
)

// listFilter is what `identities list` keeps; the zero value keeps all.
type listFilter struct {
	status         string
	expiringWithin time.Duration
	personal       *businessemail.Policy
	domain         string
	// company holds the domains of --company's company; nil keeps all.
	company map[string]bool
}

// listRow is one identity as `identities list` prints it.
type listRow struct {
	ID            string    `json:"id"`
	Email         string    `json:"email"`
	Status        string    `json:"status"`
	VerifiedAt    time.Time `json:"verified_at,omitzero"`
	ValidUntil    time.Time `json:"valid_until,omitzero"`
	CompanyDomain string    `json:"company_domain,omitempty"`
	Username      string    `json:"username,omitempty"`
	// Refused is the rule's reason code when the address would be refused
	// today (--personal).
	Refused string `json:"refused,omitempty"`
}

// runIdentitiesList streams the identities that match the filters, page by
// page, so it works for any number of them.
func runIdentitiesList(ctx context.Context, args, environ []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("admin identities list", flag.ContinueOnError)
	status := fs.String("status", "", "keep addresses in this state: verified, unverified or expired")
	within := fs.Duration("expiring-within", 0, "keep verified addresses whose year ends within this long (e.g. 720h)")
	personal := fs.Bool("personal", false, "keep addresses the business-email rule would refuse today (personal, disposable, invalid)")
	domain := fs.String("domain", "", "keep identities of this company domain")
	company := fs.String("company", "", "keep identities on the domains of this company (its ID, a domain or an email address on one), members and pending; reads WORKID_DATABASE_URL")
	format := fs.String("format", "table", "table, json (one object a line) or csv")
	pageSize := fs.Int64("page-size", 500, "identities per admin API request (1-1000)")
	if err := parseFlags(fs, args, stderr); err != nil {
		return err
	}
	f := listFilter{status: *status, expiringWithin: *within, domain: strings.ToLower(strings.TrimSpace(*domain))}
	switch {
	case f.status != "" && f.status != "verified" && f.status != "unverified" && f.status != "expired":
		return usageError{fmt.Sprintf("admin identities list: --status %q must be verified, unverified or expired", f.status)}
	case *within < 0:
		return usageError{"admin identities list: --expiring-within cannot be negative"}
	case *format != "table" && *format != "json" && *format != "csv":
		return usageError{fmt.Sprintf("admin identities list: --format %q must be table, json or csv", *format)}
	case *pageSize < 1 || *pageSize > 1000:
		return usageError{"admin identities list: --page-size must be between 1 and 1000"}
	}
	cfg, err := config.Load[config.Admin](environ)
	if err != nil {
		return err
	}
	if *personal {
		if f.personal, err = emailrule.LoadPolicy(ctx, cfg.EmailRule, slog.New(slog.DiscardHandler)); err != nil {
			return err
		}
	}
	if *company != "" {
		if f.company, err = companyDomains(ctx, cfg, *company); err != nil {
			return err
		}
	}
	out := newRowWriter(*format, stdout)
	pages := kratosapi.NewIdentityPager(kratosapi.New(cfg.Kratos.AdminURL), *pageSize)
	now := time.Now()
	scanned, kept := 0, 0
	for !pages.Done() {
		page, resp, err := pages.Next(ctx)
		if err != nil {
			return adminAPIError(cfg.Kratos.AdminURL, fmt.Sprintf("list identities (after %d)", scanned), err, resp != nil)
		}
		for i := range page {
			scanned++
			if row, ok := f.keep(&page[i], now, cfg.MaxAge); ok {
				kept++
				if err := out.write(row); err != nil {
					return err
				}
			}
		}
		if err := out.flush(); err != nil {
			return err
		}
	}
	fmt.Fprintf(stderr, "%d of %d identities listed\n", kept, scanned)
	return nil
}

// keep reports whether ident passes the filter, with its row.
func (f listFilter) keep(ident *kratos.Identity, now time.Time, maxAge time.Duration) (listRow, bool) {
	v := viewIdentity(ident, now, maxAge)
	row := listRow{ID: v.ID, Email: v.Email, Status: emailstate.Unverified.String(), CompanyDomain: v.CompanyDomain, Username: v.Username}
	// viewIdentity keeps the addresses in Kratos's order.
	if i := kratosapi.AccountAddress(ident.VerifiableAddresses, v.Email); i >= 0 {
		a := v.Addresses[i]
		row.Status, row.VerifiedAt, row.ValidUntil = a.Status, a.VerifiedAt, a.ValidUntil
	}
	if f.status != "" && row.Status != f.status {
		return row, false
	}
	if f.expiringWithin > 0 && (row.Status != emailstate.Verified.String() || row.ValidUntil.IsZero() || row.ValidUntil.Sub(now) > f.expiringWithin) {
		return row, false
	}
	if f.domain != "" || f.company != nil {
		// The hook records the registrable domain; an identity created
		// another way is judged by its address's, as the hook would.
		d := row.CompanyDomain
		if d == "" {
			a, _ := businessemail.Normalize(row.Email)
			d = a.Registrable
		}
		if f.domain != "" && d != f.domain || f.company != nil && !f.company[d] {
			return row, false
		}
	}
	if f.personal != nil {
		d := f.personal.Decide(row.Email)
		if d.Allowed() {
			return row, false
		}
		row.Refused = d.Reason.Code()
	}
	return row, true
}

// rowWriter prints rows in one format as they come.
type rowWriter struct {
	format string
	w      io.Writer
	csv    *csv.Writer
	json   *json.Encoder
	header bool
}

func newRowWriter(format string, w io.Writer) *rowWriter {
	return &rowWriter{format: format, w: w, csv: csv.NewWriter(w), json: json.NewEncoder(w)}
}

const tableRow = "%-36s  %-10s  %-10s  %-10s  %-24s  %s\n"

func (rw *rowWriter) write(r listRow) error {
	date := func(t time.Time) string {
		if t.IsZero() {
			return "-"
		}
		return t.UTC().Format(time.DateOnly)
	}
	switch rw.format {
	case "json":
		return rw.json.Encode(r)
	case "csv":
		if !rw.header {
			rw.header = true
			if err := rw.csv.Write([]string{"id", "email", "status", "verified_at", "valid_until", "company_domain", "username", "refused"}); err != nil {
				return err
			}
		}
		at := func(t time.Time) string {
			if t.IsZero() {
				return ""
			}
			return t.UTC().Format(time.RFC3339)
		}
		// Addresses and usernames are the users' own writing.
		return rw.csv.Write([]string{r.ID, csvcell.Safe(r.Email), r.Status, at(r.VerifiedAt), at(r.ValidUntil), r.CompanyDomain, csvcell.Safe(r.Username), r.Refused})
	}
	if !rw.header {
		rw.header = true
		if _, err := fmt.Fprintf(rw.w, tableRow, "ID", "STATUS", "VERIFIED", "VALID UNTIL", "COMPANY DOMAIN", "EMAIL"); err != nil {
			return err
		}
	}
	email := r.Email
	if r.Refused != "" {
		email += " (" + r.Refused + ")"
	}
	_, err := fmt.Fprintf(rw.w, tableRow, r.ID, r.Status, date(r.VerifiedAt), date(r.ValidUntil), orDash(r.CompanyDomain), email)
	return err
}

func (rw *rowWriter) flush() error {
	rw.csv.Flush()
	return rw.csv.Error()
}

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

// companyDomains reads the domains of the company ref names from WorkID's
// database, for --company. The database is read once, before Kratos is:
// the list is Kratos's identities, not the member index, so it shows
// accounts the index has not seen yet too.
func companyDomains(ctx context.Context, cfg config.Admin, ref string) (map[string]bool, error) {
	store, err := openCompanies(ctx, cfg, nil)
	if err != nil {
		return nil, err
	}
	defer store.Close()
	c, err := store.Find(ctx, ref)
	if err != nil {
		return nil, fmt.Errorf("admin identities list --company: %w", err)
	}
	domains := make(map[string]bool, len(c.Domains))
	for _, d := range c.Domains {
		domains[d] = true
	}
	return domains, nil
}
