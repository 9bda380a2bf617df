package companies

import (
	"context"
	"database/sql"
	"fmt"
	"time"
)

// LinkLimits are how many of a limited thing (verification links,
// email-change notices) one account may have.
type LinkLimits struct {
	// Gap is the least time between two requests.
	Gap time.Duration
	// PerDay is the most requests in any 24 hours.
	PerDay int
}

// linkClockSkew is how far in the future another process's clock may put a
// request before it is taken for garbage and ignored.
const linkClockSkew = 5 * time.Minute

// A turns table records when each account did something limited (asked
// for a verification link, was sent an email-change notice): a row per
// time, deleted a day later. Its claims for one account are decided one
// after another, by the PostgreSQL advisory lock (class, a hash of the
// identity's id); two-key advisory locks do not share keys with goose's
// one-key lock.
type turns struct {
	table, column string
	class         int32
}

var (
	linkRequests = turns{table: "link_requests", column: "requested_at", class: 0x574b4c52} // "WKLR"
	noticeSends  = turns{table: "notice_sends", column: "sent_at", class: 0x574b4e53}       // "WKNS"
)

// ClaimLinkRequest records that identityID asks for a verification link
// at at, if lim allows it, and reports whether it did. Requests for one
// account are decided one after another, whichever process makes them, so
// of several at once only as many are claimed as the limits allow. A
// claim whose link cannot be sent is given back with ReleaseLinkRequest.
func (s *Store) ClaimLinkRequest(ctx context.Context, identityID string, at time.Time, lim LinkLimits) (bool, error) {
	return s.claim(ctx, linkRequests, identityID, at, lim)
}

// ReleaseLinkRequest forgets the request ClaimLinkRequest claimed at at,
// for a link that could not be sent: the account may ask again at once.
func (s *Store) ReleaseLinkRequest(ctx context.Context, identityID string, at time.Time) error {
	return s.release(ctx, linkRequests, identityID, at)
}

// ClaimNotice records that identityID is sent an email-change notice at
// at, if lim allows it, as ClaimLinkRequest does for links.
func (s *Store) ClaimNotice(ctx context.Context, identityID string, at time.Time, lim LinkLimits) (bool, error) {
	return s.claim(ctx, noticeSends, identityID, at, lim)
}

// ReleaseNotice forgets the notice ClaimNotice claimed at at, for a
// notice that could not be sent.
func (s *Store) ReleaseNotice(ctx context.Context, identityID string, at time.Time) error {
	return s.release(ctx, noticeSends, identityID, at)
}

func (s *Store) claim(ctx context.Context, t turns, identityID string, at time.Time, lim LinkLimits) (bool, error) {
	dayAgo := at.Add(-24 * time.Hour).UnixMicro()
	// Rows older than a day, of every account, are of no more use.
	// Deleted outside the claim's transaction: other claims wait for no
	// row locks of it.
	if _, err := s.db.ExecContext(ctx, s.q(`DELETE FROM `+t.table+` WHERE `+t.column+` <= ?`), dayAgo); err != nil {
		return false, fmt.Errorf("%s: %w", t.table, err)
	}
	var claimed bool
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		claimed = false
		// SQLite's transaction holds the database's write lock from BEGIN.
		if s.pg {
			if _, err := tx.ExecContext(ctx, `SELECT pg_advisory_xact_lock($1, hashtext($2))`, t.class, identityID); err != nil {
				return err
			}
		}
		var n int
		var last sql.NullInt64
		err := tx.QueryRowContext(ctx, s.q(`SELECT count(*), max(`+t.column+`) FROM `+t.table+`
			WHERE identity_id = ? AND `+t.column+` > ? AND `+t.column+` < ?`),
			identityID, dayAgo, at.Add(linkClockSkew).UnixMicro()).Scan(&n, &last)
		if err != nil {
			return err
		}
		if n >= lim.PerDay || lim.Gap > 0 && last.Valid && at.Sub(time.UnixMicro(last.Int64)) < lim.Gap {
			return nil
		}
		// Two claims in the same microsecond are one.
		res, err := tx.ExecContext(ctx, s.q(`INSERT INTO `+t.table+` (identity_id, `+t.column+`) VALUES (?, ?) ON CONFLICT DO NOTHING`), identityID, at.UnixMicro())
		if err != nil {
			return err
		}
		rows, err := res.RowsAffected()
		claimed = err == nil && rows == 1
		return err
	})
	if err != nil {
		return false, fmt.Errorf("%s: %w", t.table, err)
	}
	return claimed, nil
}

func (s *Store) release(ctx context.Context, t turns, identityID string, at time.Time) error {
	if _, err := s.db.ExecContext(ctx, s.q(`DELETE FROM `+t.table+` WHERE identity_id = ? AND `+t.column+` = ?`), identityID, at.UnixMicro()); err != nil {
		return fmt.Errorf("%s: %w", t.table, err)
	}
	return nil
}
