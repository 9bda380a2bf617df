-- +goose Up
-- A company's counts (members, pending) read only the index: the
-- domain, and what makes a row current.
CREATE INDEX members_domain_state ON members (domain, status, verified_at);

-- +goose Down
DROP INDEX members_domain_state;
