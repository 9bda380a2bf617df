-- +goose Up
-- Email-change notices sent to an account's old address: when each went
-- out, for their limit (ten a day per account). Claimed here, one
-- account's claims one after another as link_requests' are, before the
-- notice is sent, so every hooks replica counts against the same limit.
-- Rows older than a day are deleted as new notices come in. Times are
-- Unix microseconds.
CREATE TABLE notice_sends (
    identity_id TEXT NOT NULL,
    sent_at     BIGINT NOT NULL,
    PRIMARY KEY (identity_id, sent_at)
);
CREATE INDEX notice_sends_sent_at ON notice_sends (sent_at);

-- +goose Down
DROP TABLE notice_sends;
