package companies

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/workid/workid/internal/businessemail"
)

// Find finds a company the way an operator names it: by its id or one of
// its domains (as Company does), or by an email address or a subdomain on
// one of its domains ("ann@mail.acme-widgets.com" and
// "mail.acme-widgets.com" find the company holding acme-widgets.com).
func (s *Store) Find(ctx context.Context, ref string) (Company, error) {
	c, err := s.Company(ctx, ref)
	if !errors.Is(err, ErrNoCompany) {
		return c, err
	}
	registrable := registrableOf(ref)
	if registrable == "" || strings.EqualFold(registrable, strings.TrimSpace(ref)) {
		return Company{}, err
	}
	c, err2 := s.Company(ctx, registrable)
	if errors.Is(err2, ErrNoCompany) {
		return Company{}, fmt.Errorf("company %q (domain %s): %w", strings.TrimSpace(ref), registrable, ErrNoCompany)
	}
	return c, err2
}

// registrableOf is the registrable domain of an email address or a
// domain, or "" when ref is neither.
func registrableOf(ref string) string {
	ref = strings.TrimSpace(ref)
	if !strings.Contains(ref, "@") {
		ref = "postmaster@" + ref
	}
	a, r := businessemail.Normalize(ref)
	if r != businessemail.OK {
		return ""
	}
	return a.Registrable
}

// Accounts returns the member index's rows for the given identities, by
// identity id; an identity the index does not hold has no entry. Admin is
// false in every row: a row here is an account, not a company's member.
func (s *Store) Accounts(ctx context.Context, identityIDs []string) (map[string]Row, error) {
	out := make(map[string]Row, len(identityIDs))
	if len(identityIDs) == 0 {
		return out, nil
	}
	args := make([]any, len(identityIDs))
	for i, id := range identityIDs {
		args[i] = id
	}
	marks := strings.TrimSuffix(strings.Repeat("?, ", len(identityIDs)), ", ")
	rows, err := queryList(ctx, s.db, s.q(`SELECT m.identity_id, m.address, m.name, m.username, m.status, m.verified_at, m.changed_at,
		0 = 1 FROM members m WHERE m.identity_id IN (`+marks+`)`), args, s.scanRow)
	if err != nil {
		return nil, fmt.Errorf("read accounts: %w", err)
	}
	for _, r := range rows {
		out[r.IdentityID] = r
	}
	return out, nil
}
