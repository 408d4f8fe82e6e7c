-- fed311 store on PostgreSQL, version 1: the SQLite schema as of its migration 008, in one
-- step (no PostgreSQL store existed before). Times are unix seconds (UTC); *_text columns keep
-- what cities sent. Keys compare bytewise (COLLATE "C"), as SQLite's do, so lists, exports and
-- the crosswalk come in the same order on both backends.

CREATE TABLE jurisdictions (
    id          TEXT COLLATE "C" PRIMARY KEY,
    name        TEXT NOT NULL,
    endpoint    TEXT NOT NULL,
    timezone    TEXT NOT NULL,
    synced_at   BIGINT NOT NULL
);

CREATE TABLE services (
    jurisdiction_id TEXT COLLATE "C" NOT NULL,
    service_code    TEXT COLLATE "C" NOT NULL,
    service_name    TEXT NOT NULL,
    description     TEXT,
    metadata        BOOLEAN NOT NULL,
    service_type    TEXT,
    keywords        TEXT,
    group_name      TEXT,
    definition      TEXT,              -- JSON of the service definition, once fetched
    listed          BOOLEAN NOT NULL DEFAULT TRUE, -- still in the city's list at the last harvest
    first_seen      BIGINT NOT NULL,
    last_changed    BIGINT NOT NULL,
    category        TEXT,
    category_how    TEXT,              -- JSON, e.g. {"kind":"rule","pattern":"pothole*","field":"service_name"}
    PRIMARY KEY (jurisdiction_id, service_code)
);

CREATE TABLE requests (
    jurisdiction_id     TEXT COLLATE "C" NOT NULL,
    service_request_id  TEXT COLLATE "C" NOT NULL,
    seq                 BIGINT NOT NULL,   -- taken from counters('seq') by every insert or change
    status              TEXT NOT NULL,
    status_raw          TEXT,
    status_notes        TEXT,
    service_name        TEXT,
    service_code        TEXT COLLATE "C",
    description         TEXT,
    agency_responsible  TEXT,
    service_notice      TEXT,
    requested_at        BIGINT,
    updated_at          BIGINT,
    expected_at         BIGINT,
    requested_text      TEXT,
    updated_text        TEXT,
    expected_text       TEXT,
    address             TEXT,
    address_id          TEXT,
    zipcode             TEXT,
    lat                 DOUBLE PRECISION,
    long                DOUBLE PRECISION,
    media_url           TEXT,
    raw                 TEXT NOT NULL,
    content_hash        BIGINT NOT NULL,
    closed_at           BIGINT,
    first_seen          BIGINT NOT NULL,
    last_seen           BIGINT NOT NULL,
    category            TEXT,
    -- The row's number in insertion order (SQLite's rowid): the location sample hashes it.
    rid                 BIGINT NOT NULL,
    PRIMARY KEY (jurisdiction_id, service_request_id)
);
CREATE UNIQUE INDEX requests_by_seq ON requests (seq);
CREATE INDEX requests_by_requested ON requests (jurisdiction_id, requested_at, service_request_id);
CREATE INDEX requests_by_updated ON requests (jurisdiction_id, updated_at);
CREATE INDEX requests_by_category ON requests (category);

CREATE TABLE request_history (
    id                  BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    jurisdiction_id     TEXT COLLATE "C" NOT NULL,
    service_request_id  TEXT COLLATE "C" NOT NULL,
    seen_at             BIGINT NOT NULL,
    change              TEXT NOT NULL,     -- 'created', or the changed fields, comma separated
    status              TEXT NOT NULL,
    status_raw          TEXT,
    status_notes        TEXT,
    updated_at          BIGINT,
    description         TEXT
);
CREATE INDEX history_by_request ON request_history (jurisdiction_id, service_request_id, id);

CREATE TABLE harvest_state (
    jurisdiction_id       TEXT COLLATE "C" PRIMARY KEY,
    profile               TEXT,            -- JSON: what was learned about the endpoint
    backfilled_until      BIGINT,          -- requests up to here were fetched completely once
    newest_updated        BIGINT,          -- newest updated time seen
    last_attempt          BIGINT,
    last_success          BIGINT,
    consecutive_failures  BIGINT NOT NULL DEFAULT 0,
    last_error            TEXT,
    pending               TEXT,            -- JSON: spans still to fetch
    clock_offset          BIGINT,          -- the city's clock minus ours (seconds)
    recent_rescan_at      BIGINT,
    full_rescan_at        BIGINT,
    running_since         BIGINT,          -- when the pass under way started
    last_pass             TEXT             -- JSON: the last pass's figures
);

CREATE TABLE outbox (
    token               TEXT COLLATE "C" PRIMARY KEY,
    jurisdiction_id     TEXT COLLATE "C" NOT NULL,
    service_code        TEXT NOT NULL,
    form                TEXT NOT NULL,      -- JSON [[key, value], ...] to post (no key)
    state               TEXT NOT NULL,      -- pending | sending | awaiting | delivered | refused
    attempts            BIGINT NOT NULL DEFAULT 0,
    next_attempt        BIGINT NOT NULL,
    created_at          BIGINT NOT NULL,
    updated_at          BIGINT NOT NULL,
    service_request_id  TEXT,
    city_token          TEXT,
    service_notice      TEXT,
    error               TEXT,
    refusal_status      BIGINT
);
CREATE INDEX outbox_due ON outbox (state, next_attempt);

-- A random identity, made once when the store is created.
CREATE TABLE store_identity (
    id TEXT NOT NULL
);
INSERT INTO store_identity (id) VALUES (replace(gen_random_uuid()::text, '-', ''));

-- 'seq': the last seq handed out. A write takes its seqs by locking this row first (inside its
-- transaction): writers are serialized until commit, so seqs become visible in order.
-- 'data_version': bumped by every transaction that writes, the stamp of cached answers.
CREATE TABLE counters (
    name  TEXT PRIMARY KEY,
    value BIGINT NOT NULL
);
-- `rid`: the last row number given (a new request takes the next, as SQLite's rowid does).
INSERT INTO counters (name, value) VALUES ('seq', 0), ('data_version', 0), ('rid', 0);
