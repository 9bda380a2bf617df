package companies

import (
	"context"
	"database/sql"
	"fmt"
	"sync/atomic"
	"time"
)

// Limits are how many of a limited thing (verification links asked for,
// email-change notices) one account may have.
type Limits struct {
	// Gap is the least time between two; none when 0.
	Gap time.Duration
	// PerDay is the most in any 24 hours.
	PerDay int
}

// clockSkew is how far in the future another process's clock may put a
// claim before it is taken for garbage and ignored.
const clockSkew = 5 * time.Minute

// Claim is one turn an account was given: a row of its table until it is
// a day old, or until Release.
type Claim struct {
	s          *Store
	t          turns
	identityID string
	at         int64
}

// Release forgets the claim, for a thing that was not done (its mail
// could not be sent): the account may ask again at once. It runs to its
// end even when ctx is done: a request that ended still gives its claim
// back.
func (c *Claim) Release(ctx context.Context) error {
	s, t := c.s, c.t
	if _, err := s.db.ExecContext(context.WithoutCancel(ctx), s.q(`DELETE FROM `+t.table+` WHERE identity_id = ? AND `+t.column+` = ?`), c.identityID, c.at); err != nil {
		return fmt.Errorf("%s: %w", t.table, err)
	}
	return nil
}

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

// Refusal is which limit refused a claim: NotRefused when none did.
type Refusal uint8

const (
	NotRefused Refusal = iota
	// TooSoon: within Limits.Gap of the account's last claim.
	TooSoon
	// DayFull: Limits.PerDay claims in the last 24 hours.
	DayFull
)

// ClaimLinkRequest records that identityID asks for a verification link
// at at, if lim allows it: a nil claim and the limit it met when it does
// not. Requests for one account are decided one after another, whichever
// process makes them, so of several at once only as many are claimed as
// the limits allow.
func (s *Store) ClaimLinkRequest(ctx context.Context, identityID string, at time.Time, lim Limits) (*Claim, Refusal, error) {
	return s.claim(ctx, linkRequests, identityID, at, lim)
}

// ClaimNotice records that identityID is sent an email-change notice at
// at, if lim allows it, as ClaimLinkRequest does for links.
func (s *Store) ClaimNotice(ctx context.Context, identityID string, at time.Time, lim Limits) (*Claim, error) {
	c, _, err := s.claim(ctx, noticeSends, identityID, at, lim)
	return c, err
}

func (s *Store) claim(ctx context.Context, t turns, identityID string, at time.Time, lim Limits) (*Claim, Refusal, error) {
	dayAgo := at.Add(-24 * time.Hour).UnixMicro()
	// Rows older than a day, of every account, are of no more use (the
	// count below skips them): swept at most once an hour of claims, not
	// on every claim, outside the claim's transaction so that other
	// claims wait for no row locks of it.
	if s.sweepDue(t, at) {
		if _, err := s.db.ExecContext(ctx, s.q(`DELETE FROM `+t.table+` WHERE `+t.column+` <= ?`), dayAgo); err != nil {
			return nil, NotRefused, fmt.Errorf("%s: %w", t.table, err)
		}
	}
	var claimed bool
	var refused Refusal
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		claimed, refused = false, NotRefused
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
			identityID, dayAgo, at.Add(clockSkew).UnixMicro()).Scan(&n, &last)
		if err != nil {
			return err
		}
		switch {
		case n >= lim.PerDay:
			refused = DayFull
			return nil
		case lim.Gap > 0 && last.Valid && at.Sub(time.UnixMicro(last.Int64)) < lim.Gap:
			refused = TooSoon
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
		return nil, NotRefused, fmt.Errorf("%s: %w", t.table, err)
	}
	if !claimed {
		// Refused by a limit, or another claim of the same microsecond.
		return nil, refused, nil
	}
	return &Claim{s: s, t: t, identityID: identityID, at: at.UnixMicro()}, NotRefused, nil
}

// sweepEvery is how often, in claim time, a turns table drops its rows
// older than a day.
const sweepEvery = time.Hour

// sweepDue reports whether t's old rows are to be swept before a claim at
// at, and if so takes the turn; every process sweeps for itself.
func (s *Store) sweepDue(t turns, at time.Time) bool {
	v, _ := s.swept.LoadOrStore(t.table, new(atomic.Int64))
	last := v.(*atomic.Int64)
	prev := last.Load()
	if prev != 0 && at.Sub(time.UnixMicro(prev)) < sweepEvery {
		return false
	}
	return last.CompareAndSwap(prev, at.UnixMicro())
}
