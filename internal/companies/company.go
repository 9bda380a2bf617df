package companies

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"regexp"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"
)

// Errors a caller may tell apart (errors.Is); each comes wrapped with what
// it is about.
var (
	// ErrNoCompany: no company has that id or domain.
	ErrNoCompany = errors.New("no such company")
	// ErrDomainTaken: the domain belongs to another company.
	ErrDomainTaken = errors.New("the domain belongs to another company")
	// ErrDomainRefused: the business-email rule refuses the domain.
	ErrDomainRefused = errors.New("not a business domain")
	// ErrNotMember: the identity is not a current member of the company.
	ErrNotMember = errors.New("not a member of the company")
	// ErrNotAdmin: the identity is not an admin of the company.
	ErrNotAdmin = errors.New("not an admin of the company")
	// ErrInvalid: a name, date or subscription is malformed.
	ErrInvalid = errors.New("invalid")
)

// Operator is who granted an admin when an operator did (a command), not
// a company admin.
const Operator = "operator"

// Company is a company with its domains, admins and subscriptions.
type Company struct {
	ID   string `json:"id"`
	Name string `json:"name"`
	// Named is false while the name is the first domain's.
	Named         bool           `json:"named"`
	Domains       []string       `json:"domains"`
	Admins        []Admin        `json:"admins"`
	Subscriptions []Subscription `json:"subscriptions"`
	// Members is how many accounts are members now.
	Members   int       `json:"members"`
	CreatedAt time.Time `json:"created_at"`
}

// Admin is a company admin.
type Admin struct {
	IdentityID string    `json:"identity_id"`
	GrantedBy  string    `json:"granted_by"`
	GrantedAt  time.Time `json:"granted_at"`
}

// Subscription is a named entitlement, open through its last day (EndsOn,
// YYYY-MM-DD, in UTC).
type Subscription struct {
	Name   string `json:"name"`
	EndsOn string `json:"ends_on"`
}

// Active reports whether the subscription is open at now.
func (sub Subscription) Active(now time.Time) bool {
	return sub.EndsOn >= now.UTC().Format(time.DateOnly)
}

// Companies lists every company, by name.
func (s *Store) Companies(ctx context.Context) ([]Company, error) {
	rows, err := s.db.QueryContext(ctx, s.q(`SELECT c.id FROM companies c ORDER BY lower(c.name), c.id`))
	if err != nil {
		return nil, fmt.Errorf("list companies: %w", err)
	}
	var ids []string
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			rows.Close()
			return nil, fmt.Errorf("list companies: %w", err)
		}
		ids = append(ids, id)
	}
	if err := errors.Join(rows.Err(), rows.Close()); err != nil {
		return nil, fmt.Errorf("list companies: %w", err)
	}
	out := make([]Company, 0, len(ids))
	for _, id := range ids {
		c, err := s.load(ctx, s.db, id)
		if err != nil {
			return nil, fmt.Errorf("list companies: %w", err)
		}
		out = append(out, c)
	}
	return out, nil
}

// Company finds a company by its id or one of its domains.
func (s *Store) Company(ctx context.Context, ref string) (Company, error) {
	id, err := s.resolve(ctx, s.db, ref)
	if err != nil {
		return Company{}, err
	}
	return s.load(ctx, s.db, id)
}

// querier is what reads need: the database or a transaction.
type querier interface {
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}

// resolve turns an id or a domain into a company id.
func (s *Store) resolve(ctx context.Context, db querier, ref string) (string, error) {
	ref = strings.TrimSpace(ref)
	var id string
	err := db.QueryRowContext(ctx, s.q(`SELECT id FROM companies WHERE id = ?
		UNION SELECT company_id FROM company_domains WHERE domain = ?`), ref, strings.ToLower(ref)).Scan(&id)
	if errors.Is(err, sql.ErrNoRows) {
		return "", fmt.Errorf("company %q: %w", ref, ErrNoCompany)
	}
	if err != nil {
		return "", fmt.Errorf("find company %q: %w", ref, err)
	}
	return id, nil
}

