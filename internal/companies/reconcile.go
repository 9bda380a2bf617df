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

// ForgetUnseen removes from the index, and from every company's admins,
// the identities last seen before before: after a pass that listed every
// identity from before onwards, those are the identities Kratos no longer
// has. It returns how many it removed. Only a complete pass may call it: a
// partial one would forget the identities it did not reach.
func (s *Store) ForgetUnseen(ctx context.Context, before time.Time) (int, error) {
	// Seconds, as seen_at is: a row seen in the pass's first second has
	// seen_at >= this and stays.
	cutoff := before.Unix()
	var n int64
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, s.q(`DELETE FROM company_admins WHERE identity_id IN
			(SELECT identity_id FROM members WHERE seen_at < ?)`), cutoff); err != nil {
			return err
		}
		res, err := tx.ExecContext(ctx, s.q(`DELETE FROM members WHERE seen_at < ?`), cutoff)
		if err != nil {
			return err
		}
		n, err = res.RowsAffected()
		return err
	})
	if err != nil {
		return 0, fmt.Errorf("forget identities unseen since %s: %w", before.UTC().Format(time.RFC3339), err)
	}
	return int(n), nil
}
