-- fed311 store, version 1. Times are unix seconds (UTC); *_text columns keep what cities sent.

CREATE TABLE jurisdictions (
    id          TEXT PRIMARY KEY,
    name        TEXT NOT NULL,
    endpoint    TEXT NOT NULL,
    timezone    TEXT NOT NULL,
    synced_at   INTEGER NOT NULL
) WITHOUT ROWID;

CREATE TABLE services (
    jurisdiction_id TEXT NOT NULL,
    service_code    TEXT NOT NULL,
    service_name    TEXT NOT NULL,
    description     TEXT,
    metadata        INTEGER NOT NULL,
    service_type    TEXT,
    keywords        TEXT,
    group_name      TEXT,
    definition      TEXT,              -- JSON of the service definition, once fetched
    listed          INTEGER NOT NULL DEFAULT 1, -- still in the city's list at the last harvest
    first_seen      INTEGER NOT NULL,
    last_changed    INTEGER NOT NULL,
    PRIMARY KEY (jurisdiction_id, service_code)
) WITHOUT ROWID;

CREATE TABLE requests (
    jurisdiction_id     TEXT NOT NULL,
    service_request_id  TEXT NOT NULL,
    seq                 INTEGER NOT NULL,  -- bumped by every insert or change; the indexer tails it
    status              TEXT NOT NULL,
    status_raw          TEXT,
    status_notes        TEXT,
    service_name        TEXT,
    service_code        TEXT,
    description         TEXT,
    agency_responsible  TEXT,
    service_notice      TEXT,
    requested_at        INTEGER,
    updated_at          INTEGER,
    expected_at         INTEGER,
    requested_text      TEXT,
    updated_text        TEXT,
    expected_text       TEXT,
    address             TEXT,
    address_id          TEXT,
    zipcode             TEXT,
    lat                 REAL,
    long                REAL,
    media_url           TEXT,
    raw                 TEXT NOT NULL,
    content_hash        INTEGER NOT NULL,
    closed_at           INTEGER,
    first_seen          INTEGER NOT NULL,
    last_seen           INTEGER NOT NULL,
    PRIMARY KEY (jurisdiction_id, service_request_id)
);
CREATE UNIQUE INDEX requests_by_seq ON requests (seq);
CREATE INDEX requests_by_requested ON requests (jurisdiction_id, requested_at);
CREATE INDEX requests_by_updated ON requests (jurisdiction_id, updated_at);

CREATE TABLE request_history (
    id                  INTEGER PRIMARY KEY,
    jurisdiction_id     TEXT NOT NULL,
    service_request_id  TEXT NOT NULL,
    seen_at             INTEGER NOT NULL,
    change              TEXT NOT NULL,     -- 'created', or the changed fields, comma separated
    status              TEXT NOT NULL,
    status_raw          TEXT,
    status_notes        TEXT,
    updated_at          INTEGER,
    description         TEXT
);
CREATE INDEX history_by_request ON request_history (jurisdiction_id, service_request_id, id);

CREATE TABLE harvest_state (
    jurisdiction_id       TEXT PRIMARY KEY,
    profile               TEXT,            -- JSON: what was learned about the endpoint
    backfilled_until      INTEGER,         -- requests up to here were fetched completely once
    newest_updated        INTEGER,         -- newest updated time seen
    last_attempt          INTEGER,
    last_success          INTEGER,
    consecutive_failures  INTEGER NOT NULL DEFAULT 0,
    last_error            TEXT
) WITHOUT ROWID;