// load reads a whole company, its member count too.
func (s *Store) load(ctx context.Context, db querier, id string) (Company, error) {
	c, err := s.loadWithoutCount(ctx, db, id)
	if err != nil {
		return Company{}, err
	}
	if c.Members, err = s.countMembers(ctx, db, c.Domains); err != nil {
		return Company{}, fmt.Errorf("read company %s: %w", id, err)
	}
	return c, nil
}

// loadWithoutCount reads a company but for its member count (Members 0),
// which costs a walk over every member: what a page or a token needs to
// know of the account's company does not include it.
func (s *Store) loadWithoutCount(ctx context.Context, db querier, id string) (Company, error) {
	c, found, err := s.readCompany(ctx, db, `SELECT CAST(? AS TEXT) AS id`, id)
	switch {
	case err != nil:
		return Company{}, fmt.Errorf("read company %s: %w", id, err)
	case !found:
		return Company{}, fmt.Errorf("company %q: %w", id, ErrNoCompany)
	}
	return c, nil
}

// readCompany reads, in one statement, the company whose id the query
// which selects (one column, id; args are its arguments): its row, then a
// row for each of its domains, admins and subscriptions, each tagged with
// its kind and in the order Company lists them. One statement is one
// round trip to the database (a membership took five, a query for each
// part, on every page a member opens) and one snapshot of the company.
// found is false when which selects no company.
// Outside a transaction, on SQLite, the statement is prepared once
// (prepared).
func (s *Store) readCompany(ctx context.Context, db querier, which string, args ...any) (c Company, found bool, err error) {
	query := s.q(`WITH co AS (` + which + `)
		SELECT 0, id, name, named, created_at FROM companies WHERE id IN (SELECT id FROM co)
		UNION ALL SELECT 1, domain, '', 0, 0 FROM company_domains WHERE company_id IN (SELECT id FROM co)
		UNION ALL SELECT 2, identity_id, granted_by, 0, granted_at FROM company_admins WHERE company_id IN (SELECT id FROM co)
		UNION ALL SELECT 3, name, ends_on, 0, 0 FROM subscriptions WHERE company_id IN (SELECT id FROM co)
		ORDER BY 1, 5, 2`)
	var rows *sql.Rows
	if db == querier(s.db) && !s.pg {
		var st *sql.Stmt
		if st, err = s.prepared(ctx, query); err == nil {
			rows, err = st.QueryContext(ctx, args...)
		}
	} else {
		rows, err = db.QueryContext(ctx, query, args...)
	}
	if err != nil {
		return Company{}, false, err
	}
	defer rows.Close()
	c = Company{Domains: []string{}, Admins: []Admin{}, Subscriptions: []Subscription{}}
	for rows.Next() {
		var kind, named int
		var key, text string
		var at int64
		if err := rows.Scan(&kind, &key, &text, &named, &at); err != nil {
			return Company{}, false, err
		}
		switch kind {
		case 0:
			found = true
			c.ID, c.Name, c.Named, c.CreatedAt = key, text, named == 1, time.Unix(at, 0).UTC()
		case 1:
			c.Domains = append(c.Domains, key)
		case 2:
			c.Admins = append(c.Admins, Admin{IdentityID: key, GrantedBy: text, GrantedAt: time.Unix(at, 0).UTC()})
		case 3:
			c.Subscriptions = append(c.Subscriptions, Subscription{Name: key, EndsOn: text})
		}
	}
	if err := rows.Err(); err != nil {
		return Company{}, false, err
	}
	if !found {
		return Company{}, false, nil
	}
	return c, true, nil
}

// inDomains is the condition "m.domain is one of domains" with its
// arguments. The domains are spelled out, not joined through the
// company's id: with the domains known, the planner walks the members
// index (domain, address) whatever statistics it has, where a join on
// fresh, unanalysed tables had PostgreSQL scan every member.
func inDomains(domains []string) (string, []any) {
	args := make([]any, len(domains))
	for i, d := range domains {
		args[i] = d
	}
	return "m.domain IN (" + strings.TrimSuffix(strings.Repeat("?, ", len(domains)), ", ") + ")", args
}

