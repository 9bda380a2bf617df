package companies

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/workid/workid/internal/emailstate"
)

// Member is an identity as Kratos shows it, for the index.
type Member struct {
	IdentityID string
	// Address is the identity's email trait.
	Address string
	// Name is the display name, Username the username trait.
	Name, Username string
	// State is the address's verification (emailstate.Of).
	State emailstate.State
	// Version is when Kratos last changed what the row records: the later
	// of the identity's and its address's updated_at (VersionOf). An
	// observation older than the row's is stale and changes nothing, so
	// hooks that arrive out of order, and a page listed before a hook's
	// call, never undo a newer state. Zero when unknown: then the
	// observation is taken as the newest.
	Version time.Time
}

// VersionOf is a Member's Version: the latest of Kratos's updated_at
// times given (nil for one Kratos did not send).
func VersionOf(times ...*time.Time) time.Time {
	var v time.Time
	for _, t := range times {
		if t != nil && t.After(v) {
			v = *t
		}
	}
	return v
}

// Observed is what Observe did.
type Observed struct {
	// CompanyID is the company the identity is now a member of, or "".
	CompanyID string
	// Domain is the address's registrable domain.
	Domain string
	// Formed is true when the identity's domain formed a new company.
	Formed bool
	// Changed is true when the address or its verification changed.
	Changed bool
	// Stale is true when the row was newer than the observation (by
	// Kratos's version, or, without one, a page listed before a hook's
	// call): the newer row was kept and nothing changed.
	Stale bool
}

// MemberFrom is the index's view of an identity as Kratos shows it: its
// traits (a decoded JSON object), its account address (the email trait's
// verifiable address, kratosapi.AccountAddress; a zero Value when it has
// none) and its metadata_admin, which holds the re-verification record.
// The state is emailstate's, at now, like everywhere else in WorkID.
func MemberFrom(identityID string, traits map[string]any, addr emailstate.Address, metadataAdmin any, now time.Time, maxAge time.Duration) Member {
	email, _ := traits["email"].(string)
	username, _ := traits["username"].(string)
	name, _ := traits["name"].(map[string]any)
	first, _ := name["first"].(string)
	last, _ := name["last"].(string)
	if addr.Value == "" {
		addr = emailstate.Address{Value: email}
	}
	return Member{
		IdentityID: identityID, Address: email, Username: username,
		Name:  strings.TrimSpace(first + " " + last),
		State: emailstate.Of(addr, emailstate.RecordFrom(metadataAdmin), now, maxAge),
	}
}

// Observe records an identity in the member index. When its address is a
// business address, verified and current, on a domain no company holds,
// the domain forms a company named after it. Observing the same identity
// twice changes nothing the second time, so hooks and reconciliation may
// both report it.
func (s *Store) Observe(ctx context.Context, m Member) (Observed, error) {
	if m.IdentityID == "" {
		return Observed{}, errors.New("observe identity: no id")
	}
	if s.rule == nil {
		return Observed{}, errNoRule
	}
	var out Observed
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		var err error
		out, err = s.observe(ctx, tx, m, s.now().Unix(), false)
		return err
	})
	if err != nil {
		return Observed{}, fmt.Errorf("observe identity %s: %w", m.IdentityID, err)
	}
	return out, nil
}

// observe records m, as Kratos showed it at seen (Unix seconds), in tx.
// With keepNewer, a row seen later than that is newer and kept as it is: a
// listed page must not undo a hook's call made while the page was handled.
// A hook's call (keepNewer false) always writes: it comes right after the
// save it reports, and another machine's clock, a little ahead, must not
// make it look old.
func (s *Store) observe(ctx context.Context, tx *sql.Tx, m Member, seen int64, keepNewer bool) (Observed, error) {
	d := s.rule.Decide(m.Address)
	domain := d.Address.Registrable
	address := strings.ToLower(m.Address)
	var verifiedAt sql.NullInt64
	if !m.State.VerifiedAt.IsZero() {
		verifiedAt = sql.NullInt64{Int64: m.State.VerifiedAt.Unix(), Valid: true}
	}
	out := Observed{Domain: domain}
	changed, stale, err := s.upsertMember(ctx, tx, m, address, domain, verifiedAt, seen, keepNewer)
	if err != nil || stale {
		return Observed{Domain: domain, Stale: stale}, err
	}
	out.Changed = changed
	if !s.current(m.State.Status.String(), verifiedAt) || !d.Allowed() || domain == "" {
		return out, nil
	}
	out.CompanyID, out.Formed, err = s.companyFor(ctx, tx, domain, s.now().Unix())
	return out, err
}

