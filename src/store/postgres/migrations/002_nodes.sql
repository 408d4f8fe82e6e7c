-- fed311 store on PostgreSQL, version 2 (SQLite's 009): many nodes on one store. Which node
-- harvests each city and until when (a lease the holder renews), and when any node may harvest
-- it next; which node forwards each submission and until when. Times are the database's clock.
CREATE TABLE harvest_leases (
    jurisdiction_id  TEXT COLLATE "C" PRIMARY KEY,
    node             TEXT,                       -- the holder; NULL when free
    expires_at       BIGINT NOT NULL DEFAULT 0,  -- unix seconds; a lease past it is free
    next_due_at      BIGINT NOT NULL DEFAULT 0,  -- unix seconds: when the city is next due
    failures         BIGINT NOT NULL DEFAULT 0   -- failed passes in a row (backoff)
);
ALTER TABLE outbox ADD COLUMN claimed_by TEXT;
ALTER TABLE outbox ADD COLUMN claim_until BIGINT NOT NULL DEFAULT 0;