// countMembers counts the current members on domains.
func (s *Store) countMembers(ctx context.Context, db querier, domains []string) (int, error) {
	if len(domains) == 0 {
		return 0, nil
	}
	cond, args := inDomains(domains)
	var n int
	err := db.QueryRowContext(ctx, s.q(`SELECT count(*) FROM members m WHERE `+cond+` AND `+currentSQL), append(args, s.cutoff())...).Scan(&n)
	return n, err
}

// queryList runs a query and scans each row with scan.
func queryList[T any](ctx context.Context, db querier, query string, args []any, scan func(*sql.Rows) (T, error)) ([]T, error) {
	rows, err := db.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []T{}
	for rows.Next() {
		v, err := scan(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, v)
	}
	return out, rows.Err()
}

// maxNameLen bounds a company's name, in characters.
const maxNameLen = 120

// checkName reports what is wrong with a company name, if anything.
func checkName(name string) error {
	switch {
	case name == "":
		return fmt.Errorf("company name: empty: %w", ErrInvalid)
	case !utf8.ValidString(name):
		return fmt.Errorf("company name: not UTF-8: %w", ErrInvalid)
	case utf8.RuneCountInString(name) > maxNameLen:
		return fmt.Errorf("company name: longer than %d characters: %w", maxNameLen, ErrInvalid)
	case strings.IndexFunc(name, func(r rune) bool { return unicode.IsControl(r) || unicode.Is(unicode.Cf, r) }) >= 0:
		return fmt.Errorf("company name: has a control or invisible character: %w", ErrInvalid)
	}
	return nil
}

// SetName names a company (ref: its id or a domain).
func (s *Store) SetName(ctx context.Context, ref, name string) (Company, error) {
	name = strings.TrimSpace(name)
	if err := checkName(name); err != nil {
		return Company{}, err
	}
	return s.update(ctx, ref, func(tx *sql.Tx, id string) error {
		_, err := tx.ExecContext(ctx, s.q(`UPDATE companies SET name = ?, named = 1, updated_at = ? WHERE id = ?`), name, s.now().Unix(), id)
		return err
	})
}

// update runs change on the company ref names, in one transaction, and
// returns the company as it then is.
func (s *Store) update(ctx context.Context, ref string, change func(tx *sql.Tx, id string) error) (Company, error) {
	var c Company
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		id, err := s.resolve(ctx, tx, ref)
		if err != nil {
			return err
		}
		if err := s.lockCompany(ctx, tx, id); err != nil {
			return err
		}
		if err := change(tx, id); err != nil {
			return err
		}
		c, err = s.load(ctx, tx, id)
		return err
	})
	return c, err
}

// lockCompany holds the company's row until the transaction ends, so that
// two changes to one company (a merge and a grant on the merged one, say)
// take turns instead of one losing the other's work. SQLite's
// transactions hold the database's write lock from BEGIN already.
func (s *Store) lockCompany(ctx context.Context, tx *sql.Tx, id string) error {
	if !s.pg {
		return nil
	}
	var got string
	err := tx.QueryRowContext(ctx, `SELECT id FROM companies WHERE id = $1 FOR UPDATE`, id).Scan(&got)
	if errors.Is(err, sql.ErrNoRows) {
		// Merged away between resolving and locking.
		return fmt.Errorf("company %q: %w", id, ErrNoCompany)
	}
	return err
}

// BusinessDomain checks that domain is a registrable business domain and
// returns it in its normal form (lower case, ASCII).
func (s *Store) BusinessDomain(domain string) (string, error) {
	if s.rule == nil {
		return "", errNoRule
	}
	d := s.rule.Decide("postmaster@" + strings.TrimSpace(domain))
	switch {
	case d.Address.Domain == "":
		return "", fmt.Errorf("domain %q: %s: %w", domain, d.Reason.Message(domain, ""), ErrDomainRefused)
	case !d.Allowed():
		return "", fmt.Errorf("domain %s: %s: %w", d.Address.Domain, d.Message(), ErrDomainRefused)
	case d.Address.Registrable != d.Address.Domain:
		return "", fmt.Errorf("domain %s: a company holds a registrable domain: add %s: %w", d.Address.Domain, d.Address.Registrable, ErrInvalid)
	}
	return d.Address.Domain, nil
}

