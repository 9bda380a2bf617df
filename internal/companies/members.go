package companies

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
	"time"
)

// ExpiringWithin is how close to its end a verification is shown as
// expiring.
const ExpiringWithin = 30 * 24 * time.Hour

// State is a member row's verification as a company admin sees it.
type State string

// The states of a row.
const (
	StateVerified   State = "verified"
	StateExpiring   State = "expiring"
	StateExpired    State = "expired"
	StateUnverified State = "unverified"
)

// Row is an account in the member index.
type Row struct {
	IdentityID string    `json:"identity_id"`
	Address    string    `json:"address"`
	Name       string    `json:"name"`
	Username   string    `json:"username"`
	State      State     `json:"state"`
	VerifiedAt time.Time `json:"verified_at,omitzero"`
	ValidUntil time.Time `json:"valid_until,omitzero"`
	ChangedAt  time.Time `json:"changed_at"`
	Admin      bool      `json:"admin"`
}

// MemberQuery selects a page of a company's accounts.
type MemberQuery struct {
	// Pending selects the accounts on the company's domains that are not
	// members now (never verified, or expired) instead of the members.
	Pending bool
	// Search keeps the accounts whose address, name or username contains
	// it (any case).
	Search string
	// Offset and Limit page the result, which is ordered by address.
	Offset, Limit int
}

// MaxPage is the most rows one page holds.
const MaxPage = 500

// Page is one page of a company's accounts.
type Page struct {
	Rows []Row `json:"rows"`
	// Total is how many accounts the query selects in all.
	Total int `json:"total"`
}

// Members returns a page of a company's members (or its pending accounts),
// in one indexed query on the company's domains.
func (s *Store) Members(ctx context.Context, companyID string, mq MemberQuery) (Page, error) {
	if mq.Limit <= 0 || mq.Limit > MaxPage {
		mq.Limit = MaxPage
	}
	mq.Offset = max(0, mq.Offset)
	domains, err := queryList(ctx, s.db, s.q(`SELECT domain FROM company_domains WHERE company_id = ?`), []any{companyID},
		func(r *sql.Rows) (string, error) { var d string; return d, r.Scan(&d) })
	if err != nil {
		return Page{}, fmt.Errorf("list members of %s: %w", companyID, err)
	}
	page := Page{Rows: []Row{}}
	if len(domains) == 0 {
		return page, nil
	}
	inCompany, args := inDomains(domains)
	cond := currentSQL
	if mq.Pending {
		cond = "NOT (" + currentSQL + ")"
	}
	where := inCompany + ` AND ` + cond
	args = append(args, s.cutoff())
	if q := strings.TrimSpace(mq.Search); q != "" {
		where += ` AND (lower(m.address) LIKE ? ESCAPE '\' OR lower(m.name) LIKE ? ESCAPE '\' OR lower(m.username) LIKE ? ESCAPE '\')`
		pattern := "%" + escapeLike(strings.ToLower(q)) + "%"
		args = append(args, pattern, pattern, pattern)
	}
	if err := s.db.QueryRowContext(ctx, s.q(`SELECT count(*) FROM members m WHERE `+where), args...).Scan(&page.Total); err != nil {
		return Page{}, fmt.Errorf("list members of %s: %w", companyID, err)
	}
	rows, err := queryList(ctx, s.db, s.q(`SELECT m.identity_id, m.address, m.name, m.username, m.status, m.verified_at, m.changed_at,
		a.identity_id IS NOT NULL FROM members m LEFT JOIN company_admins a ON a.company_id = ? AND a.identity_id = m.identity_id
		WHERE `+where+` ORDER BY m.address, m.identity_id LIMIT ? OFFSET ?`),
		append(append([]any{companyID}, args...), mq.Limit, mq.Offset), s.scanRow)
	if err != nil {
		return Page{}, fmt.Errorf("list members of %s: %w", companyID, err)
	}
	page.Rows = rows
	return page, nil
}

// escapeLike makes s match itself in a LIKE pattern with ESCAPE '\'.
func escapeLike(s string) string {
	return strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`).Replace(s)
}

// scanRow reads a member row (the columns Members selects).
func (s *Store) scanRow(r *sql.Rows) (Row, error) {
	var row Row
	var status string
	var verifiedAt sql.NullInt64
	var changed int64
	if err := r.Scan(&row.IdentityID, &row.Address, &row.Name, &row.Username, &status, &verifiedAt, &changed, &row.Admin); err != nil {
		return Row{}, err
	}
	row.ChangedAt = time.Unix(changed, 0).UTC()
	if verifiedAt.Valid {
		row.VerifiedAt = time.Unix(verifiedAt.Int64, 0).UTC()
		row.ValidUntil = row.VerifiedAt.Add(s.maxAge)
	}
	row.State = s.state(status, verifiedAt)
	return row, nil
}

// state is a row's State now.
func (s *Store) state(status string, verifiedAt sql.NullInt64) State {
	switch {
	case s.current(status, verifiedAt):
		if verifiedAt.Valid && s.now().Add(ExpiringWithin).After(time.Unix(verifiedAt.Int64, 0).Add(s.maxAge)) {
			return StateExpiring
		}
		return StateVerified
	case status == "unverified":
		return StateUnverified
	}
	return StateExpired
}

// Membership is an identity's company, when it is a member now.
type Membership struct {
	Company Company
	// Admin is true when the identity is one of the company's admins.
	Admin bool
}

// Active are the company's subscriptions open at now.
func (m Membership) Active(now time.Time) []Subscription {
	var out []Subscription
	for _, sub := range m.Company.Subscriptions {
		if sub.Active(now) {
			out = append(out, sub)
		}
	}
	return out
}

// MembershipOf returns the company an identity is a member of now (its
// Members count left at 0: the dashboard, the claims and the company
// page's checks do not need it, and it costs a walk over the members), or
// nil when it is none's (unknown, unverified, expired, a personal
// address), read from the database on every call.
func (s *Store) MembershipOf(ctx context.Context, identityID string) (*Membership, error) {
	c, found, err := s.readCompany(ctx, s.db, `SELECT d.company_id AS id FROM members m JOIN company_domains d ON d.domain = m.domain
		WHERE m.identity_id = ? AND `+currentSQL, identityID, s.cutoff())
	if err != nil {
		return nil, fmt.Errorf("membership of %s: %w", identityID, err)
	}
	if !found {
		return nil, nil
	}
	m := &Membership{Company: c}
	for _, a := range c.Admins {
		m.Admin = m.Admin || a.IdentityID == identityID
	}
	return m, nil
}

// Member returns an identity's row in the index, with its state now;
// found is false when the index has none.
func (s *Store) Member(ctx context.Context, identityID string) (row Row, found bool, err error) {
	rows, err := queryList(ctx, s.db, s.q(`SELECT m.identity_id, m.address, m.name, m.username, m.status, m.verified_at, m.changed_at,
		EXISTS (SELECT 1 FROM company_admins a WHERE a.identity_id = m.identity_id) FROM members m WHERE m.identity_id = ?`),
		[]any{identityID}, s.scanRow)
	if err != nil {
		return Row{}, false, fmt.Errorf("read member %s: %w", identityID, err)
	}
	if len(rows) == 0 {
		return Row{}, false, nil
	}
	return rows[0], true, nil
}
