package companies

import (
	"context"
	"database/sql"
	"fmt"
	"time"
)

// LinkLimits are how many verification links one account may ask for.
type LinkLimits struct {
	// Gap is the least time between two requests.
	Gap time.Duration
	// PerDay is the most requests in any 24 hours.
	PerDay int
}

// linkClockSkew is how far in the future another process's clock may put a
// request before it is taken for garbage and ignored.
const linkClockSkew = 5 * time.Minute

// linkLockClass is the first key of the PostgreSQL advisory lock that makes
// one account's requests take turns (the second is a hash of the identity's
// id). Two-key advisory locks do not share keys with goose's one-key lock.
const linkLockClass int32 = 0x574b4c52 // "WKLR"

// ClaimLinkRequest records that identityID asks for a verification link
// at at, if lim allows it, and reports whether it did. Requests for one
// account are decided one after another, whichever process makes them, so
// of several at once only as many are claimed as the limits allow. A
// claim whose link cannot be sent is given back with ReleaseLinkRequest.
func (s *Store) ClaimLinkRequest(ctx context.Context, identityID string, at time.Time, lim LinkLimits) (bool, error) {
	dayAgo := at.Add(-24 * time.Hour).UnixMicro()
	// Requests older than a day, of every account, are of no more use.
	// Deleted outside the claim's transaction: other claims wait for no
	// row locks of it.
	if _, err := s.db.ExecContext(ctx, s.q(`DELETE FROM link_requests WHERE requested_at <= ?`), dayAgo); err != nil {
		return false, fmt.Errorf("link requests: %w", err)
	}
	var claimed bool
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		claimed = false
		// SQLite's transaction holds the database's write lock from BEGIN.
		if s.pg {
			if _, err := tx.ExecContext(ctx, `SELECT pg_advisory_xact_lock($1, hashtext($2))`, linkLockClass, identityID); err != nil {
				return err
			}
		}
		var n int
		var last sql.NullInt64
		err := tx.QueryRowContext(ctx, s.q(`SELECT count(*), max(requested_at) FROM link_requests
			WHERE identity_id = ? AND requested_at > ? AND requested_at < ?`),
			identityID, dayAgo, at.Add(linkClockSkew).UnixMicro()).Scan(&n, &last)
		if err != nil {
			return err
		}
		if n >= lim.PerDay || last.Valid && at.Sub(time.UnixMicro(last.Int64)) < lim.Gap {
			return nil
		}
		if _, err := tx.ExecContext(ctx, s.q(`INSERT INTO link_requests (identity_id, requested_at) VALUES (?, ?)`), identityID, at.UnixMicro()); err != nil {
			return err
		}
		claimed = true
		return nil
	})
	if err != nil {
		return false, fmt.Errorf("link requests: %w", err)
	}
	return claimed, nil
}

// ReleaseLinkRequest forgets the request ClaimLinkRequest claimed at at,
// for a link that could not be sent: the account may ask again at once.
func (s *Store) ReleaseLinkRequest(ctx context.Context, identityID string, at time.Time) error {
	if _, err := s.db.ExecContext(ctx, s.q(`DELETE FROM link_requests WHERE identity_id = ? AND requested_at = ?`), identityID, at.UnixMicro()); err != nil {
		return fmt.Errorf("link requests: %w", err)
	}
	return nil
}