// AddDomain gives a company (ref) another registrable domain. Adding a
// domain it already holds changes nothing.
func (s *Store) AddDomain(ctx context.Context, ref, domain string) (Company, error) {
	domain, err := s.BusinessDomain(domain)
	if err != nil {
		return Company{}, err
	}
	return s.update(ctx, ref, func(tx *sql.Tx, id string) error {
		var owner string
		err := tx.QueryRowContext(ctx, s.q(`SELECT company_id FROM company_domains WHERE domain = ?`), domain).Scan(&owner)
		switch {
		case err == nil && owner == id:
			return nil
		case err == nil:
			return fmt.Errorf("add %s: %w (%s): merge the two instead", domain, ErrDomainTaken, owner)
		case !errors.Is(err, sql.ErrNoRows):
			return err
		}
		// A hook may form a company on the domain meanwhile: the key
		// decides, and the loser hears who has it.
		res, err := tx.ExecContext(ctx, s.q(`INSERT INTO company_domains (domain, company_id, added_at) VALUES (?, ?, ?)
			ON CONFLICT (domain) DO NOTHING`), domain, id, s.now().Unix())
		if err != nil {
			return err
		}
		if n, err := res.RowsAffected(); err != nil || n == 1 {
			return err
		}
		if err := tx.QueryRowContext(ctx, s.q(`SELECT company_id FROM company_domains WHERE domain = ?`), domain).Scan(&owner); err != nil || owner == id {
			return err
		}
		return fmt.Errorf("add %s: %w (%s): merge the two instead", domain, ErrDomainTaken, owner)
	})
}

// Merge moves everything of company from into company into (its domains,
// admins and subscriptions, the later end of a subscription both hold)
// and removes from. into keeps its name.
func (s *Store) Merge(ctx context.Context, into, from string) (Company, error) {
	return s.update(ctx, into, func(tx *sql.Tx, id string) error {
		fromID, err := s.resolve(ctx, tx, from)
		if err != nil {
			return err
		}
		if fromID == id {
			return fmt.Errorf("merge %s into itself: %w", from, ErrInvalid)
		}
		if err := s.lockCompany(ctx, tx, fromID); err != nil {
			return err
		}
		now := s.now().Unix()
		for _, stmt := range []string{
			`UPDATE company_domains SET company_id = ? WHERE company_id = ?`,
			`INSERT INTO company_admins (company_id, identity_id, granted_by, granted_at)
				SELECT ?, identity_id, granted_by, granted_at FROM company_admins WHERE company_id = ?
				ON CONFLICT (company_id, identity_id) DO NOTHING`,
			`INSERT INTO subscriptions (company_id, name, ends_on, updated_at)
				SELECT ?, name, ends_on, updated_at FROM subscriptions WHERE company_id = ?
				ON CONFLICT (company_id, name) DO UPDATE SET ends_on = CASE
					WHEN excluded.ends_on > subscriptions.ends_on THEN excluded.ends_on ELSE subscriptions.ends_on END`,
		} {
			if _, err := tx.ExecContext(ctx, s.q(stmt), id, fromID); err != nil {
				return err
			}
		}
		if _, err := tx.ExecContext(ctx, s.q(`DELETE FROM companies WHERE id = ?`), fromID); err != nil {
			return err
		}
		_, err = tx.ExecContext(ctx, s.q(`UPDATE companies SET updated_at = ? WHERE id = ?`), now, id)
		return err
	})
}

// GrantAdmin makes a current member of the company an admin. by is
// Operator or the granting admin's identity id, who must be an admin of
// the company and a current member.
func (s *Store) GrantAdmin(ctx context.Context, ref, identityID, by string) (Company, error) {
	return s.update(ctx, ref, func(tx *sql.Tx, id string) error {
		if err := s.mayAdminister(ctx, tx, id, by); err != nil {
			return err
		}
		if ok, err := s.isMember(ctx, tx, id, identityID); err != nil || !ok {
			if err == nil {
				err = fmt.Errorf("make %s an admin: %w", identityID, ErrNotMember)
			}
			return err
		}
		_, err := tx.ExecContext(ctx, s.q(`INSERT INTO company_admins (company_id, identity_id, granted_by, granted_at)
			VALUES (?, ?, ?, ?) ON CONFLICT (company_id, identity_id) DO NOTHING`), id, identityID, by, s.now().Unix())
		return err
	})
}

