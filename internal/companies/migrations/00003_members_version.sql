-- +goose Up
-- When Kratos last changed what a row records (Unix microseconds, Kratos's
-- clock: the later of the identity's and its address's updated_at). Hooks
-- arrive in any order and a page may be listed before a hook's call: the
-- row with the later version wins, whoever writes last.
ALTER TABLE members ADD COLUMN version BIGINT;

-- +goose Down
ALTER TABLE members DROP COLUMN version;