// upsertMember writes the identity's row, seen at seen, and reports
// whether its address or verification changed (a new row is a change).
// With keepNewer, a row seen later is left alone (stale). seen_at never
// goes back: a pass forgets the rows not seen since it began.
func (s *Store) upsertMember(ctx context.Context, tx *sql.Tx, m Member, address, domain string, verifiedAt sql.NullInt64, seen int64, keepNewer bool) (changed, stale bool, err error) {
	var old struct {
		address, status string
		verifiedAt      sql.NullInt64
		seen            int64
		version         sql.NullInt64
	}
	// On PostgreSQL the row stays locked until the transaction ends, so
	// concurrent observers of one identity take turns and each compares
	// with the row as the other left it. SQLite's transactions take the
	// database's write lock at BEGIN already.
	lock := ""
	if s.pg {
		lock = " FOR UPDATE"
	}
	err = tx.QueryRowContext(ctx, s.q(`SELECT address, status, verified_at, seen_at, version FROM members WHERE identity_id = ?`+lock), m.IdentityID).
		Scan(&old.address, &old.status, &old.verifiedAt, &old.seen, &old.version)
	found := err == nil
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		return false, false, err
	}
	var version sql.NullInt64
	if !m.Version.IsZero() {
		version = sql.NullInt64{Int64: m.Version.UnixMicro(), Valid: true}
	}
	if found {
		// Kratos's own times decide which state is newer when both have
		// one; without, a later sighting does (a page must not undo a
		// hook's call made while it was handled).
		older := version.Valid && old.version.Valid && version.Int64 < old.version.Int64
		if !version.Valid || !old.version.Valid {
			older = keepNewer && old.seen > seen
		}
		if older {
			// Still seen: the row is not forgotten for it.
			_, err := tx.ExecContext(ctx, s.q(`UPDATE members SET seen_at = ? WHERE identity_id = ? AND seen_at < ?`), seen, m.IdentityID, seen)
			return false, true, err
		}
		seen = max(seen, old.seen)
		if !version.Valid {
			version = old.version
		}
	}
	status := m.State.Status.String()
	changed = !found || old.address != address || old.status != status || old.verifiedAt != verifiedAt
	if !found {
		// A new row locks nothing yet: another observer may insert it
		// first, and this one then compares with that row instead.
		res, err := tx.ExecContext(ctx, s.q(`INSERT INTO members
			(identity_id, address, domain, name, username, status, verified_at, changed_at, seen_at, version)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (identity_id) DO NOTHING`),
			m.IdentityID, address, domain, m.Name, m.Username, status, verifiedAt, seen, seen, version)
		if err != nil {
			return false, false, err
		}
		if n, err := res.RowsAffected(); err != nil || n == 1 {
			return true, false, err
		}
		return s.upsertMember(ctx, tx, m, address, domain, verifiedAt, seen, keepNewer)
	}
	changedAt := "changed_at"
	args := []any{address, domain, m.Name, m.Username, status, verifiedAt}
	if changed {
		changedAt = "?"
		args = append(args, seen)
	}
	args = append(args, seen, version, m.IdentityID)
	_, err = tx.ExecContext(ctx, s.q(`UPDATE members SET address = ?, domain = ?, name = ?, username = ?,
		status = ?, verified_at = ?, changed_at = `+changedAt+`, seen_at = ?, version = ? WHERE identity_id = ?`), args...)
	return changed, false, err
}

// companyFor returns the company that holds domain, forming one named
// after the domain when none does. Two processes forming the same one at
// once end with one company: the domain's key decides, and the loser's
// company is removed in its own transaction.
func (s *Store) companyFor(ctx context.Context, tx *sql.Tx, domain string, now int64) (id string, formed bool, err error) {
	err = tx.QueryRowContext(ctx, s.q(`SELECT company_id FROM company_domains WHERE domain = ?`), domain).Scan(&id)
	if err == nil || !errors.Is(err, sql.ErrNoRows) {
		return id, false, err
	}
	id = newID()
	if _, err := tx.ExecContext(ctx, s.q(`INSERT INTO companies (id, name, named, created_at, updated_at) VALUES (?, ?, 0, ?, ?)`),
		id, domain, now, now); err != nil {
		return "", false, err
	}
	res, err := tx.ExecContext(ctx, s.q(`INSERT INTO company_domains (domain, company_id, added_at) VALUES (?, ?, ?)
		ON CONFLICT (domain) DO NOTHING`), domain, id, now)
	if err != nil {
		return "", false, err
	}
	if n, _ := res.RowsAffected(); n == 1 {
		return id, true, nil
	}
	if _, err := tx.ExecContext(ctx, s.q(`DELETE FROM companies WHERE id = ?`), id); err != nil {
		return "", false, err
	}
	err = tx.QueryRowContext(ctx, s.q(`SELECT company_id FROM company_domains WHERE domain = ?`), domain).Scan(&id)
	return id, false, err
}

// Forget removes an identity from the index (Kratos deleted it) and from
// every company's admins.
func (s *Store) Forget(ctx context.Context, identityID string) error {
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, s.q(`DELETE FROM members WHERE identity_id = ?`), identityID); err != nil {
			return err
		}
		_, err := tx.ExecContext(ctx, s.q(`DELETE FROM company_admins WHERE identity_id = ?`), identityID)
		return err
	})
	if err != nil {
		return fmt.Errorf("forget identity %s: %w", identityID, err)
	}
	return nil
}

// errNoRule: the store was opened without the business-email rule.
var errNoRule = errors.New("the database was opened without the business-email rule")

// current reports whether a row's verification makes it a member now.
func (s *Store) current(status string, verifiedAt sql.NullInt64) bool {
	if status != emailstate.Verified.String() {
		return false
	}
	return !verifiedAt.Valid || s.now().Before(time.Unix(verifiedAt.Int64, 0).Add(s.maxAge))
}

// currentSQL is the condition, on the members row m, that makes it a
// member now; its one argument is the earliest current verification
// (cutoff).
const currentSQL = `m.status = 'verified' AND (m.verified_at IS NULL OR m.verified_at > ?)`

// cutoff is currentSQL's argument: verifications after it are current.
func (s *Store) cutoff() int64 { return s.now().Add(-s.maxAge).Unix() }
