-- +goose Up
-- Times are Unix seconds (BIGINT) and days are ISO dates (TEXT,
-- YYYY-MM-DD), so one file serves SQLite and PostgreSQL alike and every
-- comparison is an integer or a fixed-width string.

CREATE TABLE companies (
    id         TEXT PRIMARY KEY,
    name       TEXT NOT NULL,
    -- 0 while the name is the first domain's, 1 once an operator named it.
    named      INTEGER NOT NULL DEFAULT 0,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);

-- A registrable domain belongs to at most one company.
CREATE TABLE company_domains (
    domain     TEXT PRIMARY KEY,
    company_id TEXT NOT NULL REFERENCES companies (id) ON DELETE CASCADE,
    added_at   BIGINT NOT NULL
);
CREATE INDEX company_domains_company_id ON company_domains (company_id);

CREATE TABLE company_admins (
    company_id  TEXT NOT NULL REFERENCES companies (id) ON DELETE CASCADE,
    identity_id TEXT NOT NULL,
    -- "operator", or the id of the company admin who granted it.
    granted_by  TEXT NOT NULL,
    granted_at  BIGINT NOT NULL,
    PRIMARY KEY (company_id, identity_id)
);
CREATE INDEX company_admins_identity_id ON company_admins (identity_id);

-- An entitlement such as "support", open through its last day.
CREATE TABLE subscriptions (
    company_id TEXT NOT NULL REFERENCES companies (id) ON DELETE CASCADE,
    name       TEXT NOT NULL,
    ends_on    TEXT NOT NULL,
    updated_at BIGINT NOT NULL,
    PRIMARY KEY (company_id, name)
);

-- The member index: one row per identity, as Kratos last showed it.
CREATE TABLE members (
    identity_id TEXT PRIMARY KEY,
    address     TEXT NOT NULL,
    -- The address's registrable domain, lower case.
    domain      TEXT NOT NULL,
    name        TEXT NOT NULL,
    username    TEXT NOT NULL,
    -- unverified, verified or expired (emailstate.Status).
    status      TEXT NOT NULL,
    verified_at BIGINT,
    -- When the address or its status last changed.
    changed_at  BIGINT NOT NULL,
    -- When Kratos last showed this identity (a hook or a reconciliation).
    seen_at     BIGINT NOT NULL
);
CREATE INDEX members_domain_address ON members (domain, address);

-- +goose Down
DROP TABLE members;
DROP TABLE subscriptions;
DROP TABLE company_admins;
DROP TABLE company_domains;
DROP TABLE companies;
