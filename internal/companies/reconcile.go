package companies

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"
)

// Reconciliation: the re-verification job lists every identity in Kratos
// and records each page here, so that an event the hooks missed (the hooks
// server down, a change through the admin API, an identity deleted) heals
// at the next pass.

// ObserveAll records a page of identities, as Kratos listed them at seen,
// in one transaction: what Observe does for each, at the cost of one
// commit. An identity the index saw after seen (a hook's call while the
// page was being handled) keeps its newer row and is reported Stale. It is
// idempotent: the same page twice changes nothing the second time.
func (s *Store) ObserveAll(ctx context.Context, seen time.Time, ms []Member) ([]Observed, error) {
	if s.rule == nil {
		return nil, errNoRule
	}
	if len(ms) == 0 {
		return nil, nil
	}
	for _, m := range ms {
		if m.IdentityID == "" {
			return nil, errors.New("observe identities: one has no id")
		}
	}
	out := make([]Observed, len(ms))
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		for i, m := range ms {
			o, err := s.observe(ctx, tx, m, seen.Unix(), true)
			if err != nil {
				return fmt.Errorf("identity %s: %w", m.IdentityID, err)
			}
			out[i] = o
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("observe %d identities: %w", len(ms), err)
	}
	return out, nil
}

// ErrTooManyUnseen: ForgetUnseen would remove more rows than its caller
// allows, which is likelier a Kratos pointed at the wrong database (a
// staging one, an old backup) than that many accounts deleted at once.
var ErrTooManyUnseen = errors.New("too many identities unseen")

// ForgetUnseen removes from the index the identities last seen before
// before: after a pass that listed every identity from before onwards,
// those are the identities Kratos no longer has. It removes nothing, and
// returns ErrTooManyUnseen, when there are more than most of them. It
// returns how many it removed. Only a complete pass may call it: a partial
// one would forget the identities it did not reach.
//
// Company admin grants stay: they give nothing without a current member
// row, and a pass that was wrong about Kratos must not cost every company
// its admins.
func (s *Store) ForgetUnseen(ctx context.Context, before time.Time, most int) (int, error) {
	// Seconds, as seen_at is: a row seen in the pass's first second has
	// seen_at >= this and stays.
	cutoff := before.Unix()
	var n int
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		if err := tx.QueryRowContext(ctx, s.q(`SELECT count(*) FROM members WHERE seen_at < ?`), cutoff).Scan(&n); err != nil {
			return err
		}
		if n > most {
			return fmt.Errorf("%d, more than %d: %w", n, most, ErrTooManyUnseen)
		}
		_, err := tx.ExecContext(ctx, s.q(`DELETE FROM members WHERE seen_at < ?`), cutoff)
		return err
	})
	if err != nil {
		return 0, fmt.Errorf("forget identities unseen since %s: %w", before.UTC().Format(time.RFC3339), err)
	}
	return n, nil
}
