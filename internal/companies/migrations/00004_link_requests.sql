-- +goose Up
-- "Send me a verification link": when each account asked, for the limits
-- (one a minute, five a day). A request is claimed here, in one
-- transaction per account, before its mail is sent, so requests on any
-- number of UI replicas take turns. Rows older than a day are deleted as
-- new requests come in. Times are Unix microseconds.
CREATE TABLE link_requests (
    identity_id  TEXT NOT NULL,
    requested_at BIGINT NOT NULL,
    PRIMARY KEY (identity_id, requested_at)
);
CREATE INDEX link_requests_requested_at ON link_requests (requested_at);

-- +goose Down
DROP TABLE link_requests;