// RevokeAdmin ends an identity's admin rights in the company. by is as for
// GrantAdmin.
func (s *Store) RevokeAdmin(ctx context.Context, ref, identityID, by string) (Company, error) {
	return s.update(ctx, ref, func(tx *sql.Tx, id string) error {
		if err := s.mayAdminister(ctx, tx, id, by); err != nil {
			return err
		}
		res, err := tx.ExecContext(ctx, s.q(`DELETE FROM company_admins WHERE company_id = ? AND identity_id = ?`), id, identityID)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return fmt.Errorf("revoke %s: %w", identityID, ErrNotAdmin)
		}
		return nil
	})
}

// mayAdminister checks that by may change the company's admins: an
// operator, or one of its admins who is a current member.
func (s *Store) mayAdminister(ctx context.Context, tx *sql.Tx, companyID, by string) error {
	if by == Operator {
		return nil
	}
	admin, err := s.isAdmin(ctx, tx, companyID, by)
	if err != nil {
		return err
	}
	member, err := s.isMember(ctx, tx, companyID, by)
	if err != nil {
		return err
	}
	if !admin || !member {
		return fmt.Errorf("%s: %w", by, ErrNotAdmin)
	}
	return nil
}

func (s *Store) isAdmin(ctx context.Context, db querier, companyID, identityID string) (bool, error) {
	var n int
	err := db.QueryRowContext(ctx, s.q(`SELECT count(*) FROM company_admins WHERE company_id = ? AND identity_id = ?`), companyID, identityID).Scan(&n)
	return n > 0, err
}

// isMember reports whether the identity is a current member of the company.
func (s *Store) isMember(ctx context.Context, db querier, companyID, identityID string) (bool, error) {
	var n int
	err := db.QueryRowContext(ctx, s.q(`SELECT count(*) FROM members m JOIN company_domains d ON d.domain = m.domain
		WHERE d.company_id = ? AND m.identity_id = ? AND `+currentSQL), companyID, identityID, s.cutoff()).Scan(&n)
	return n > 0, err
}

var subscriptionName = regexp.MustCompile(`^[a-z][a-z0-9_-]{0,63}$`)

// ValidSubscriptionName reports whether name can name a subscription.
func ValidSubscriptionName(name string) bool { return subscriptionName.MatchString(name) }

// Subscribe gives the company the subscription through endsOn
// (YYYY-MM-DD), or moves the end of the one it has.
func (s *Store) Subscribe(ctx context.Context, ref, name, endsOn string) (Company, error) {
	if !ValidSubscriptionName(name) {
		return Company{}, fmt.Errorf("subscription %q: want a lower-case name of letters, digits, - or _ (support, say): %w", name, ErrInvalid)
	}
	day, err := time.Parse(time.DateOnly, endsOn)
	if err != nil {
		return Company{}, fmt.Errorf("subscription %s: end %q: want a date, YYYY-MM-DD: %w", name, endsOn, ErrInvalid)
	}
	return s.update(ctx, ref, func(tx *sql.Tx, id string) error {
		_, err := tx.ExecContext(ctx, s.q(`INSERT INTO subscriptions (company_id, name, ends_on, updated_at) VALUES (?, ?, ?, ?)
			ON CONFLICT (company_id, name) DO UPDATE SET ends_on = excluded.ends_on, updated_at = excluded.updated_at`),
			id, name, day.Format(time.DateOnly), s.now().Unix())
		return err
	})
}

// Unsubscribe ends the company's subscription now.
func (s *Store) Unsubscribe(ctx context.Context, ref, name string) (Company, error) {
	return s.update(ctx, ref, func(tx *sql.Tx, id string) error {
		res, err := tx.ExecContext(ctx, s.q(`DELETE FROM subscriptions WHERE company_id = ? AND name = ?`), id, name)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return fmt.Errorf("subscription %q: the company has none: %w", name, ErrInvalid)
		}
		return nil
	})
}
