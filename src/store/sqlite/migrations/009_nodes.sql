-- fed311 store, version 9: many nodes on one store. Which node harvests each city and until
-- when (a lease the holder renews), and when any node may harvest it next; which node
-- forwards each submission and until when.
CREATE TABLE harvest_leases (
    jurisdiction_id  TEXT PRIMARY KEY,
    node             TEXT,                       -- the holder; NULL when free
    expires_at       INTEGER NOT NULL DEFAULT 0, -- unix seconds; a lease past it is free
    next_due_at      INTEGER NOT NULL DEFAULT 0, -- unix seconds: when the city is next due
    failures         INTEGER NOT NULL DEFAULT 0  -- failed passes in a row (backoff)
) WITHOUT ROWID;
ALTER TABLE outbox ADD COLUMN claimed_by TEXT;
ALTER TABLE outbox ADD COLUMN claim_until INTEGER NOT NULL DEFAULT 0;
