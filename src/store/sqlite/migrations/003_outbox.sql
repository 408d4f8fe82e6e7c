-- fed311 store, version 3: the durable outbox of submissions to forward to cities.
CREATE TABLE outbox (
    token               TEXT PRIMARY KEY,   -- fed311's token, given to the client
    jurisdiction_id     TEXT NOT NULL,
    service_code        TEXT NOT NULL,
    form                TEXT NOT NULL,      -- JSON [[key, value], ...] to post (no key)
    state               TEXT NOT NULL,      -- pending | sending | awaiting | delivered | refused
    attempts            INTEGER NOT NULL DEFAULT 0,
    next_attempt        INTEGER NOT NULL,
    created_at          INTEGER NOT NULL,
    updated_at          INTEGER NOT NULL,
    service_request_id  TEXT,               -- the city's id, once known
    city_token          TEXT,               -- the city's own token (batch services)
    service_notice      TEXT,
    error               TEXT                -- the city's refusal, or the last failure
) WITHOUT ROWID;
CREATE INDEX outbox_due ON outbox (state, next_attempt);
